using Greyhub.Abstractions.Authentication;

namespace Greyhub.Hub.Auth;

/// <summary>
/// JupyterHub's <c>refresh_auth</c> as the authentication handlers ask it: whether a caller's authentication is still
/// good for this request (refreshed first when stale). Here, not in Login/, so the handlers do not depend on the login pages.
/// </summary>
internal interface IUserAuthRefresh
{
    /// <summary>False: the authenticator says the caller's sign-in expired; the request is not authenticated.</summary>
    ValueTask<bool> CheckAsync(IPasswordAuthenticator authenticator, RequestIdentity caller, CancellationToken cancellationToken);
}
