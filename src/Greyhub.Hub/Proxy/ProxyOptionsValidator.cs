using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Proxy;

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
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
