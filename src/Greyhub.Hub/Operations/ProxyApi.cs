using System.Text.Json;
using Greyhub.Abstractions.Proxy;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Http;
using Greyhub.Hub.Proxy;
using Greyhub.Hub.Servers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Operations;

/// <summary>
/// <c>/hub/api/proxy</c> as JupyterHub 5 (scope <c>proxy</c>): GET the proxy's routing table (paged by route spec),
/// POST to make the proxy match the database now, PATCH to point the hub at a new proxy (<c>api_url</c>,
/// <c>auth_token</c>) and sync it.
/// </summary>
internal static partial class ProxyApi
{
    public static IEndpointRouteBuilder MapHubProxyApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/proxy", Get).RequireScope("proxy");
        api.MapPost("/proxy", Sync).RequireScope("proxy");
        api.MapPatch("/proxy", Patch).RequireScope("proxy");
        return api;
    }

    /// <summary>
    /// The hub's routes (as JupyterHub, not other clients' routes on a shared proxy), keyed by route spec (the path with its trailing slash) in order:
    /// <c>{spec: {"routespec", "target", "data"}}</c>, in the pagination envelope when the client asks for it.
    /// </summary>
    private static async Task<IResult> Get(HttpContext context, ServerRoutes routes, IOptions<HubOptions> options)
    {
        var paging = Paging.From(context.Request, options.Value.ApiPageDefaultLimit, options.Value.ApiPageMaxLimit);
        IReadOnlyDictionary<string, ProxyRouteEntry> all;
        try
        {
            all = await routes.AllAsync(context.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !context.RequestAborted.IsCancellationRequested))
        {
            throw new ApiException(502, "The proxy did not answer: " + e.Message);
        }
        // As JupyterHub's get_all_routes: only the routes the hub added (marked jupyterhub: true), without that mark.
        var mine = all.Values.Where(ServerRoutes.IsHubs).Select(r => (Spec: SpecOf(r.Path), Route: r)).OrderBy(r => r.Spec, StringComparer.Ordinal).ToList();
        var page = mine.Skip(paging.Offset).Take(paging.Limit).ToList();
        return JsonResult.Ok(w =>
        {
            if (paging.Envelope)
            {
                w.WriteStartObject();
                w.WritePropertyName("items");
            }
            w.WriteStartObject();
            foreach (var (spec, route) in page)
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
            if (paging.Envelope)
            {
                paging.WritePagination(w, context.Request, mine.Count);
                w.WriteEndObject();
            }
        });
    }

    /// <summary>JupyterHub's route spec of a proxy path: the path with a trailing slash (<c>/user/a</c> → <c>/user/a/</c>).</summary>
    internal static string SpecOf(string path) => path.EndsWith('/') ? path : path + "/";

    private static async Task<IResult> Sync(HttpContext context, RouteCheck check)
    {
        await CheckAsync(context, check);
        return Results.Ok();
    }

    private static async Task<IResult> Patch(HttpContext context, HubProxy proxy, RouteCheck check, AuditLog audit, ILoggerFactory loggers)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted) ?? throw ApiException.BadRequest("need JSON body");
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest("Request body must be JSON dict");
        }
        Uri? apiUrl = null;
        string? token = null;
        if (body.TryGetProperty("api_url", out var url))
        {
            apiUrl = url.ValueKind == JsonValueKind.String && Uri.TryCreate(url.GetString(), UriKind.Absolute, out var parsed)
                && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps)
                ? parsed
                : throw ApiException.BadRequest("api_url must be an http or https URL");
        }
        if (body.TryGetProperty("auth_token", out var auth))
        {
            token = auth.ValueKind == JsonValueKind.String ? auth.GetString() : throw ApiException.BadRequest("auth_token must be a string");
        }
        // As JupyterHub: a body that changes nothing just syncs the routes.
        if (apiUrl is not null || token is not null)
        {
            if (!proxy.IsExternal)
            {
                throw ApiException.BadRequest("The proxy runs inside the hub: it has no api_url or auth_token to change");
            }
            proxy.Retarget(apiUrl, token);
            var now = proxy.ApiUrl!;
            var logger = loggers.CreateLogger("Greyhub.Proxy");
            LogUpdated(logger, now);
            // Never the token itself: who changed what is enough.
            audit.Record(context, AuditActions.ProxyUpdate, detail: $"api_url {now}" + (token is null ? "" : ", new auth_token"));
        }
        await CheckAsync(context, check);
        return Results.Ok();
    }

    private static async Task CheckAsync(HttpContext context, RouteCheck check)
    {
        try
        {
            await check.RunAsync(context.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !context.RequestAborted.IsCancellationRequested))
        {
            throw new ApiException(502, "The proxy did not answer: " + e.Message);
        }
    }

    [LoggerMessage(EventId = HubEvents.ProxyUpdated, Level = LogLevel.Information, Message = "Updated proxy at {ApiUrl}")]
    private static partial void LogUpdated(ILogger logger, Uri apiUrl);
}
