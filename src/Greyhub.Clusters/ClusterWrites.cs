using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Greyhub.Hub.Background;

namespace Greyhub.Clusters;

/// <summary>The one way a cluster's state is written: stored, then the long polls waiting on a change woken.</summary>
internal static class ClusterWrites
{
    public static async Task SaveStateAsync(this ScopedRunner scoped, ClusterGate gate, DaskClusterEntity cluster, ClusterState state, CancellationToken cancellationToken)
    {
        cluster.State = state.Serialize();
        await scoped.RunAsync((DaskClusterStore store) => store.UpdateAsync(cluster, cancellationToken));
        gate.Changed();
    }
}
