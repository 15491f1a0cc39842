using System.Globalization;
using System.Security.Claims;
using Greyhub.Hub.Auth;
using OpenIddict.Abstractions;

namespace Greyhub.Hub.OAuth;

/// <summary>
/// The principal a user's authorization signs in to OpenIddict: who (sub = the user's name), what goes into the
/// id_token (name and <c>preferred_username</c> with <c>profile</c>, <c>groups</c> with <c>groups</c>, the granted
/// hub scopes as <c>scope</c>), and private claims that only the encrypted code carries back to the token endpoint.
/// </summary>
internal static class ProviderPrincipal
{
    private const string UserIdClaim = "greyhub_uid";
    private const string SessionClaim = "greyhub_sid";
    private const string RedirectClaim = "greyhub_redirect";
    private const string HubScopeClaim = "greyhub_scope";

    public static ClaimsPrincipal Create(RequestIdentity user, string redirectUri, IReadOnlyList<string> openIdScopes, IReadOnlyList<string> hubScopes)
    {
        var identity = new ClaimsIdentity("greyhub", OpenIddictConstants.Claims.Name, OpenIddictConstants.Claims.Role);
        identity.SetClaim(OpenIddictConstants.Claims.Subject, user.Name);
        if (openIdScopes.Contains(OpenIddictConstants.Scopes.Profile))
        {
            identity.SetClaim(OpenIddictConstants.Claims.Name, user.Name);
            identity.SetClaim(OpenIddictConstants.Claims.PreferredUsername, user.Name);
        }
        if (openIdScopes.Contains("groups"))
        {
            identity.SetClaims("groups", [.. user.Groups]);
        }
        identity.SetClaim(UserIdClaim, user.UserId!.Value.ToString(CultureInfo.InvariantCulture));
        identity.SetClaim(SessionClaim, user.SessionId);
        identity.SetClaim(RedirectClaim, redirectUri);
        identity.SetClaims(HubScopeClaim, [.. hubScopes]);
        if (hubScopes.Count > 0)
        {
            identity.SetClaim(OpenIddictConstants.Claims.Scope, string.Join(' ', hubScopes));
        }
        identity.SetScopes([.. openIdScopes, .. hubScopes]);
        identity.SetDestinations(claim => claim.Type switch
        {
            OpenIddictConstants.Claims.Subject or OpenIddictConstants.Claims.Name or OpenIddictConstants.Claims.PreferredUsername or "groups"
                or OpenIddictConstants.Claims.Scope => [OpenIddictConstants.Destinations.IdentityToken],
            // Private claims stay in the (encrypted) code.
            _ => [],
        });
        return new ClaimsPrincipal(identity);
    }

    public static int UserId(ClaimsPrincipal principal) => int.Parse(principal.GetClaim(UserIdClaim)!, CultureInfo.InvariantCulture);

    public static string? SessionId(ClaimsPrincipal principal) => principal.GetClaim(SessionClaim);

    public static string RedirectUri(ClaimsPrincipal principal) => principal.GetClaim(RedirectClaim) ?? "";

    public static IReadOnlyList<string> HubScopes(ClaimsPrincipal principal) => [.. principal.GetClaims(HubScopeClaim)];
}
