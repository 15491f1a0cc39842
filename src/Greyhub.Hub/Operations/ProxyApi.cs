using System.Text.Json;
using Greyhub.Abstractions.Proxy;
using Greyhub.Hub.Http;
using Greyhub.Hub.Proxy;
using Greyhub.Hub.Servers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Operations;

/// <summary>
/// <c>/hub/api/proxy</c> (scope <c>proxy</c>), as JupyterHub: GET the hub's routes in JupyterHub's proxy form, POST a
/// route check now (a proxy that was restarted empty gets its routes back at once), PATCH to point the hub at a new
/// external proxy (<c>api_url</c>, <c>auth_token</c>) and check its routes.
/// </summary>
internal static class ProxyApi
{
    public static IEndpointRouteBuilder MapHubProxyApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/proxy", GetAsync).RequireScope("proxy");
        api.MapPost("/proxy", SyncAsync).RequireScope("proxy");
        api.MapPatch("/proxy", PatchAsync).RequireScope("proxy");
        return api;
    }

    private static async Task<IResult> GetAsync(HttpContext context, ServerRoutes routes, IOptions<HubOptions> options)
    {
        var paging = Paging.From(context.Request, options.Value.ApiPageDefaultLimit, options.Value.ApiPageMaxLimit);
        // Only the hub's own routes (marked jupyterhub: true), keyed as JupyterHub keys them: with a trailing slash.
        var all = (await routes.AllAsync(context.RequestAborted)).Values
            .Where(ServerRoutes.IsHubs)
            .Select(r => (Spec: r.Path == "/" ? "/" : r.Path + "/", Route: r))
            .OrderBy(r => r.Spec, StringComparer.Ordinal)
            .ToList();
        var page = all.Skip(paging.Offset).Take(paging.Limit).ToList();
        return JsonResult.Ok(w =>
        {
            if (paging.Envelope)
            {
                paging.WriteEnvelope(w, context.Request, all.Count, inner => WriteRoutes(inner, page));
            }
            else
            {
                WriteRoutes(w, page);
            }
        });
    }

    private static async Task<IResult> SyncAsync(HttpContext context, RouteCheck check)
    {
        await check.RunAsync(context.RequestAborted);
        return Results.Ok();
    }

    private static async Task<IResult> PatchAsync(HttpContext context, HubProxy proxy, RouteCheck check)
    {
        if (await JsonBody.ReadAsync(context.Request, context.RequestAborted) is not { ValueKind: JsonValueKind.Object } body)
        {
            throw ApiException.BadRequest("Request body must be JSON dict");
        }
        // JupyterHub reads api_url and auth_token and ignores the rest (the document's ip, port and protocol included).
        var apiUrl = JsonBody.String(body, "api_url", "proxy");
        var authToken = JsonBody.String(body, "auth_token", "proxy");
        if (apiUrl is not null || authToken is not null)
        {
            Uri? url = null;
            if (apiUrl is not null && (!Uri.TryCreate(apiUrl, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
            {
                throw ApiException.BadRequest("proxy.api_url must be an http(s) URL");
            }
            if (!proxy.Retarget(url, authToken))
            {
                throw ApiException.BadRequest(
                    $"This hub's proxy runs inside it: there is no other proxy to point it at. An external proxy is set with {ExternalProxyOptions.Section}:ApiUrl.");
            }
        }
        await check.RunAsync(context.RequestAborted);
        return Results.Ok();
    }

    private static void WriteRoutes(Utf8JsonWriter w, IEnumerable<(string Spec, ProxyRouteEntry Route)> routes)
    {
        w.WriteStartObject();
        foreach (var (spec, route) in routes)
        {
            w.WriteStartObject(spec);
            w.WriteString("routespec", spec);
            // CHP's target: scheme, host and port, without a trailing slash when it has no path.
            var target = route.Target.ToString();
            w.WriteString("target", route.Target.AbsolutePath == "/" ? target.TrimEnd('/') : target);
            w.WriteStartObject("data");
            foreach (var (key, value) in route.Data.Where(d => d.Key != "jupyterhub"))
            {
                w.WritePropertyName(key);
                value.WriteTo(w);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}
