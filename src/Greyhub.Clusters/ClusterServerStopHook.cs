using Greyhub.Hub.Servers;
using Microsoft.Extensions.Options;

namespace Greyhub.Clusters;

/// <summary>
/// A user's clusters end with their server (the notebook that made them is gone), whoever stopped it: the owner, an
/// admin, the idle culler, or the server's own death. Off with <see cref="ClustersOptions.StopWithServer"/>.
/// </summary>
internal sealed class ClusterServerStopHook(ClusterService clusters, IOptions<ClustersOptions> options) : IServerStopManyHook
{
    private static readonly int[] Active = [(int)ClusterStatus.Pending, (int)ClusterStatus.Running];

    public Task AfterStopAsync(string userName, string serverName, CancellationToken cancellationToken) =>
        options.Value.StopWithServer ? clusters.StopAllAsync(userName, Reason(serverName), cancellationToken) : Task.CompletedTask;

    public async Task AfterStopManyAsync(IReadOnlyList<ServerKey> servers, CancellationToken cancellationToken)
    {
        if (!options.Value.StopWithServer || servers.Count == 0)
        {
            return;
        }
        // One read of the active clusters (their number follows running servers, never users), not one per stopped server.
        var stopped = servers.GroupBy(s => s.User, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Server, StringComparer.Ordinal);
        var owners = (await clusters.ListAsync(null, Active, cancellationToken)).Select(c => c.UserName).Distinct(StringComparer.Ordinal);
        foreach (var owner in owners)
        {
            if (stopped.TryGetValue(owner, out var serverName))
            {
                await clusters.StopAllAsync(owner, Reason(serverName), cancellationToken);
            }
        }
    }

    private static string Reason(string serverName) => $"The owner's server '{(serverName.Length == 0 ? "default" : serverName)}' stopped";
}
