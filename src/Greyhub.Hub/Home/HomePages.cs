using System.Text;
using Greyhub.Data;
using Greyhub.Data.Entities;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Hub.Users;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using static Greyhub.Hub.Http.Html;

namespace Greyhub.Hub.Home;

/// <summary><c>/hub/home</c> and the redirects to it.</summary>
internal static class HomePages
{
    public static IEndpointRouteBuilder MapHomePages(this IEndpointRouteBuilder hub)
    {
        hub.MapGet("/", () => Results.Redirect("/hub/home")).AllowAnonymous();
        hub.MapGet("/home", Home).RequireSignedIn();
        return hub;
    }

    private static async Task<IResult> Home(HttpContext context, IAntiforgery antiforgery, UserService users, HubUrls urls, IOptions<HubOptions> options)
    {
        // The endpoint requires a signed-in user (RequireSignedIn): the caller is one.
        var me = context.Caller();
        var user = await users.FindAsync(me.Name, context.RequestAborted);
        if (user is null)
        {
            return Results.Redirect("/hub/logout");
        }
        var groups = user.Groups.Count == 0 ? "none" : string.Join(", ", user.Groups.Select(E));
        var xsrf = Xsrf(context, antiforgery);
        var escapedName = HubUrls.Escape(user.Name);
        var rows = new StringBuilder();
        var notices = new StringBuilder();
        var servers = user.Servers.Where(s => s.Name.Length > 0).OrderBy(s => s.Name, StringComparer.Ordinal);
        foreach (var server in (ServerRecord?[])[user.Servers.FirstOrDefault(s => s.Name.Length == 0), .. servers])
        {
            var name = server?.Name ?? "";
            var phase = server?.Phase ?? ServerPhases.Stopped;
            var suffix = HubUrls.ServerPath(user.Name, name);
            var id = name.Length == 0 ? "default" : E(name);
            var actions = phase switch
            {
                ServerPhases.Running => $"<a id=\"open-{id}\" href=\"{E(urls.ServerUrl(user.Name, name))}\">Open</a> "
                    + $"<form method=\"post\" action=\"/hub/stop/{E(suffix)}\" style=\"display:inline\">{xsrf}<button id=\"stop-{id}\" type=\"submit\">Stop</button></form>",
                ServerPhases.Pending => $"<a href=\"/hub/spawn-pending/{E(suffix)}\">Starting…</a>",
                ServerPhases.Stopping => "Stopping…",
                _ => $"<a id=\"start-{id}\" href=\"/hub/spawn/{E(suffix)}\">Start</a>",
            };
            if (phase == ServerPhases.Stopped && server?.StopReason is { } reason)
            {
                // The owner did not stop it: say what did (an exit, Slurm's time limit, a container removed...).
                notices.Append($"<p class=\"notice\" id=\"reason-{id}\">Your {(name.Length == 0 ? "default server" : "server " + E(name))} stopped: {E(reason)}</p>");
            }
            rows.Append($"<tr><td>{(name.Length == 0 ? "<em>default</em>" : E(name))}</td><td id=\"phase-{id}\">{E(phase)}</td>")
                .Append($"<td>{(server?.LastActivity is { } at ? E(Iso.Format(at)) : "")}</td><td>{actions}</td></tr>");
        }
        var named = options.Value.Servers.AllowNamedServers
            ? $$"""
              <form method="get" onsubmit="var n=document.getElementById('new-server-name').value.trim(); if(n){window.location.href='/hub/spawn/{{E(escapedName)}}/'+encodeURIComponent(n);} return false;">
              <label for="new-server-name">New named server</label><input id="new-server-name" placeholder="name"> <button id="new-server" type="submit">Add</button></form>
              """
            : "";
        var body = $"""
            <div class="card">
            <h1>Welcome, <span id="home-user">{E(me.Name)}</span></h1>
            <p>Role: {(me.Admin ? "administrator" : "user")} · Groups: {groups}</p>
            {notices}
            <table><thead><tr><th>Server</th><th>Status</th><th>Last activity</th><th></th></tr></thead><tbody>{rows}</tbody></table>
            {named}
            <p>Use the <a href="/hub/api/">JupyterHub REST API</a> with a token from the <a href="/hub/token">token page</a>.</p>
            </div>
            """;
        return Page("Home", body, me.Name, logoutForm: Html.LogoutForm(context, antiforgery));
    }
}
