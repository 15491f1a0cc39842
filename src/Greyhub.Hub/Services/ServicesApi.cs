using Greyhub.Hub.ApiModels;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Greyhub.Hub.Services;

/// <summary><c>/hub/api/services</c>: services defined in configuration.</summary>
internal static class ServicesApi
{
    public static IEndpointRouteBuilder MapServicesApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/services", List).RequireScope("list:services");
        api.MapGet("/services/{name}", Get).RequireScope(ScopeTarget.Service, "read:services", "read:services:name", "read:roles:services");
        return api;
    }

    private static IResult List(HttpContext context, HubRoles roles, Models models)
    {
        var caller = context.Caller();
        var filter = caller.Scopes.FilterFor("list:services");
        var visible = roles.Services.Values
            .Where(s => filter.IsUnfiltered || filter.Services.Contains(s.Name))
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
        // JupyterHub answers services as an object keyed by name.
        return JsonResult.Ok(w =>
        {
            w.WriteStartObject();
            foreach (var s in visible)
            {
                w.WritePropertyName(s.Name);
                models.WriteService(w, s, caller.Scopes);
            }
            w.WriteEndObject();
        });
    }

    private static IResult Get(HttpContext context, string name, HubRoles roles, Models models)
    {
        var caller = context.Caller();
        var service = roles.Services.GetValueOrDefault(name) ?? throw ApiException.NotFound($"No such service: {name}");
        return JsonResult.Ok(w => models.WriteService(w, service, caller.Scopes));
    }
}
