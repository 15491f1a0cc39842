using System.Text;
using Greyhub.Hub.Background;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Greyhub.Hub.Proxy;

/// <summary>
/// Forwards <c>/user/...</c> to the owner's running server through YARP's forwarder (HTTP and WebSockets): every
/// proxied request that <see cref="ProxyConnectionMiddleware"/> left to Kestrel (a WebSocket, a body, a connection that
/// also carried hub requests, TLS). The client's Host is kept, as configurable-http-proxy does, because Jupyter checks WebSocket origins against it.
/// A path with no route goes to the hub's <c>/hub/user/...</c> page, which starts or explains.
/// </summary>
internal sealed class ProxyMiddleware(
    RequestDelegate next, IHttpForwarder forwarder, YarpUpstream yarp, ProxyRouteTable routes, HubUrls urls, TimeProvider time, IOptions<ProxyOptions> options,
    ProxyCounters counters)
{
    private readonly bool _hopToThreadPool = options.Value.InlineScheduling;

    private static readonly HttpTransformer Transformer = new KeepHostTransformer();
    private readonly string _userPrefix = urls.Base + "user";

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments(_userPrefix, StringComparison.Ordinal, out var rest) || !rest.HasValue)
        {
            // With inline scheduling this runs on a socket thread; the hub's own handlers (password hashing,
            // database calls) belong on the thread pool, so that no proxied connection waits behind them.
            await (_hopToThreadPool ? ThreadPoolHop.RunAsync(() => next(context)) : next(context));
            return;
        }
        if (context.Features.Get<IHttpRequestFeature>()?.RawTarget.Contains('#', StringComparison.Ordinal) == true)
        {
            // Kestrel takes a fragment in the request target, which no request target may hold (RFC 9112 3.2); a
            // server is not sent one.
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        var route = routes.Match(rest.Value.AsSpan(1));
        if (route is null)
        {
            // JupyterHub: an unknown /user/... goes to /hub/user/..., which knows whether to spawn or explain.
            context.Response.Redirect(urls.Hub + "user" + rest.Value + context.Request.QueryString);
            return;
        }
        route.Touch(time.GetUtcNow().UtcDateTime);
        counters.Add(ProxyCount.HttpLevelRequest);
        var error = await forwarder.SendAsync(context, route.Destination, yarp.Client, yarp.RequestConfig, Transformer);
        var status = error switch
        {
            ForwarderError.None => 0,
            ForwarderError.RequestTimedOut => StatusCodes.Status504GatewayTimeout,
            _ => StatusCodes.Status503ServiceUnavailable,
        };
        route.Touch(time.GetUtcNow().UtcDateTime);
        if (ServerFault(error) is { } fault)
        {
            counters.Add(fault);
        }
        if (status != 0 && !context.Response.HasStarted)
        {
            await WriteErrorPageAsync(context, status);
        }
    }

    /// <summary>What YARP's outcome says about the server; null when it went well or the client gave up.</summary>
    private static ProxyCount? ServerFault(ForwarderError error) => error switch
    {
        ForwarderError.None => null,
        ForwarderError.RequestTimedOut => ProxyCount.TimedOut,
        ForwarderError.Request or ForwarderError.NoAvailableDestinations => ProxyCount.Unreachable,
        ForwarderError.ResponseBodyDestination or ForwarderError.UpgradeResponseDestination or ForwarderError.UpgradeRequestDestination => ProxyCount.CutShort,
        _ => null,
    };

    /// <summary>JupyterHub's page for a route whose server does not answer; the poller notices if the server died.</summary>
    private async Task WriteErrorPageAsync(HttpContext context, int status)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(ProxyErrorPage.Html(status, context.Request.Path.Value, urls.Hub + "home"), context.RequestAborted);
    }

    /// <summary>Copies the request as is (Host included) and adds the X-Forwarded headers (replacing the client's unless it is a trusted proxy).</summary>
    private sealed class KeepHostTransformer : HttpTransformer
    {
        private static readonly UriCreationOptions AsSent = new() { DangerousDisablePathAndQueryCanonicalization = true };

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            var request = httpContext.Request;
            if (httpContext.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } target && target[0] == '/' && Ascii.IsValid(target))
            {
                // The target as the client sent it, as on the connection-level path: YARP rebuilds it from the decoded path, which
                // turns an escaped slash (%2F) into %252F (dotnet/yarp#1419).
                proxyRequest.RequestUri = new Uri(destinationPrefix + target, AsSent);
            }
            proxyRequest.Headers.Host = request.Host.Value;
            if (httpContext.Features.Get<FromTrustedProxy>() is null)
            {
                // As on the connection-level path: only a trusted proxy's X-Forwarded-* reach the server; ours replace anyone else's.
                proxyRequest.Headers.Remove("X-Forwarded-For");
                proxyRequest.Headers.Remove("X-Forwarded-Proto");
                proxyRequest.Headers.Remove("X-Forwarded-Host");
            }
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
            if (httpContext.Connection.RemoteIpAddress is { } remote)
            {
                proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For", remote.ToString());
            }
        }
    }
}
