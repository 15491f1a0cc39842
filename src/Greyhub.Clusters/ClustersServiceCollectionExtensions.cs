using Greyhub.Clusters;
using Greyhub.Hub;
using Greyhub.Hub.Servers;
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
        services.AddSingleton<ClusterStopper>();
        services.AddSingleton<ClusterService>();
        services.AddSingleton<ClusterReconciler>();
        services.AddSingleton<IServerStopHook, ClusterServerStopHook>();
        services.AddHostedService<ClusterJobsService>();
        return services;
    }

    /// <summary>Maps Dask Gateway's REST API under <c>/services/dask-gateway</c> and the clusters page under <c>/hub/clusters</c>.</summary>
    public static IEndpointRouteBuilder MapGreyhubClusters(this IEndpointRouteBuilder app)
    {
        var hub = app.ServiceProvider.GetRequiredService<IOptions<HubOptions>>().Value;
        app.MapDaskGatewayApi(hub.MaxApiBodyBytes);
        return app;
    }
}
