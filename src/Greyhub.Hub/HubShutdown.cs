namespace Greyhub.Hub;

/// <summary>
/// What a requested shutdown (<c>POST /hub/api/shutdown</c>) asked for beyond stopping the hub, read by the services as
/// they stop: whether to stop every server (otherwise they keep running and the next start re-adopts them) and whether
/// to stop a proxy the hub started (otherwise <c>Greyhub:Proxy:External:Cleanup</c> decides).
/// </summary>
internal sealed class HubShutdown
{
    private volatile Plan? _plan;

    /// <summary>The requested plan, once one was requested.</summary>
    public Plan? Requested => _plan;

    /// <summary>Records the request; the last one wins, as JupyterHub's settings do.</summary>
    public void Request(Plan plan) => _plan = plan;

    /// <summary>A requested shutdown: who asked, and the flags given (null: the configured behaviour).</summary>
    public sealed record Plan(string RequestedBy, bool? StopServers, bool? StopProxy);
}
