using Greyhub.Data;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Pages;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Greyhub.Hub.Sharing;

/// <summary>
/// <c>/hub/accept-share?code=...</c>, JupyterHub 5's invitation page: who shares which server with what, and an Accept
/// button (an anti-forgery-checked POST) that exchanges the code for a share and opens the server. Someone not signed in
/// signs in first and comes back (the sign-in requirement's redirect keeps the query); a code unknown, revoked, expired
/// or for the user's own server gets a page that says so.
/// </summary>
internal static class AcceptSharePages
{
    public static IEndpointRouteBuilder MapAcceptSharePage(this IEndpointRouteBuilder hub)
    {
        hub.MapGet("/accept-share", ShowAsync).RequireSignedIn();
        hub.MapPost("/accept-share", AcceptAsync).DisableAntiforgery().RequireSignedIn();
        return hub;
    }

    private static async Task<IResult> ShowAsync(HttpContext context, ShareCodes codes, HubRoles roles, HubUrls urls)
    {
        var code = context.Request.Query["code"].ToString();
        var caller = context.Caller();
        var (found, problem) = await LookUpAsync(code, caller, codes, context.RequestAborted);
        if (problem is not null)
        {
            return problem;
        }
        return HubPage.Render<AcceptSharePage>(new Dictionary<string, object?>
        {
            [nameof(AcceptSharePage.Code)] = code,
            [nameof(AcceptSharePage.UserName)] = caller.Name,
            [nameof(AcceptSharePage.Server)] = found!.Server,
            [nameof(AcceptSharePage.ServerUrl)] = urls.ServerUrl(found.Server.Owner, found.Server.Name),
            [nameof(AcceptSharePage.Scopes)] = ScopeDescriptions.DescribeRaw(found.Scopes, caller.Name, roles.Definitions),
            [nameof(AcceptSharePage.ExpiresAt)] = found.ExpiresAt,
        });
    }

    private static async Task<IResult> AcceptAsync(HttpContext context, IAntiforgery antiforgery, ShareCodes codes, HubUrls urls)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return HubPage.Error(StatusCodes.Status403Forbidden, "The form was not sent by this site. Open the invitation link again and accept it there.");
        }
        var code = (await context.Request.ReadFormAsync(context.RequestAborted))["code"].ToString();
        var caller = context.Caller();
        var (found, problem) = await LookUpAsync(code, caller, codes, context.RequestAborted);
        if (problem is not null)
        {
            return problem;
        }
        // Null here means the code expired or was revoked between the page and the button.
        var share = await codes.ExchangeAsync(code, caller, context.RequestAborted);
        return share is null
            ? Refused(StatusCodes.Status404NotFound, "This invitation is no longer valid", $"It expired or {found!.Server.Owner} revoked it. Ask them for a new one.")
            : Results.Redirect(urls.ServerUrl(share.Server.Owner, share.Server.Name));
    }

    /// <summary>The code, or the page that says why it cannot be accepted.</summary>
    private static async Task<(ShareCodeRecord? Code, IResult? Problem)> LookUpAsync(string code, RequestIdentity caller, ShareCodes codes, CancellationToken ct)
    {
        if (code.Length == 0)
        {
            return (null, Refused(StatusCodes.Status400BadRequest, "No invitation in this link", "The link has no invitation code. Copy the whole link you were sent and try again."));
        }
        var found = await codes.FindAsync(code, ct);
        if (found is null)
        {
            return (null, Refused(StatusCodes.Status404NotFound, "This invitation is not valid",
                "No invitation has this code: it was revoked, or the link was cut short. Ask whoever sent it for a new one."));
        }
        if (codes.HasExpired(found))
        {
            return (null, Refused(StatusCodes.Status404NotFound, "This invitation has expired",
                $"The invitation to {found.Server.Owner}'s server expired on {found.ExpiresAt:yyyy-MM-dd HH:mm} UTC. Ask {found.Server.Owner} for a new one."));
        }
        if (found.Server.Owner == caller.Name)
        {
            return (null, Refused(StatusCodes.Status400BadRequest, "This is your own server",
                "You made this invitation for others: send them the link. You already have access to your server."));
        }
        return (found, null);
    }

    private static IResult Refused(int status, string heading, string message) =>
        HubPage.Error(status, message, heading, "accept-share-error");
}
