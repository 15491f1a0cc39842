using Greyhub.Hub.Servers;
using Microsoft.Extensions.Options;

namespace Greyhub.Clusters;

/// <summary>
/// A user's clusters end with their server (the notebook that made them is gone), whoever stopped it: the owner, an
/// admin, the idle culler, or the server's own death. Off with <see cref="ClustersOptions.StopWithServer"/>.
/// </summary>
internal sealed class ClusterServerStopHook(ClusterService clusters, IOptions<ClustersOptions> options) : IServerStopHook
{
    public Task AfterStopAsync(string userName, string serverName, CancellationToken cancellationToken) =>
        options.Value.StopWithServer
            ? clusters.StopAllAsync(userName, $"The owner's server '{(serverName.Length == 0 ? "default" : serverName)}' stopped", cancellationToken)
            : Task.CompletedTask;
}
