using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.Pages;
using Greyhub.Data.Access.Serving;
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
    /// <c>/data/catalog.yaml</c> and the data page <c>/hub/data</c>. Call after <c>UseGreyhubHub</c>, whose pipeline authenticates the caller.
    /// </summary>
    public static WebApplication MapGreyhubDataAccess(this WebApplication app)
    {
        var hub = app.Services.GetRequiredService<IOptions<HubOptions>>().Value;
        app.MapGroup("/hub/api").WithMetadata(new HubApiEndpoint(hub.MaxApiBodyBytes)).MapDatasetsApi();
        app.MapDataEndpoints();
        app.MapDataPages();
        return app;
    }
}
