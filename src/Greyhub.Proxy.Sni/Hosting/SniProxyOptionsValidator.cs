using System.Net;
using Microsoft.Extensions.Options;

namespace Greyhub.Proxy.Sni;

/// <summary>Checks <see cref="SniProxyOptions"/> at start-up, reporting every problem at once.</summary>
internal sealed class SniProxyOptionsValidator : IValidateOptions<SniProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, SniProxyOptions options)
    {
        var failures = new List<string>();
        if (!IPAddress.TryParse(options.Ip, out _))
        {
            failures.Add($"SniProxy:Ip must be an IP address, not '{options.Ip}'.");
        }
        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"SniProxy:Port must be 0 (any free port) to 65535, not {options.Port}.");
        }
        // Below 512 bytes no real ClientHello fits; above 2^24 the TLS length field cannot say it.
        if (options.MaxClientHelloBytes is < 512 or > (1 << 24) - 1)
        {
            failures.Add($"SniProxy:MaxClientHelloBytes must be 512 to 16777215, not {options.MaxClientHelloBytes}.");
        }
        foreach (var (key, value) in new[] { ("ClientHelloTimeout", options.ClientHelloTimeout), ("ConnectTimeout", options.ConnectTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"SniProxy:{key} must be longer than zero, not {value}.");
            }
        }
        if (options.MaxConnections <= 0)
        {
            failures.Add($"SniProxy:MaxConnections must be positive, not {options.MaxConnections}.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
