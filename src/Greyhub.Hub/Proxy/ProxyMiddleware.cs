using System.Net;
using Greyhub.Hub.Hosting;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Greyhub.Hub.Proxy;

/// <summary>
/// Forwards <c>/user/...</c> to the owner's running server through YARP's forwarder (HTTP and WebSockets). The
/// client's Host is kept, as configurable-http-proxy does, because Jupyter checks WebSocket origins against it.
/// A path with no route goes to the hub's <c>/hub/user/...</c> page, which starts or explains.
/// </summary>
internal sealed class ProxyMiddleware(RequestDelegate next, IHttpForwarder forwarder, ProxyRouteTable routes, HubUrls urls, TimeProvider time)
{
    private static readonly HttpMessageInvoker Client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = null,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    });

    private static readonly ForwarderRequestConfig RequestConfig = new() { ActivityTimeout = TimeSpan.FromMinutes(10) };
    private static readonly HttpTransformer Transformer = new KeepHostTransformer();
    private readonly string _userPrefix = urls.Base + "user";

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments(_userPrefix, StringComparison.Ordinal, out var rest) || !rest.HasValue)
        {
            await next(context);
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
        var error = await forwarder.SendAsync(context, route.Destination, Client, RequestConfig, Transformer);
        route.Touch(time.GetUtcNow().UtcDateTime);
        if (error != ForwarderError.None && !context.Response.HasStarted)
        {
            // The route exists but the server does not answer (JupyterHub's 503 page); the poller will notice if it died.
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync(
                $"<!doctype html><title>503 Service Unavailable</title><h1>503 Service Unavailable</h1><p>Your server at {WebUtility.HtmlEncode(path.Value)} is not answering. <a href=\"{urls.Hub}home\">Home</a></p>",
                context.RequestAborted);
        }
    }

    /// <summary>Copies the request as is (Host included) and adds the X-Forwarded headers.</summary>
    private sealed class KeepHostTransformer : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            var request = httpContext.Request;
            proxyRequest.Headers.Host = request.Host.Value;
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
            if (httpContext.Connection.RemoteIpAddress is { } remote)
            {
                proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For", remote.ToString());
            }
        }
    }
}
