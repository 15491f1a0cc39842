using Greyhub.Hub.ApiModels;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Greyhub.Hub.Services;

/// <summary>
/// <c>/hub/api/services</c>: the services of configuration and those added at run time (JupyterHub 5's
/// <c>admin:services</c>: <c>POST</c> adds a service someone else runs, <c>DELETE</c> removes one added so).
/// </summary>
internal static class ServicesApi
{
    public static IEndpointRouteBuilder MapServicesApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/services", List).RequireScope("list:services");
        api.MapGet("/services/{name}", Get).RequireScope(ScopeTarget.Service, "read:services", "read:services:name", "read:roles:services");
        api.MapPost("/services/{name}", AddAsync).RequireScope(ScopeTarget.Service, "admin:services");
        api.MapDelete("/services/{name}", RemoveAsync).RequireScope(ScopeTarget.Service, "admin:services");
        return api;
    }

    private static IResult List(HttpContext context, ServiceCatalog catalog, IServiceProcesses running, Models models)
    {
        var caller = context.Caller();
        var filter = caller.Scopes.FilterFor("list:services");
        var visible = catalog.All.Where(s => filter.IsUnfiltered || filter.Services.Contains(s.Name)).ToList();
        // JupyterHub answers services as an object keyed by name.
        return JsonResult.Ok(w =>
        {
            w.WriteStartObject();
            foreach (var s in visible)
            {
                w.WritePropertyName(s.Name);
                models.WriteService(w, s, caller.Scopes, running.PidOf(s.Name));
            }
            w.WriteEndObject();
        });
    }

    private static IResult Get(HttpContext context, string name, ServiceCatalog catalog, IServiceProcesses running, Models models)
    {
        var caller = context.Caller();
        var service = catalog.Find(name) ?? throw ApiException.NotFound($"No such service: {name}");
        return JsonResult.Ok(w => models.WriteService(w, service, caller.Scopes, running.PidOf(name)));
    }

    private static async Task<IResult> AddAsync(HttpContext context, string name, ServiceCatalog catalog, ServiceRegistration registration, HubRoles roles,
        HubUrls urls, Models models, TimeProvider time)
    {
        var caller = context.Caller();
        if (catalog.Find(name) is not null)
        {
            throw HubException.Conflict($"Service {name} already exists");
        }
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        if (body is not { ValueKind: System.Text.Json.JsonValueKind.Object } model || !model.EnumerateObject().Any())
        {
            throw HubException.Invalid("Invalid service data");
        }
        var (service, token) = ServiceRequest.Read(name, model, roles.Definitions, urls);
        CheckScopes(caller, service, roles);
        await registration.AddAsync(service, token, time.GetUtcNow().UtcDateTime, context.RequestAborted);
        return JsonResult.Created(w => models.WriteService(w, service, caller.Scopes, null));
    }

    private static async Task<IResult> RemoveAsync(string name, ServiceRegistration registration, HttpContext context)
    {
        await registration.RemoveAsync(name, context.RequestAborted);
        return Results.Ok();
    }

    /// <summary>
    /// As JupyterHub's <c>_check_service_scopes</c>: nobody hands a service more than they hold. The admin flag asks for
    /// the admin role's scopes, the OAuth client's allowed scopes for themselves.
    /// </summary>
    private static void CheckScopes(RequestIdentity caller, ServiceDefinition service, HubRoles roles)
    {
        var requested = new List<string>(service.OauthClientAllowedScopes);
        if (service.Admin)
        {
            requested.AddRange(roles.ScopesOfRole("admin") ?? []);
        }
        if (requested.Count == 0)
        {
            return;
        }
        var owner = caller.IsUser ? ScopeOwner.User(caller.Name, caller.Groups) : ScopeOwner.Service(caller.Name);
        var check = TokenScopes.CheckRequested(requested, owner, caller.Scopes, roles.Definitions);
        if (!check.IsAllowed)
        {
            throw HubException.Invalid(check.Message!);
        }
    }
}
