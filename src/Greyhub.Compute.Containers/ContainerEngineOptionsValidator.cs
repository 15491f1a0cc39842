using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace Greyhub.Compute.Containers;

/// <summary>Checks the containers engine's options at start-up and reports every problem at once.</summary>
internal sealed class ContainerEngineOptionsValidator : IValidateOptions<ContainerEngineOptions>
{
    private const string S = ContainerEngineOptions.Section;
    private static readonly string[] Schemes = ["unix", "tcp", "http", "https", "npipe"];

    public ValidateOptionsResult Validate(string? name, ContainerEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    internal static IEnumerable<string> Problems(ContainerEngineOptions o)
    {
        if (!Uri.TryCreate(o.Endpoint, UriKind.Absolute, out var endpoint) || !Schemes.Contains(endpoint.Scheme))
        {
            yield return $"{S}:Endpoint '{o.Endpoint}' must be an absolute URI with scheme {string.Join(", ", Schemes)} (e.g. unix:///run/podman/podman.sock).";
        }
        if (string.IsNullOrEmpty(o.InstanceId) || !o.InstanceId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            yield return $"{S}:InstanceId '{o.InstanceId}' must be letters, digits, '-', '_' or '.'.";
        }
        if (string.IsNullOrWhiteSpace(o.DefaultImage))
        {
            yield return $"{S}:DefaultImage must name an image.";
        }
        if (o.AllowedImages?.Any(string.IsNullOrWhiteSpace) == true)
        {
            yield return $"{S}:AllowedImages must not hold empty names.";
        }
        if (!Enum.IsDefined(o.NetworkMode))
        {
            yield return $"{S}:NetworkMode must be Publish or Host.";
        }
        if (o.NetworkMode == ContainerNetworkMode.Host && !string.IsNullOrEmpty(o.Network))
        {
            yield return $"{S}:Network cannot be set with NetworkMode Host.";
        }
        if (o.ExtraHosts?.Any(h => h.Split(':', 2) is not [{ Length: > 0 }, { Length: > 0 }]) == true)
        {
            yield return $"{S}:ExtraHosts entries must be 'name:address'.";
        }
        if (o.ContainerPort is < 1 or > 65535)
        {
            yield return $"{S}:ContainerPort {o.ContainerPort} must be between 1 and 65535.";
        }
        if (!IPAddress.TryParse(o.PublishAddress, out _))
        {
            yield return $"{S}:PublishAddress '{o.PublishAddress}' must be an IP address (e.g. 127.0.0.1).";
        }
        if (o.Runtime is { } runtime && string.IsNullOrWhiteSpace(runtime))
        {
            yield return $"{S}:Runtime must name a runtime or be null.";
        }
        foreach (var (limit, value) in o.Ulimits)
        {
            if (string.IsNullOrWhiteSpace(limit) || ParseUlimit(value) is null)
            {
                yield return $"{S}:Ulimits:{limit} '{value}' must be 'soft:hard' or one number (soft <= hard).";
            }
        }
        if (string.IsNullOrWhiteSpace(o.LogsDirectory))
        {
            yield return $"{S}:LogsDirectory must name a folder.";
        }
        if (o.SavedLogBytes < 0)
        {
            yield return $"{S}:SavedLogBytes must not be negative.";
        }
        if (o.RequestTimeout <= TimeSpan.Zero)
        {
            yield return $"{S}:RequestTimeout must be positive.";
        }
    }

    /// <summary>Parses <c>soft:hard</c> or one number; null when invalid.</summary>
    internal static (long Soft, long Hard)? ParseUlimit(string? value)
    {
        var parts = (value ?? "").Split(':');
        if (parts.Length is < 1 or > 2
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft)
            || !long.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var hard)
            || soft > hard)
        {
            return null;
        }
        return (soft, hard);
    }
}
