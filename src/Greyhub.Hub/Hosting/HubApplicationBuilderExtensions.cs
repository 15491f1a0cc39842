using System.Diagnostics;
using Greyhub.Hub;
using Greyhub.Hub.About;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Groups;
using Greyhub.Hub.Home;
using Greyhub.Hub.Login;
using Greyhub.Hub.OAuth;
using Greyhub.Hub.Servers;
using Greyhub.Hub.Services;
using Greyhub.Hub.Tokens;
using Greyhub.Hub.Users;
using Greyhub.Hub.Http;
using Greyhub.Hub.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the hub's middleware and endpoints.</summary>
public static class HubApplicationBuilderExtensions
{
    /// <summary>Adds the hub's pipeline: version header, metrics, identity, API errors, then every endpoint.</summary>
    public static WebApplication UseGreyhubHub(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<HubOptions>>().Value;
        var metrics = app.Services.GetRequiredService<HubMetrics>();
        // The proxy comes first: proxied requests carry the server's own headers and are not hub handler metrics.
        app.UseMiddleware<Greyhub.Hub.Proxy.ProxyMiddleware>();
        app.Use(async (context, next) =>
        {
            context.Response.Headers["X-JupyterHub-Version"] = HubApi.JupyterHubVersion;
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var handler = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unknown";
                metrics.RequestDuration.WithLabels(context.Request.Method, handler, context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        });
        app.UseWhen(c => IsApi(c.Request.Path), api =>
        {
            api.Use((context, next) =>
            {
                if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                {
                    limit.MaxRequestBodySize = options.MaxApiBodyBytes;
                }
                return next(context);
            });
            api.UseMiddleware<ApiErrorMiddleware>();
        });
        app.UseRouting();
        app.UseAuthentication();
        app.UseMiddleware<IdentityMiddleware>();
        app.UseAntiforgery();

        var api = app.MapGroup("/hub/api");
        api.MapHubApi().MapUsersApi().MapServersApi().MapTokensApi().MapGroupsApi().MapServicesApi();
        api.MapBatchSpawnerApi();
        api.MapOAuthApi();
        api.MapMetrics("/metrics");
        api.Map("/{**rest}", (HttpContext context, EndpointDataSource endpoints) => ApiFallback.HandleAsync(context, endpoints));
        app.MapGet("/hub/health", HubApi.Health);
        app.MapMetrics("/hub/metrics");

        var hub = app.MapGroup("/hub");
        hub.MapLoginPages().MapHomePages().MapTokenPages().MapSpawnPages().MapUserRedirectPages().MapMiscPages();
        app.MapGet("/", () => Results.Redirect("/hub/"));
        return app;
    }

    private static bool IsApi(PathString path) =>
        path.StartsWithSegments("/hub/api", StringComparison.Ordinal) || path.StartsWithSegments("/hub/metrics", StringComparison.Ordinal);
}
