using Microsoft.Extensions.Options;

namespace Greyhub.Proxy;

/// <summary>Checks <see cref="ProxyOptions"/> at start-up, reporting every problem at once.</summary>
internal sealed class ProxyOptionsValidator : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        var failures = new List<string>();
        foreach (var (key, value) in new[] { ("ConnectTimeout", options.ConnectTimeout), ("ActivityTimeout", options.ActivityTimeout), ("IdleConnectionTimeout", options.IdleConnectionTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{ProxyOptions.Section}:{key} must be longer than zero, not {value}.");
            }
        }
        foreach (var proxy in options.TrustedProxies.Where(p => !TrustedProxies.TryParse(p, out _)))
        {
            failures.Add($"{ProxyOptions.Section}:TrustedProxies: '{proxy}' is not an IP address or a CIDR network (e.g. 10.0.0.5 or 10.0.0.0/8).");
        }
        if (options.ErrorTarget is { } target && (!target.IsAbsoluteUri || (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{ProxyOptions.Section}:ErrorTarget must be an absolute http or https URL, not '{target}'.");
        }
        if (options.MaxApiBodyBytes <= 0)
        {
            failures.Add($"{ProxyOptions.Section}:MaxApiBodyBytes must be positive, not {options.MaxApiBodyBytes}.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
