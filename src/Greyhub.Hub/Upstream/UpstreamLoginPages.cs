using Greyhub.Hub.Auth;
using Greyhub.Hub.Login;
using Greyhub.Hub.Pages;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using static Greyhub.Hub.Http.Redirects;

namespace Greyhub.Hub.Upstream;

/// <summary><c>/hub/oidc/NAME/login</c> starts a login at a provider; <c>/hub/oidc/NAME/refused</c> says why one did not end in a session.</summary>
internal static class UpstreamLoginPages
{
    public const string NoUserName = "no-username";
    public const string Blocked = "blocked";
    public const string NotAllowed = "not-allowed";
    public const string Denied = "denied";
    public const string Failed = "failed";

    public static string RefusedPath(string provider, string why) => $"/hub/oidc/{provider}/refused?why={why}";

    public static IEndpointRouteBuilder MapUpstreamLoginPages(this IEndpointRouteBuilder hub)
    {
        // A GET, like the provider's own login link: it only starts a flow, whose state and nonce the handler binds to
        // this browser; nothing changes on the hub until the provider's answer is validated.
        hub.MapGet("/oidc/{provider}/login", Start).AllowAnonymous();
        hub.MapGet("/oidc/{provider}/refused", Refused).AllowAnonymous();
        return hub;
    }

    private static IResult Start(string provider, string? next, IOptions<UpstreamLoginOptions> options, TimeProvider time)
    {
        if (options.Value.Find(provider) is not { } found)
        {
            return HubPage.Error(StatusCodes.Status404NotFound, "This hub has no such sign-in provider.");
        }
        var properties = new AuthenticationProperties { RedirectUri = SafeNext(next, "/hub/home") };
        // Sealed in the state parameter with the rest: the login's round trip is logged when it ends.
        properties.Items[UpstreamLoginFlow.StartedItem] = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Challenge(properties, [UpstreamSchemes.Scheme(found.Name)]);
    }

    private static IResult Refused(HttpContext context, string provider, string? why, IOptions<UpstreamLoginOptions> options)
    {
        // Only fixed texts by code: the query string cannot put words on the hub's page.
        var name = options.Value.Find(provider) is { } found
            ? found.Label()
            : "the identity provider";
        var (status, heading, message) = why switch
        {
            NotAllowed => (StatusCodes.Status403Forbidden, "You may not use this hub",
                $"{name} confirmed who you are, but your account is not allowed on this hub (it is not in an allowed group). Ask the hub's administrators for access."),
            Blocked => (StatusCodes.Status403Forbidden, "Your account is blocked",
                "This account may not sign in to this hub. Ask the hub's administrators if you think this is a mistake."),
            NoUserName => (StatusCodes.Status400BadRequest, "No user name from the provider",
                $"{name} did not send a user name this hub can use. Ask the hub's administrators to check the provider's settings."),
            Denied => (StatusCodes.Status403Forbidden, "Sign-in was cancelled",
                $"{name} did not let you sign in (access denied). You can try again from the sign-in page."),
            _ => (StatusCodes.Status400BadRequest, "Sign-in did not complete",
                $"The answer from {name} could not be accepted. Start again from the sign-in page; if it keeps happening, tell the hub's administrators."),
        };
        // Whoever lands here was refused a session: home would only send them to sign in, so the button says so.
        (string, string)? action = context.Identity() is { IsUser: true } ? null : ("login", "Back to sign in");
        return HubPage.Error(status, message, heading, "upstream-refused", action);
    }
}
