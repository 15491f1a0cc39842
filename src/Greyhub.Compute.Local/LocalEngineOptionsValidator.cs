using Microsoft.Extensions.Options;

namespace Greyhub.Compute.Local;

/// <summary>Checks <see cref="LocalEngineOptions"/> at start-up, reporting every problem at once.</summary>
internal sealed class LocalEngineOptionsValidator : IValidateOptions<LocalEngineOptions>
{
    public ValidateOptionsResult Validate(string? name, LocalEngineOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.JobsDirectory))
        {
            failures.Add($"{LocalEngineOptions.Section}:JobsDirectory must name a folder.");
        }
        if (string.IsNullOrWhiteSpace(options.Host) || Uri.CheckHostName(options.Host) == UriHostNameType.Unknown)
        {
            failures.Add($"{LocalEngineOptions.Section}:Host must be a host name or an IP address, not '{options.Host}'.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
