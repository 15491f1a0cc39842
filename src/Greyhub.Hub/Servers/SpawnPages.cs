using System.Text.Json;
using Greyhub.Abstractions.Compute;
using Greyhub.Data;
using Greyhub.Data.Entities;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Hub.Users;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using static Greyhub.Hub.Http.Html;

namespace Greyhub.Hub.Servers;

/// <summary>
/// <c>/hub/spawn</c> (choose a profile, start), <c>/hub/spawn-pending</c> (live progress bar from the progress
/// stream) and <c>/hub/stop</c>. Starting and stopping are XSRF-checked POSTs; a GET never starts anything.
/// </summary>
internal static class SpawnPages
{
    public static IEndpointRouteBuilder MapSpawnPages(this IEndpointRouteBuilder hub)
    {
        hub.MapGet("/spawn", (HttpContext c, IAntiforgery a, [AsParameters] SpawnPageServices s) => Form(c, a, s, null, "")).RequireSignedIn();
        hub.MapGet("/spawn/{user}", (HttpContext c, IAntiforgery a, string user, [AsParameters] SpawnPageServices s) => Form(c, a, s, user, "")).RequireSignedIn();
        hub.MapGet("/spawn/{user}/{server}", (HttpContext c, IAntiforgery a, string user, string server, [AsParameters] SpawnPageServices s) => Form(c, a, s, user, server)).RequireSignedIn();
        hub.MapPost("/spawn", (HttpContext c, IAntiforgery a, [AsParameters] SpawnPageServices s) => Start(c, a, s, null, "")).DisableAntiforgery().RequireSignedIn();
        hub.MapPost("/spawn/{user}", (HttpContext c, IAntiforgery a, string user, [AsParameters] SpawnPageServices s) => Start(c, a, s, user, "")).DisableAntiforgery().RequireSignedIn();
        hub.MapPost("/spawn/{user}/{server}", (HttpContext c, IAntiforgery a, string user, string server, [AsParameters] SpawnPageServices s) => Start(c, a, s, user, server)).DisableAntiforgery().RequireSignedIn();
        hub.MapGet("/spawn-pending/{user}", (HttpContext c, string user, [AsParameters] SpawnPageServices s) => Pending(c, s, user, "")).RequireSignedIn();
        hub.MapGet("/spawn-pending/{user}/{server}", (HttpContext c, string user, string server, [AsParameters] SpawnPageServices s) => Pending(c, s, user, server)).RequireSignedIn();
        hub.MapPost("/stop/{user}", (HttpContext c, IAntiforgery a, string user, [AsParameters] SpawnPageServices s) => Stop(c, a, s, user, "")).DisableAntiforgery().RequireSignedIn();
        hub.MapPost("/stop/{user}/{server}", (HttpContext c, IAntiforgery a, string user, string server, [AsParameters] SpawnPageServices s) => Stop(c, a, s, user, server)).DisableAntiforgery().RequireSignedIn();
        return hub;
    }

    /// <summary>What the pages use, bound per request.</summary>
    internal readonly record struct SpawnPageServices(UserService Users, ISpawner Spawner, ServerStarter Starter, ServerStopper Stopper, SpawnTracker Tracker, HubUrls Urls, IOptions<HubOptions> Options);

    /// <summary>The owner's record when the signed-in user may act on that server (own, or granted <c>servers</c>).</summary>
    internal static async Task<(RequestIdentity? Me, UserRecord? Owner, IResult? Refusal)> OwnerAsync(HttpContext context, UserService users, string? user, string server, string scope)
    {
        // The endpoint requires a signed-in user (RequireSignedIn): the caller is one.
        var me = context.Caller();
        var name = user ?? me.Name;
        var owner = await users.FindAsync(name, context.RequestAborted);
        if (owner is null || me.Scopes.Check(ResourceRef.Server(owner.Name, server, owner.Groups), scope) != ScopeDecision.Allowed)
        {
            return (me, null, Page("Not found", $"<div class=\"card\"><h1>404</h1><p>No server {E(name)}{(server.Length > 0 ? "/" + E(server) : "")} that you may use.</p></div>", me.Name, 404));
        }
        if (server.Length > 0 && !Names.IsValid(server))
        {
            return (me, null, Page("Bad name", $"<div class=\"card\"><p class=\"error\">Invalid server name.</p></div>", me.Name, 400));
        }
        return (me, owner, null);
    }

    private static async Task<IResult> Form(HttpContext context, IAntiforgery antiforgery, SpawnPageServices s, string? user, string server)
    {
        var (me, owner, refusal) = await OwnerAsync(context, s.Users, user, server, "servers");
        if (owner is null)
        {
            return refusal!;
        }
        var record = owner.Servers.FirstOrDefault(s => s.Name == server);
        var paths = PathsFor(context, s.Urls, owner.Name, server);
        if (record is { Phase: not ServerPhases.Stopped })
        {
            return Results.Redirect(paths.Pending);
        }
        var spawner = s.Spawner;
        var choices = spawner.Profiles.Count == 0 ? "" : "<fieldset><legend>Choose what to run</legend>" + string.Concat(spawner.Profiles.Select((p, i) =>
            $"<label><input type=\"radio\" name=\"profile\" value=\"{E(p.Name)}\"{(i == 0 ? " checked" : "")}> <strong>{E(p.DisplayName)}</strong> {E(p.Description)}</label>")) + "</fieldset>";
        var body = $"""
            <div class="card">
            <h1>Start {(server.Length > 0 ? "server " + E(server) + " of " : "the server of ")}{E(owner.Name)}</h1>
            <form id="spawn-form" method="post" action="{E(paths.Spawn)}">{Xsrf(context, antiforgery)}
            <input type="hidden" name="next" value="{E(context.Request.Query["next"].ToString())}">
            {choices}
            <p><button id="start" type="submit">Start</button></p>
            </form></div>
            """;
        return Page("Start server", body, me!.Name, logoutForm: Html.LogoutForm(context, antiforgery));
    }

    private static async Task<IResult> Start(HttpContext context, IAntiforgery antiforgery, SpawnPageServices s, string? user, string server)
    {
        var (me, owner, refusal) = await OwnerAsync(context, s.Users, user, server, "servers");
        if (owner is null)
        {
            return refusal!;
        }
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Page("Forbidden", "<div class=\"card\"><p class=\"error\">The form was not sent by this site; please try again.</p></div>", me!.Name, 403);
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var paths = PathsFor(context, s.Urls, owner.Name, server, form["next"].ToString());
        JsonElement? options = null;
        if (form.TryGetValue("profile", out var profile))
        {
            options = JsonSerializer.SerializeToElement(new Dictionary<string, string[]> { ["profile"] = [.. profile.Select(p => p ?? "")] });
        }
        try
        {
            if (server.Length > 0)
            {
                ServersApiRules.CheckNamed(s.Options.Value.Servers, owner, server);
            }
            await s.Starter.StartAsync(owner, server, options, context.RequestAborted);
        }
        catch (HubException ex) when (ex.Kind is HubErrorKind.Invalid or HubErrorKind.TooManyRequests)
        {
            if (owner.Servers.Any(s => s.Name == server && s.Phase != ServerPhases.Stopped))
            {
                return Results.Redirect(paths.Pending);
            }
            return Page("Cannot start", $"<div class=\"card\"><h1>Cannot start the server</h1><p class=\"error\" id=\"spawn-error\">{E(ex.Message)}</p><p><a href=\"/hub/home\">Home</a></p></div>", me!.Name, HubErrorStatus.Of(ex.Kind));
        }
        return Results.Redirect(paths.Pending);
    }

    private static async Task<IResult> Pending(HttpContext context, SpawnPageServices s, string user, string server)
    {
        var (me, owner, refusal) = await OwnerAsync(context, s.Users, user, server, "read:servers");
        if (owner is null)
        {
            return refusal!;
        }
        var record = owner.Servers.FirstOrDefault(s => s.Name == server);
        var paths = PathsFor(context, s.Urls, owner.Name, server, context.Request.Query["next"].ToString());
        var key = new ServerKey(owner.Name, server);
        var tracker = s.Tracker;
        if (record is { Phase: ServerPhases.Running } && tracker.Spawn(key) is not { Completion.IsCompleted: false })
        {
            return Results.Redirect(paths.Next);
        }
        if (record is not { Phase: ServerPhases.Pending } && tracker.LastFailure(key) is { } failure)
        {
            var tail = ServerStarter.LastLines(failure.LogTail, 20);
            var body = $"""
                <div class="card"><h1>Spawn failed</h1><p class="error" id="spawn-error">{E(failure.Message)}</p>
                {(tail.Length > 0 ? $"<p>The server's last output:</p><pre id=\"spawn-log\" style=\"white-space:pre-wrap\">{E(tail)}</pre>" : "")}
                <p><a href="{E(paths.SpawnPage)}">Try again</a> · <a href="/hub/home">Home</a></p></div>
                """;
            return Page("Spawn failed", body, me!.Name, 500);
        }
        if (record is not { Phase: ServerPhases.Pending })
        {
            return Results.Redirect(paths.SpawnPage);
        }
        var progressUrl = s.Urls.ProgressUrl(owner.Name, server);
        var page = $$"""
            <div class="card"><h1>Your server is starting up.</h1>
            <p>You will be redirected automatically when it's ready for you.</p>
            <progress id="progress-bar" max="100" value="0" style="width:100%"></progress>
            <p id="progress-message">Server requested</p>
            <details><summary>Event log</summary><ol id="progress-log"></ol></details>
            </div>
            <script>
            (function () {
              var next = {{JsonSerializer.Serialize(paths.Next)}};
              var source = new EventSource({{JsonSerializer.Serialize(progressUrl)}});
              source.onmessage = function (m) {
                var e = JSON.parse(m.data);
                document.getElementById("progress-bar").value = e.progress || 0;
                var msg = document.getElementById("progress-message");
                if (e.html_message) { msg.innerHTML = e.html_message; } else { msg.textContent = e.message || ""; }
                var li = document.createElement("li"); li.textContent = e.message || ""; document.getElementById("progress-log").appendChild(li);
                if (e.ready) { source.close(); window.location.href = next; }
                if (e.failed) { source.close(); msg.className = "error"; msg.id = "spawn-error"; }
              };
            })();
            </script>
            """;
        return Page("Starting", page, me!.Name);
    }

    private static async Task<IResult> Stop(HttpContext context, IAntiforgery antiforgery, SpawnPageServices s, string user, string server)
    {
        var (me, owner, refusal) = await OwnerAsync(context, s.Users, user, server, "delete:servers");
        if (owner is null)
        {
            return refusal!;
        }
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Page("Forbidden", "<div class=\"card\"><p class=\"error\">The form was not sent by this site; please try again.</p></div>", me!.Name, 403);
        }
        if (owner.Servers.FirstOrDefault(s => s.Name == server) is { } record)
        {
            try
            {
                var stopping = await s.Stopper.StopAsync(owner, record, remove: false, context.RequestAborted);
                await Task.WhenAny(stopping, Task.Delay(s.Options.Value.Servers.SlowStopTimeout, context.RequestAborted));
            }
            catch (HubException ex)
            {
                return Page("Cannot stop", $"<div class=\"card\"><p class=\"error\">{E(ex.Message)}</p><p><a href=\"/hub/home\">Home</a></p></div>", me!.Name, HubErrorStatus.Of(ex.Kind));
            }
        }
        return Results.Redirect("/hub/home");
    }

    private sealed record Paths(string Spawn, string SpawnPage, string Pending, string Next);

    private static Paths PathsFor(HttpContext context, HubUrls urls, string user, string server, string? next = null)
    {
        var suffix = HubUrls.ServerPath(user, server);
        var target = SafeNext(next, urls.ServerUrl(user, server));
        var query = string.IsNullOrEmpty(next) ? "" : "?next=" + Uri.EscapeDataString(target);
        return new Paths(urls.Hub + "spawn/" + suffix, urls.Hub + "spawn/" + suffix + query, urls.Hub + "spawn-pending/" + suffix + query, target);
    }
}
