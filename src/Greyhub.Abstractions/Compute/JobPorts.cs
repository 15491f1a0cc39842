using System.Net;
using System.Net.Sockets;

namespace Greyhub.Abstractions.Compute;

/// <summary>
/// Free loopback TCP ports for jobs this process starts. A port is free when picked, but the job binds it only a moment
/// later; the kernel may hand the same port to the next caller meanwhile, and two servers would then share one address
/// (one dies with "address in use", and the hub could route one user to the other's server). So a port handed out is
/// held back from this process's later picks until the job has surely bound it (or given up).
/// </summary>
public static class JobPorts
{
    private static readonly Dictionary<int, long> HandedOut = [];
    private static readonly Lock Gate = new();

    /// <summary>How long a handed-out port is not handed out again.</summary>
    public static TimeSpan Hold { get; } = TimeSpan.FromMinutes(5);

    /// <summary>A free port on 127.0.0.1 not handed out by this process within <see cref="Hold"/>.</summary>
    public static int Pick()
    {
        lock (Gate)
        {
            var now = Environment.TickCount64;
            foreach (var stale in HandedOut.Where(p => now - p.Value > Hold.TotalMilliseconds).Select(p => p.Key).ToList())
            {
                HandedOut.Remove(stale);
            }
            for (var attempt = 0; ; attempt++)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (HandedOut.TryAdd(port, now) || attempt >= 100)
                {
                    HandedOut[port] = now;
                    return port;
                }
            }
        }
    }
}
