using System.Net;

namespace Greyhub.Proxy;

/// <summary>
/// Reads trusted-proxy entries (an IP address or a CIDR network): the proxy's <see cref="ProxyOptions.TrustedProxies"/>
/// and the hub's own, so that both decide alike who may speak for a client.
/// </summary>
public static class TrustedProxies
{
    /// <summary>The networks of valid entries (validation has refused the others).</summary>
    public static IPNetwork[] Parse(IEnumerable<string> entries) =>
        [.. entries.Select(e => TryParse(e, out var network) ? (IPNetwork?)network : null).OfType<IPNetwork>()];

    /// <summary>Whether <paramref name="address"/> (an IPv4-mapped one as IPv4) is in one of <paramref name="networks"/>.</summary>
    public static bool Contains(IPNetwork[] networks, IPAddress? address)
    {
        if (networks.Length == 0 || address is null)
        {
            return false;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Reads one entry; false when it is neither an address nor a network.</summary>
    public static bool TryParse(string value, out IPNetwork network)
    {
        network = default;
        value = value.Trim();
        // IPAddress alone would read "10" as 0.0.0.10: an address must look like one.
        if (!value.Contains('.', StringComparison.Ordinal) && !value.Contains(':', StringComparison.Ordinal))
        {
            return false;
        }
        if (!value.Contains('/', StringComparison.Ordinal))
        {
            if (!IPAddress.TryParse(value, out var address))
            {
                return false;
            }
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return IPNetwork.TryParse(value, out network);
    }
}

/// <summary>Marks a request whose connection came from one of <see cref="ProxyOptions.TrustedProxies"/> (set before forwarded headers are applied).</summary>
internal sealed class FromTrustedProxy
{
    public static readonly FromTrustedProxy Instance = new();
}
