using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.Pages;
using Greyhub.Data.Access.Serving;
using Greyhub.Data.Access.Stac;
using Greyhub.Hub;
using Greyhub.Hub.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the data access brick's endpoints into the hub's application.</summary>
public static class DataAccessEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>/hub/api/datasets</c> (with the hub's API metadata: JSON errors, body limit), <c>/data/{dataset}/...</c>
    /// <c>/data/catalog.yaml</c>, the STAC API at <c>/data/stac</c> and the data page <c>/hub/data</c>. Call after <c>UseGreyhubHub</c>, whose pipeline authenticates the caller.
    /// </summary>
    public static WebApplication MapGreyhubDataAccess(this WebApplication app)
    {
        var hub = app.Services.GetRequiredService<IOptions<HubOptions>>().Value;
        app.MapGroup("/hub/api").WithMetadata(new HubApiEndpoint(hub.MaxApiBodyBytes)).MapDatasetsApi();
        // After the hub's routing and authentication: preflights are anonymous, and only endpoints that name the data
        // policy (RequireCors) get CORS headers; the hub's own API and pages get none.
        app.UseCors();
        // Probes openat2 and statx now, once: the mode never changes while the hub runs.
        app.Services.GetRequiredService<DatasetFiles>();
        app.MapDataEndpoints();
        app.MapStacApi();
        app.MapDataPages();
        return app;
    }
}
