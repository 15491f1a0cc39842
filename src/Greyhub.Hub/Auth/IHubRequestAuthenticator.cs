using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Auth;

/// <summary>
/// Authenticates a request as the hub's default scheme does (a token header wins, else the login cookie), for
/// endpoints that run before the hub's authentication middleware (lean endpoints, <c>Greyhub.Hub.Http.LeanEndpoint</c>).
/// A cached token caller costs one hash and one lookup in the token scheme's own cache.
/// </summary>
public interface IHubRequestAuthenticator
{
    /// <summary>
    /// Sets <see cref="HttpContext.User"/> to the caller and returns true, or returns false for an anonymous request or
    /// a refused credential (an unknown, expired or malformed token is never a fall back to the cookie). A request the
    /// pipeline already authenticated is taken as it is.
    /// </summary>
    ValueTask<bool> AuthenticateAsync(HttpContext context);
}
