using System.Diagnostics;
using Greyhub.Abstractions.Hosting;
using Greyhub.Hub;
using Greyhub.Hub.About;
using Greyhub.Hub.Admin;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Background;
using Greyhub.Hub.Groups;
using Greyhub.Hub.Home;
using Greyhub.Hub.Http;
using Greyhub.Hub.Login;
using Greyhub.Hub.OAuth;
using Greyhub.Hub.Observability;
using Greyhub.Hub.Operations;
using Greyhub.Hub.Pages;
using Greyhub.Hub.Proxy;
using Greyhub.Hub.Servers;
using Greyhub.Hub.Services;
using Greyhub.Hub.Sharing;
using Greyhub.Hub.Tokens;
using Greyhub.Hub.Upstream;
using Greyhub.Hub.Users;
using Microsoft.AspNetCore.Http;
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
        // The proxy comes first: proxied requests carry the server's own headers and are not hub handler metrics. An
        // external proxy forwards users' requests itself and sends the hub only its own.
        if (!app.Services.GetRequiredService<IOptions<ExternalProxyOptions>>().Value.IsExternal)
        {
            app.UseGreyhubProxy();
        }
        if (app.Services.GetRequiredService<IOptions<Greyhub.Proxy.ProxyOptions>>().Value.InlineScheduling)
        {
            // With inline scheduling this runs on a socket thread; the hub's own handlers (password hashing, database
            // calls) belong on the thread pool, so that no proxied connection waits behind them.
            app.Use((context, next) => ThreadPoolHop.RunAsync(() => next(context)));
        }
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
        // Everything below is decided by the endpoint routing picked (its metadata), never by comparing path strings:
        // JSON errors and the body limit for API endpoints, who the caller is, XSRF, and the scope each endpoint requires.
        app.UseRouting();
        if (StartupTimeline.Enabled)
        {
            var routed = 0;
            app.Use((context, next) =>
            {
                StartupTimeline.MarkOnce("first request routed (endpoints built)", ref routed);
                return next(context);
            });
        }
        // Endpoints marked lean (GET/HEAD of dataset keys) answer here: none of the page and API middleware below applies to them.
        app.UseMiddleware<LeanEndpointMiddleware>();
        // Pages answer errors as styled pages (an empty 4xx/5xx, an exception); API endpoints keep JSON (inner, first).
        app.UseStatusCodePages(PageErrors.StatusPageAsync);
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = PageErrors.ExceptionPageAsync });
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseAuthentication();
        app.UseMiddleware<XsrfMiddleware>();
        app.UseAuthorization();
        app.UseAntiforgery();
        if (StartupTimeline.Enabled)
        {
            var authorized = 0;
            app.Use((context, next) =>
            {
                StartupTimeline.MarkOnce("first request authenticated and authorized", ref authorized);
                return next(context);
            });
        }

        var apiEndpoint = new HubApiEndpoint(options.MaxApiBodyBytes);
        var api = app.MapGroup("/hub/api").WithMetadata(apiEndpoint);
        api.MapHubApi().MapUsersApi().MapServersApi().MapTokensApi().MapGroupsApi().MapServicesApi().MapSharesApi();
        api.MapBatchSpawnerApi();
        // MapHubProxyApi, not the proxy brick's MapProxyApi (CHP's own REST API, which must never be mapped here).
        api.MapAuditApi().MapHubProxyApi().MapShutdownApi();
        api.MapMetrics("/metrics", options.AuthenticatePrometheus);
        // OpenIddict answers its token, discovery and JWKS requests itself, unmapped: they land on the catch-alls.
        api.Map("/{**rest}", (HttpContext context, EndpointDataSource endpoints) => ApiFallback.HandleAsync(context, endpoints)).AllowAnonymous()
            .WithMetadata(ProviderRequests.Instance);
        app.MapGroup("/hub/api/oauth2").MapOAuthApi(apiEndpoint);
        app.MapGet("/hub/health", HubApi.Health).AllowAnonymous().WithMetadata(apiEndpoint);
        app.MapMetrics("/hub/metrics", options.AuthenticatePrometheus).WithMetadata(apiEndpoint);

        var hub = app.MapGroup("/hub");
        hub.MapPageAssets().MapLoginPages().MapUpstreamLoginPages().MapHomePages().MapTokenPages().MapSpawnPages().MapUserRedirectPages().MapMiscPages().MapAdminPages()
            .MapAcceptSharePage();
        app.MapUnroutedUserPaths(app.Services.GetRequiredService<HubUrls>());
        app.MapGet("/", () => Results.Redirect("/hub/")).AllowAnonymous();
        // Whatever no endpoint matches is a 404 (the styled page), not the closed fallback policy's login redirect.
        app.MapFallback("{**path}", () => Results.NotFound()).AllowAnonymous().WithMetadata(ProviderRequests.Instance);
        app.MapMethods("/favicon.ico", [HttpMethods.Get, HttpMethods.Head], (HttpContext context) => PageAssets.Serve(context, "favicon.ico")).AllowAnonymous();
        return app;
    }
}
