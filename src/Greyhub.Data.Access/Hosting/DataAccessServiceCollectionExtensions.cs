using Greyhub.Data.Access;
using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.Pages;
using Greyhub.Data.Access.QuickLook;
using Greyhub.Data.Access.Remote;
using Greyhub.Data.Access.Serving;
using Greyhub.Data.Access.Stac;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Greyhub.Hub.Pages;
using Greyhub.Scopes;
using Greyhub.Zarr.Compression;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the data access brick: <c>services.AddGreyhubDataAccess()</c> beside the hub.</summary>
public static class DataAccessServiceCollectionExtensions
{
    /// <summary>Adds datasets (registry, rules, signed URLs, consolidated metadata, the data page and its navigation link), configured from <c>Greyhub:Data</c>.</summary>
    public static IServiceCollection AddGreyhubDataAccess(this IServiceCollection services)
    {
        services.AddGreyhubDatasets();
        services.AddSingleton<SignedUrls>();
        services.AddSingleton<DatasetFiles>();
        services.AddSingleton<ConsolidatedMetadata>();
        services.AddSingleton<DatasetExtents>();
        services.AddSingleton<RemoteHierarchies>();
        services.AddSingleton<DatasetSources>();
        services.AddCors();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<CorsOptions>, DataCors>());
        // The data page: its quick looks decode blosc, zstd, lz4, bz2 and lzma chunks too.
        ZarrCompression.Register();
        services.AddOptions<QuickLookOptions>().BindConfiguration(QuickLookOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<QuickLookOptions>, QuickLookOptionsValidator>());
        services.AddSingleton<QuickLookRenderer>();
        services.AddHubNavEntry(new HubNavEntry("Data", "data", ScopeDefinitions.ReadDatasets, Order: 10));
        return services;
    }

    /// <summary>What the CLI needs: the options and the dataset rules, nothing that serves.</summary>
    public static IServiceCollection AddGreyhubDatasets(this IServiceCollection services)
    {
        services.AddOptions<DataAccessOptions>().BindConfiguration(DataAccessOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DataAccessOptions>, DataAccessOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DatasetRegistry>();
        services.TryAddScoped<DatasetService>();
        services.TryAddSingleton<RemoteCredentials>();
        services.TryAddSingleton<RemoteStores>();
        // Remote stores: redirects are followed by RemoteStores, only within the dataset's URL; no cookies; bytes as sent.
        services.AddHttpClient(RemoteStores.ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(15),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            // One chunk read is one upstream request: IHttpClientFactory's own request logging would write lines at
            // Information for every chunk; RemoteStores logs refusals and failures itself.
            .RemoveAllLoggers();
        return services;
    }
}
