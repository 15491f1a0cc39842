using System.Security.Claims;
using Greyhub.Abstractions.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Auth;

/// <summary>
/// <see cref="IHubRequestAuthenticator"/> with the token scheme's rules (<see cref="TokenAuthenticationHandler"/>: the
/// resolver's cache, the authenticator's refresh) and the login cookie's own handler for cookie requests.
/// </summary>
internal sealed class HubRequestAuthenticator(IdentityResolver resolver, IUserAuthRefresh refresh) : IHubRequestAuthenticator
{
    public ValueTask<bool> AuthenticateAsync(HttpContext context)
    {
        if (context.User.Identity is HubIdentity)
        {
            return ValueTask.FromResult(true);
        }
        if (HubAuthentication.HasTokenHeader(context.Request))
        {
            return HubAuthentication.TryGetToken(context.Request, out var token) ? FromTokenAsync(context, token) : ValueTask.FromResult(false);
        }
        return context.Request.Cookies.ContainsKey(HubCookies.Login) ? new ValueTask<bool>(FromCookieAsync(context)) : ValueTask.FromResult(false);
    }

    private async ValueTask<bool> FromTokenAsync(HttpContext context, string token)
    {
        var caller = await resolver.FromTokenAsync(token, context.RequestServices, context.RequestAborted);
        if (caller is null)
        {
            return false;
        }
        if (caller.IsUser && !await refresh.CheckAsync(context.RequestServices.GetRequiredService<IPasswordAuthenticator>(), caller, context.RequestAborted))
        {
            return false;
        }
        context.User = new ClaimsPrincipal(new HubIdentity(caller, [new Claim(ClaimTypes.Name, caller.Name)], HubAuthentication.Token));
        return true;
    }

    private static async Task<bool> FromCookieAsync(HttpContext context)
    {
        // The cookie scheme's own handler: decryption, expiry, sliding renewal and LoginCookieEvents' checks.
        var result = await context.AuthenticateAsync(HubAuthentication.Cookie);
        if (result.Principal?.Identity is not HubIdentity)
        {
            return false;
        }
        context.User = result.Principal;
        return true;
    }
}
