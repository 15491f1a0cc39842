using System.Net;
using System.Net.Sockets;

namespace Greyhub.Testing;

/// <summary>Picks a free TCP port on 127.0.0.1 (tests never use fixed ports).</summary>
public static class FreePort
{
    /// <summary>A port that was free a moment ago.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
