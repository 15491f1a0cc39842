using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Login;

/// <summary>Ends a login session's upstream session too, where its provider allows (implemented by the Upstream feature).</summary>
internal interface IUpstreamSignOut
{
    /// <summary>
    /// The response that sends the browser to <paramref name="provider"/>'s end-session endpoint and back to the login
    /// page, or null when there is nothing to end (no such endpoint, turned off, not OpenID Connect).
    /// </summary>
    Task<IResult?> SignOutAsync(HttpContext context, string provider, int? userId, CancellationToken cancellationToken);
}
