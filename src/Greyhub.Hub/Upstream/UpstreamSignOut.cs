using Greyhub.Hub.Login;
using Greyhub.Hub.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Upstream;

/// <summary>
/// OpenID Connect RP-Initiated Logout through the handler's own sign-out: the browser goes to the provider's
/// <c>end_session_endpoint</c> (from discovery) with the id_token from <c>auth_state</c> as <c>id_token_hint</c> when
/// kept, comes back to the scheme's signed-out callback and from there to the hub's login page.
/// </summary>
internal sealed partial class UpstreamSignOut(
    IOptions<UpstreamLoginOptions> upstream, IOptionsMonitor<OpenIdConnectOptions> oidc, AuthStates authStates, ILogger<UpstreamSignOut> logger)
    : IUpstreamSignOut
{
    public async Task<IResult?> SignOutAsync(HttpContext context, string provider, int? userId, CancellationToken cancellationToken)
    {
        if (upstream.Value.Find(provider) is not { EndSessionAtLogout: true } found || upstream.Value.IsOAuth2(found))
        {
            return null;
        }
        var scheme = UpstreamSchemes.Scheme(found.Name);
        string? endSession;
        try
        {
            endSession = (await oidc.Get(scheme).ConfigurationManager!.GetConfigurationAsync(cancellationToken)).EndSessionEndpoint;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The hub's own session has ended already; a provider that cannot be reached keeps only its own.
            Log.Skipped(logger, found.Name, "discovery failed: " + ex.Message);
            return null;
        }
        if (string.IsNullOrEmpty(endSession))
        {
            Log.Skipped(logger, found.Name, "its discovery document has no end_session_endpoint");
            return null;
        }
        var properties = new AuthenticationProperties { RedirectUri = "/hub/login" };
        if (userId is { } id && await authStates.GetAsync(id, cancellationToken) is { } stored && stored.Provider == found.Name
            && UpstreamAuthState.String(stored.State, UpstreamAuthState.IdToken) is { Length: > 0 } idToken)
        {
            properties.Items[UpstreamLoginEvents.IdTokenHintItem] = idToken;
        }
        Log.SigningOut(logger, found.Name);
        return Results.SignOut(properties, [scheme]);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HubEvents.UpstreamSignOut, Level = LogLevel.Information, Message = "Ending the session at {Provider} too")]
        public static partial void SigningOut(ILogger logger, string provider);

        [LoggerMessage(EventId = HubEvents.UpstreamSignOutSkipped, Level = LogLevel.Information, Message = "The session at {Provider} stays: {Reason}")]
        public static partial void Skipped(ILogger logger, string provider, string reason);
    }
}
