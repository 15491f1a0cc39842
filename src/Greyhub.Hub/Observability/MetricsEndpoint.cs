using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Greyhub.Hub.Observability;

/// <summary><c>/hub/metrics</c> and <c>/hub/api/metrics</c> in Prometheus text format (scope <c>read:metrics</c>).</summary>
internal static class MetricsEndpoint
{
    /// <summary>Maps the metrics at <paramref name="pattern"/>: scope <c>read:metrics</c>, or public when <paramref name="authenticate"/> is off.</summary>
    public static RouteHandlerBuilder MapMetrics(this IEndpointRouteBuilder routes, string pattern, bool authenticate)
    {
        var endpoint = routes.MapGet(pattern, Serve);
        return authenticate ? endpoint.RequireScope("read:metrics") : endpoint.AllowAnonymous();
    }

    private static async Task Serve(HttpContext context, HubMetrics metrics)
    {
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
    }
}
