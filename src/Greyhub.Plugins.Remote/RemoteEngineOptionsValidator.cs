using Microsoft.Extensions.Options;

namespace Greyhub.Plugins.Remote;

/// <summary>Checks every configured plug-in engine at start-up, reporting every problem at once.</summary>
internal sealed class RemoteEngineOptionsValidator : IValidateOptions<RemoteEnginesOptions>, IValidateOptions<RemoteAuthenticatorsOptions>
{
    public ValidateOptionsResult Validate(string? name, RemoteEnginesOptions options) => Validate(RemoteEnginesOptions.Section, options.Remote);

    public ValidateOptionsResult Validate(string? name, RemoteAuthenticatorsOptions options) => Validate(RemoteAuthenticatorsOptions.Section, options.Remote);

    private static ValidateOptionsResult Validate(string section, Dictionary<string, RemoteEngineOptions> plugins)
    {
        var failures = new List<string>();
        foreach (var (engine, o) in plugins)
        {
            var at = $"{section}:Remote:{engine}";
            if (o.Url is null && o.Command.Count == 0)
            {
                failures.Add($"{at}: set Url (a running plug-in) or Command (a plug-in the hub starts).");
            }
            if (o.Url is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")))
            {
                failures.Add($"{at}:Url must be an absolute http or https address, not '{url}'.");
            }
            if (o.Url is not null && o.Command.Count == 0 && string.IsNullOrEmpty(o.Secret))
            {
                failures.Add($"{at}:Secret is required for a plug-in the hub does not start (it is the plug-in's only proof that a call comes from the hub).");
            }
            if (o.Timeout <= TimeSpan.Zero)
            {
                failures.Add($"{at}:Timeout must be positive.");
            }
            if (o.SpawnTimeout <= TimeSpan.Zero)
            {
                failures.Add($"{at}:SpawnTimeout must be positive.");
            }
            if (o.Retries is < 0 or > 10)
            {
                failures.Add($"{at}:Retries must be between 0 and 10.");
            }
            if (o.RetryDelay < TimeSpan.Zero)
            {
                failures.Add($"{at}:RetryDelay must not be negative.");
            }
            if (o.Command.Count > 0 && (o.StartTimeout <= TimeSpan.Zero || o.HealthInterval <= TimeSpan.Zero || o.HealthFailures < 1))
            {
                failures.Add($"{at}: StartTimeout and HealthInterval must be positive and HealthFailures at least 1.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
