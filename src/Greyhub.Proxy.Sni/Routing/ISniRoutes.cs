namespace Greyhub.Proxy.Sni;

/// <summary>
/// Where each TLS server name goes: the SNI proxy looks up every new connection's name here. Names compare
/// case-insensitively (DNS names); changes apply to connections accepted afterwards.
/// </summary>
public interface ISniRoutes
{
    /// <summary>Routes connections for <paramref name="serverName"/> (e.g. <c>daskgateway-NAME</c>) to <paramref name="host"/>:<paramref name="port"/>, replacing any route for that name.</summary>
    void Set(string serverName, string host, int port);

    /// <summary>Stops routing <paramref name="serverName"/>; returns whether there was a route.</summary>
    bool Remove(string serverName);
}
