using Greyhub.Hub.Auth;
using Greyhub.Hub.Services;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Greyhub.Hub.Web.Html;

namespace Greyhub.Hub.Web;

/// <summary><c>/hub/home</c> and the redirects to it.</summary>
internal static class HomePages
{
    public static IEndpointRouteBuilder MapHomePages(this IEndpointRouteBuilder hub)
    {
        hub.MapGet("/", () => Results.Redirect("/hub/home"));
        hub.MapGet("/home", Home);
        return hub;
    }

    /// <summary>The signed-in user, or a redirect to the login page that comes back here.</summary>
    public static RequestIdentity? SignedIn(HttpContext context, out IResult? redirect)
    {
        var identity = context.Identity();
        if (identity is { IsUser: true, ViaCookie: true })
        {
            redirect = null;
            return identity;
        }
        redirect = Results.Redirect("/hub/login?next=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
        return null;
    }

    public static string LogoutForm(HttpContext context, IAntiforgery antiforgery) =>
        $"<form method=\"post\" action=\"/hub/logout\" style=\"margin:0\">{Xsrf(context, antiforgery)}<button id=\"logout\" type=\"submit\">Logout</button></form>";

    private static async Task<IResult> Home(HttpContext context, IAntiforgery antiforgery, UserService users)
    {
        var me = SignedIn(context, out var redirect);
        if (me is null)
        {
            return redirect!;
        }
        var user = await users.FindAsync(me.Name, context.RequestAborted);
        var groups = user is null || user.Groups.Count == 0 ? "none" : string.Join(", ", user.Groups.Select(E));
        var body = $"""
            <div class="card">
            <h1>Welcome, <span id="home-user">{E(me.Name)}</span></h1>
            <p>Role: {(me.Admin ? "administrator" : "user")} · Groups: {groups}</p>
            <p>Your Jupyter server and compute will appear here. Meanwhile, create an API token on the
            <a href="/hub/token">token page</a> to use the <a href="/hub/api/">JupyterHub REST API</a>.</p>
            </div>
            """;
        return Page("Home", body, me.Name, logoutForm: LogoutForm(context, antiforgery));
    }
}
