using System.Text.Json.Nodes;
using Greyhub.Data.Entities;

namespace Greyhub.Clusters;

/// <summary>Dask Gateway's cluster JSON (its <c>models.py</c> <c>Cluster.to_dict</c>), plus a few Greyhub fields.</summary>
internal static class ClusterModel
{
    /// <summary>The cluster's JSON; with <paramref name="keys"/>, the running cluster's credentials (its owner's view).</summary>
    public static JsonObject ToJson(DaskClusterEntity cluster, ClusterKeys? keys, int? proxyPort)
    {
        var state = ClusterState.Parse(cluster.State);
        var status = (ClusterStatus)cluster.Status;
        var running = status == ClusterStatus.Running;
        var withCredentials = keys is not null && running;
        var json = new JsonObject
        {
            ["name"] = cluster.Name,
            // No dashboard is routed through the hub yet (Debian's Dask has no bokeh to serve one): both say so with null,
            // rather than name a route that would answer 404.
            ["dashboard_route"] = null,
            ["dashboard_link"] = null,
            ["status"] = status.ToString().ToUpperInvariant(),
            ["start_time"] = Millis(cluster.CreatedAt),
            ["stop_time"] = cluster.StoppedAt is { } stopped ? Millis(stopped) : null,
            ["options"] = JsonNode.Parse(cluster.Options),
            ["tls_cert"] = withCredentials ? cluster.TlsCert : null,
            ["tls_key"] = withCredentials ? keys!.Unprotect(cluster.TlsKey) : null,
            // Greyhub's own: where the scheduler listens (TLS, the cluster's credentials), why it ended, and warnings.
            ["user"] = cluster.UserName,
            ["scheduler_address"] = running ? state.SchedulerAddress : null,
            // The hub's TLS port and the server name that routes to this scheduler (gateway://HOST:PORT/NAME).
            ["proxy_port"] = running ? proxyPort : null,
            ["server_hostname"] = running ? ClusterRoutes.ServerName(cluster.Name) : null,
            ["workers"] = state.Live.Count(w => w.Reported),
            ["workers_requested"] = state.Live.Count(),
            ["adaptive"] = state.Adapt is { } a ? new JsonObject { ["minimum"] = a.Minimum, ["maximum"] = a.Maximum } : null,
            ["reason"] = cluster.Reason,
            ["versions"] = state.Versions is { } v ? new JsonObject(v.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))) : null,
            ["warnings"] = new JsonArray([.. state.Warnings.Select(w => (JsonNode?)w)]),
        };
        return json;
    }

    private static long Millis(DateTime utc) => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeMilliseconds();
}
