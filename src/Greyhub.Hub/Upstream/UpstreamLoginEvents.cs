using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;

namespace Greyhub.Hub.Upstream;

/// <summary>The OpenID Connect handler's events: the end of a login goes to <see cref="UpstreamLoginFlow"/>; sign-out adds the hints.</summary>
internal sealed class UpstreamLoginEvents(UpstreamLoginFlow flow) : OpenIdConnectEvents
{
    /// <summary>The item by which <see cref="UpstreamSignOut"/> hands the id_token to the sign-out redirect (removed before the state is sealed).</summary>
    public const string IdTokenHintItem = "greyhub.id_token_hint";

    public override Task TicketReceived(TicketReceivedContext context) => flow.CompleteAsync(context);

    public override Task AccessDenied(AccessDeniedContext context) => flow.DeniedAsync(context);

    public override Task RemoteFailure(RemoteFailureContext context) => flow.FailedAsync(context);

    public override Task RedirectToIdentityProviderForSignOut(RedirectContext context)
    {
        // RP-Initiated Logout: the id_token names the session to end; client_id lets the provider check the
        // post_logout_redirect_uri also without one (auth_state off). The token is not kept in the state parameter.
        if (context.Properties.Items.Remove(IdTokenHintItem, out var hint) && hint is { Length: > 0 })
        {
            context.ProtocolMessage.IdTokenHint = hint;
        }
        context.ProtocolMessage.ClientId = context.Options.ClientId;
        return Task.CompletedTask;
    }
}
