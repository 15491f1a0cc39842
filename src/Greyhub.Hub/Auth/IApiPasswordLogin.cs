using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Auth;

/// <summary>
/// A caller proving who they are with a password in the request body (JupyterHub's token request with <c>auth</c>).
/// Here, not in Login/, so the token API can use it without depending on the login pages.
/// </summary>
internal interface IApiPasswordLogin
{
    /// <summary>The user the body's <c>auth</c> proves, set as the request's caller.</summary>
    Task<RequestIdentity> CallerAsync(HttpContext context, JsonElement? body);
}
