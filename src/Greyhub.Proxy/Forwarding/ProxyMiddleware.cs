using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Greyhub.Proxy;

/// <summary>
/// Forwards a request a route takes through YARP's forwarder (HTTP and WebSockets): every request that
/// <see cref="ProxyConnectionMiddleware"/> left to Kestrel (a WebSocket, a body, a connection that also carried other
/// requests, TLS, a target with a path). The client's Host is kept, as configurable-http-proxy does, because Jupyter
/// checks WebSocket origins against it. A request no route takes goes on down the pipeline: the hub's own, in-process;
/// the standalone host's 404.
/// </summary>
internal sealed class ProxyMiddleware(
    RequestDelegate next, IHttpForwarder forwarder, YarpUpstream yarp, RouteTable routes, ProxyErrorResponder errors, TimeProvider time,
    IOptions<ProxyOptions> options, ProxyCounters counters)
{
    private readonly HttpTransformer _transformer = new KeepHostTransformer(options.Value.XForward);

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var route = routes.Count == 0 ? null : routes.Match((request.PathBase + request.Path).Value.AsSpan());
        if (route is null)
        {
            await next(context);
            return;
        }
        if (context.Features.Get<IHttpRequestFeature>()?.RawTarget.Contains('#', StringComparison.Ordinal) == true)
        {
            // Kestrel takes a fragment in the request target, which no request target may hold (RFC 9112 3.2); a
            // server is not sent one.
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        route.Touch(time.GetUtcNow().UtcDateTime);
        counters.Add(ProxyCount.HttpLevelRequest);
        if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
        {
            // A WebSocket stays one request for as long as it is open: its traffic is activity too.
            context.Features.Set<IHttpUpgradeFeature>(new ActivityUpgradeFeature(upgrade, route, time));
        }
        var error = await forwarder.SendAsync(context, route.Destination + route.TargetPath, yarp.Client, yarp.RequestConfig, _transformer);
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
            await WriteErrorPageAsync(context, errors, status);
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

    /// <summary>The error page for <paramref name="status"/> (the error target's or the built-in one).</summary>
    internal static async Task WriteErrorPageAsync(HttpContext context, ProxyErrorResponder errors, int status)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        var page = await errors.RenderAsync(status, target, context.RequestAborted);
        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = page.ContentType;
        if (page.ContentEncoding is not null)
        {
            context.Response.Headers.ContentEncoding = page.ContentEncoding;
        }
        context.Response.ContentLength = page.Body.Length;
        await context.Response.Body.WriteAsync(page.Body, context.RequestAborted);
    }

    /// <summary>Whether the path of <paramref name="target"/> holds a "." or ".." segment, escaped (<c>%2e</c>) or not.</summary>
    internal static bool HasDotSegment(string target)
    {
        var query = target.IndexOf('?', StringComparison.Ordinal);
        var path = (query < 0 ? target : target[..query]).Replace("%2e", ".", StringComparison.OrdinalIgnoreCase);
        foreach (var segment in path.Split('/'))
        {
            if (segment is "." or "..")
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Copies the request as is (Host included) and adds the X-Forwarded headers (replacing the client's unless it is a trusted proxy).</summary>
    private sealed class KeepHostTransformer(bool xForward) : HttpTransformer
    {
        private static readonly UriCreationOptions AsSent = new() { DangerousDisablePathAndQueryCanonicalization = true };

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            var request = httpContext.Request;
            if (httpContext.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } target && target[0] == '/' && Ascii.IsValid(target)
                && !HasDotSegment(target))
            {
                // The target as the client sent it, as on the connection-level path: YARP rebuilds it from the decoded path, which
                // turns an escaped slash (%2F) into %252F (dotnet/yarp#1419).
                proxyRequest.RequestUri = new Uri(destinationPrefix + target, AsSent);
            }
            // A target with dot segments goes as Kestrel resolved it (YARP's default): as sent, "/../svc/x" behind a target
            // path "/prefix" would reach the server's "/svc/x", outside the prefix.
            proxyRequest.Headers.Host = request.Host.Value;
            if (!xForward)
            {
                return;
            }
            var trusted = httpContext.Features.Get<FromTrustedProxy>() is not null;
            if (!trusted)
            {
                // As on the connection-level path: only a trusted proxy's X-Forwarded-* reach the server; ours replace anyone else's.
                proxyRequest.Headers.Remove("X-Forwarded-For");
                proxyRequest.Headers.Remove("X-Forwarded-Proto");
                proxyRequest.Headers.Remove("X-Forwarded-Host");
                // Tornado's xheaders (JupyterHub's) believe these before X-Forwarded-*: only a trusted proxy's pass.
                proxyRequest.Headers.Remove("X-Real-IP");
                proxyRequest.Headers.Remove("X-Scheme");
                proxyRequest.Headers.Remove("Forwarded");
            }
            // A trusted proxy's Host and Proto stand (the client's, not ours); the addresses grow by one hop.
            if (!(trusted && proxyRequest.Headers.Contains("X-Forwarded-Host")))
            {
                proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
            }
            if (!(trusted && proxyRequest.Headers.Contains("X-Forwarded-Proto")))
            {
                proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
            }
            if (httpContext.Connection.RemoteIpAddress is { } remote)
            {
                proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For", remote.ToString());
            }
        }
    }
}
