using Greyhub.Clusters;
using Greyhub.Hub;
using Greyhub.Hub.Pages;
using Greyhub.Hub.Servers;
using Greyhub.Proxy.Sni;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Dask clusters on the hub (<c>Greyhub:Clusters</c>) and maps Dask Gateway's API and the clusters page.</summary>
public static class ClustersServiceCollectionExtensions
{
    /// <summary>The clusters brick: options (validated at start), the services, the reconciler and the server stop hook.</summary>
    public static IServiceCollection AddGreyhubClusters(this IServiceCollection services)
    {
        services.AddOptions<ClustersOptions>().BindConfiguration(ClustersOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClustersOptions>, ClustersOptionsValidator>();
        services.AddSingleton<ClusterGate>();
        services.AddSingleton<ClusterJobs>();
        services.AddSingleton<ClusterKeys>();
        services.AddSingleton<ClusterStopper>();
        services.AddSingleton<ClusterScaler>();
        services.AddSingleton<ClusterService>();
        services.AddSingleton<ClusterHeartbeats>();
        services.AddSingleton<ClusterReconciler>();
        services.AddSingleton<IServerStopHook, ClusterServerStopHook>();
        services.AddHostedServiceAfterStart<ClusterJobsService>();
        // The SNI proxy, configured from Greyhub:Clusters:TlsIp/TlsPort (its own section would be a second place to look).
        services.AddSniProxy(new ConfigurationBuilder().Build());
        services.RemoveAll<IOptionsChangeTokenSource<SniProxyOptions>>();
        services.AddOptions<SniProxyOptions>().Configure<IOptions<ClustersOptions>>((sni, clusters) =>
        {
            sni.Ip = clusters.Value.TlsIp;
            sni.Port = clusters.Value.TlsPort;
        });
        services.AddSingleton<ClusterRoutes>();
        services.AddHubNavEntry(new HubNavEntry("Clusters", "clusters", "read:clusters", Order: 20));
        return services;
    }

    /// <summary>Maps Dask Gateway's REST API under <c>/services/dask-gateway</c> and the clusters page under <c>/hub/clusters</c>.</summary>
    public static IEndpointRouteBuilder MapGreyhubClusters(this IEndpointRouteBuilder app)
    {
        var hub = app.ServiceProvider.GetRequiredService<IOptions<HubOptions>>().Value;
        app.MapDaskGatewayApi(hub.MaxApiBodyBytes);
        app.MapClustersPages();
        return app;
    }
}
