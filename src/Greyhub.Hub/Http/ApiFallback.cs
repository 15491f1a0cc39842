using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace Greyhub.Hub.Http;

/// <summary>
/// What no API endpoint answered: 405 (with <c>Allow</c>) when the path exists for other methods, as JupyterHub's
/// handlers answer an unimplemented method, else JupyterHub's JSON 404 for a malformed API URL.
/// </summary>
internal static class ApiFallback
{
    public static async Task HandleAsync(HttpContext context, EndpointDataSource endpoints)
    {
        var path = context.Request.Path.Value ?? "";
        var allowed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText;
            if (pattern is null || pattern.Contains("**", StringComparison.Ordinal)
                || endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not { HttpMethods.Count: > 0 } methods)
            {
                continue;
            }
            var matcher = new TemplateMatcher(TemplateParser.Parse(pattern), []);
            if (matcher.TryMatch(path, []))
            {
                allowed.UnionWith(methods.HttpMethods);
            }
        }
        if (allowed.Count > 0)
        {
            context.Response.Headers.Allow = string.Join(", ", allowed);
            await ApiErrorMiddleware.WriteAsync(context, 405, "Method Not Allowed");
            return;
        }
        await ApiErrorMiddleware.WriteAsync(context, 404, $"No such API endpoint: {path}");
    }
}
