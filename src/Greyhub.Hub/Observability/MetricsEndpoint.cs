using Greyhub.Hub.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Observability;

/// <summary><c>/hub/metrics</c> and <c>/hub/api/metrics</c> in Prometheus text format (scope <c>read:metrics</c>).</summary>
internal static class MetricsEndpoint
{
    public static void MapMetrics(this IEndpointRouteBuilder routes, string pattern) => routes.MapGet(pattern, Serve);

    private static async Task Serve(HttpContext context, HubMetrics metrics, IOptions<HubOptions> options)
    {
        if (options.Value.AuthenticatePrometheus)
        {
            Authorize.Require(context, null, "read:metrics");
        }
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
    }
}
