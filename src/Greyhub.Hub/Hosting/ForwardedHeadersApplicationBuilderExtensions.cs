using Greyhub.Proxy;
using Greyhub.Hub;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Believes <c>X-Forwarded-For</c>/<c>-Proto</c> from the configured proxies only.</summary>
public static class ForwardedHeadersApplicationBuilderExtensions
{
    /// <summary>
    /// Adds ASP.NET's forwarded-headers middleware for <see cref="HubOptions.TrustedProxies"/>; with none configured it
    /// adds nothing. Reading the options validates them, so a bad entry stops the start with a clear error.
    /// </summary>
    public static WebApplication UseGreyhubForwardedHeaders(this WebApplication app)
    {
        // Before the middleware replaces the connection's address: the proxy keeps a trusted proxy's X-Forwarded-* only.
        app.UseGreyhubProxyTrust();
        var proxies = app.Services.GetRequiredService<IOptions<HubOptions>>().Value.TrustedProxies;
        if (proxies.Count == 0)
        {
            // ASP.NET believes every sender when its lists are empty, and by default it trusts loopback, where users'
            // servers and kernels connect from: with no proxy named, the middleware must not run at all.
            return app;
        }
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            // Walk back through every trusted hop (a load balancer before nginx); the first other address is the client.
            ForwardLimit = null,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        var networks = TrustedProxies.Parse(proxies);
        foreach (var network in networks)
        {
            options.KnownIPNetworks.Add(network);
        }
        app.UseForwardedHeaders(options);
        return app;
    }
}
