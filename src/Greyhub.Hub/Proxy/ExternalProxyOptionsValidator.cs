using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Proxy;

/// <summary>Checks <see cref="ExternalProxyOptions"/> at start-up, reporting every problem at once.</summary>
internal sealed class ExternalProxyOptionsValidator : IValidateOptions<ExternalProxyOptions>
{
    private const string S = ExternalProxyOptions.Section;

    public ValidateOptionsResult Validate(string? name, ExternalProxyOptions options)
    {
        var failures = new List<string>();
        if (options.ApiUrl is { } api && !IsHttp(api))
        {
            failures.Add($"{S}:ApiUrl must be an absolute http or https URL, not '{api}'.");
        }
        if (options.PublicUrl is { } publicUrl && !IsHttp(publicUrl))
        {
            failures.Add($"{S}:PublicUrl must be an absolute http or https URL, not '{publicUrl}'.");
        }
        if (options.Command.Count > 0)
        {
            if (options.ApiUrl is null)
            {
                failures.Add($"{S}:Command starts a proxy the hub drives through its API: set {S}:ApiUrl too (e.g. http://127.0.0.1:8001).");
            }
            if (options.PublicUrl is null)
            {
                failures.Add($"{S}:Command needs {S}:PublicUrl, where the started proxy listens (e.g. http://0.0.0.0:8000).");
            }
            if (options.Command.Any(string.IsNullOrWhiteSpace))
            {
                failures.Add($"{S}:Command has an empty entry.");
            }
        }
        else if (options.ApiUrl is not null && options.AuthToken.Length == 0)
        {
            // As JupyterHub: a proxy someone else runs shares its token with the hub; the hub cannot make one up.
            failures.Add($"{S}:AuthToken (or {ExternalProxyOptions.AuthTokenVariable}) is required for a proxy the hub does not start.");
        }
        foreach (var (key, value) in new[] { ("CheckRunningInterval", options.CheckRunningInterval), ("StartTimeout", options.StartTimeout), ("ApiTimeout", options.ApiTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{S}:{key} must be longer than zero, not {value}.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHttp(Uri uri) => uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
