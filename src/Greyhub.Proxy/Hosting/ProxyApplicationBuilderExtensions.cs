using Greyhub.Proxy;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Puts the proxy brick in a request pipeline.</summary>
public static class ProxyApplicationBuilderExtensions
{
    /// <summary>
    /// Marks requests whose connection comes from one of <see cref="ProxyOptions.TrustedProxies"/>, whose
    /// <c>X-Forwarded-*</c> the proxy then passes on. Put it before anything that rewrites the connection's address
    /// (ASP.NET's forwarded-headers middleware); with no trusted proxy it adds nothing.
    /// </summary>
    public static IApplicationBuilder UseGreyhubProxyTrust(this IApplicationBuilder app)
    {
        var networks = TrustedProxies.Parse(app.ApplicationServices.GetRequiredService<IOptions<ProxyOptions>>().Value.TrustedProxies);
        if (networks.Length == 0)
        {
            return app;
        }
        return app.Use((context, next) =>
        {
            if (TrustedProxies.Contains(networks, context.Connection.RemoteIpAddress))
            {
                context.Features.Set(FromTrustedProxy.Instance);
            }
            return next(context);
        });
    }

    /// <summary>
    /// Forwards every request a route takes (through YARP); the others go on down the pipeline. Put it first: proxied
    /// requests carry the server's own headers and need nothing of what follows.
    /// </summary>
    public static IApplicationBuilder UseGreyhubProxy(this IApplicationBuilder app) => app.UseMiddleware<ProxyMiddleware>();

    /// <summary>configurable-http-proxy's REST API under <c>/api/routes</c> (needs <c>AddGreyhubProxyApi()</c>).</summary>
    public static IEndpointRouteBuilder MapProxyApi(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<ProxyOptions>>().Value;
        return endpoints.MapRoutesApi(options.MaxApiBodyBytes);
    }
}
