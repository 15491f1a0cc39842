using Greyhub.Proxy.Sni;

namespace Greyhub.Clusters;

/// <summary>
/// Each running cluster's route on the clusters' TLS port: <c>daskgateway-NAME</c> to its scheduler, as Dask Gateway's
/// proxy names them. Routes live in memory: the reconciler sets them again each pass, so a restarted hub routes the
/// clusters it re-adopts.
/// </summary>
internal sealed class ClusterRoutes(ISniRoutes routes)
{
    public const string Prefix = "daskgateway-";

    public static string ServerName(string cluster) => Prefix + cluster;

    /// <summary>Routes the cluster to <paramref name="schedulerAddress"/> (<c>tls://host:port</c>); false when the address is not one.</summary>
    public bool Set(string cluster, string? schedulerAddress)
    {
        if (schedulerAddress is null || !Uri.TryCreate(schedulerAddress, UriKind.Absolute, out var uri) || uri.Scheme != "tls" || uri.Port <= 0)
        {
            return false;
        }
        routes.Set(ServerName(cluster), uri.Host, uri.Port);
        return true;
    }

    public void Remove(string cluster) => routes.Remove(ServerName(cluster));
}
