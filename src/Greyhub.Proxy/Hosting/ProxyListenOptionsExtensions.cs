using Greyhub.Proxy;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Puts the proxy's connection-level path in front of Kestrel's HTTP stack on an endpoint.</summary>
public static class ProxyListenOptionsExtensions
{
    /// <summary>
    /// Adds the proxy's connection middleware to <paramref name="listen"/> (it steps aside when
    /// <c>Greyhub:Proxy:FastPath</c> is false). On a TLS endpoint it sees encrypted bytes and hands every connection
    /// to Kestrel, where the HTTP-level path serves them.
    /// </summary>
    public static ListenOptions UseGreyhubProxy(this ListenOptions listen)
    {
        listen.Use(next => listen.ApplicationServices.GetRequiredService<ProxyConnectionMiddleware>().Wrap(next));
        return listen;
    }
}
