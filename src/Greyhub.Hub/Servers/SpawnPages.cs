using System.Text.Json;
using Greyhub.Abstractions.Compute;
using Greyhub.Data;
using Greyhub.Data.Entities;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Hub.Pages;
using Greyhub.Hub.Users;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using static Greyhub.Hub.Http.Redirects;

namespace Greyhub.Hub.Servers;

/// <summary>
/// <c>/hub/spawn</c> (choose a profile, start), <c>/hub/spawn-pending</c> (live progress bar from the progress
/// stream, or the failure in full) and <c>/hub/stop</c> (stop, or delete a named server). Starting and stopping are
/// XSRF-checked POSTs; a GET never starts anything.
/// </summary>
internal static class SpawnPages
{
    private const string ForgedForm = "The form was not sent by this site; reload the page and try again.";

    public static IEndpointRouteBuilder MapSpawnPages(this IEndpointRouteBuilder hub)
    {
        hub.MapGet("/spawn", (HttpContext c, [AsParameters] SpawnPageServices s) => Form(c, s, null, "")).RequireSignedIn();
        hub.MapGet("/spawn/{user}", (HttpContext c, string user, [AsParameters] SpawnPageServices s) => Form(c, s, user, "")).RequireSignedIn();
        hub.MapGet("/spawn/{user}/{server}", (HttpContext c, string user, string server, [AsParameters] SpawnPageServices s) => Form(c, s, user, server)).RequireSignedIn();
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
    internal readonly record struct SpawnPageServices(UserService Users, ISpawner Spawner, ServerStarter Starter, ServerStopper Stopper, SpawnTracker Tracker, HubUrls Urls, IOptions<HubOptions> Options, AuditLog Audit);

    /// <summary>Whether starting asks the user anything: when there are profiles to choose between, or the spawner has its own form.</summary>
    public static bool NeedsChoice(ISpawner spawner) => spawner.Profiles.Count > 1 || spawner is ISpawnerOptionsForm { MayAskOptions: true };

    /// <summary>The owner's record when the signed-in user may act on that server (own, or granted <c>servers</c>).</summary>
    internal static async Task<(RequestIdentity? Me, UserRecord? Owner, IResult? Refusal)> OwnerAsync(HttpContext context, UserService users, string? user, string server, string scope)
    {
        // The endpoint requires a signed-in user (RequireSignedIn): the caller is one.
        var me = context.Caller();
        var name = user ?? me.Name;
        var owner = await users.FindAsync(name, context.RequestAborted);
        if (owner is null || me.Scopes.Check(ResourceRef.Server(owner.Name, server, owner.Groups), scope) != ScopeDecision.Allowed)
        {
            return (me, null, HubPage.Error(StatusCodes.Status404NotFound, $"There is no server {name}{(server.Length > 0 ? "/" + server : "")} that you may use."));
        }
        if (server.Length > 0 && !Names.IsValid(server))
        {
            return (me, null, HubPage.Error(StatusCodes.Status400BadRequest, $"\"{server}\" is not a valid server name. {Names.ServerRules}", "Invalid server name"));
        }
        return (me, owner, null);
    }

    private static async Task<IResult> Form(HttpContext context, SpawnPageServices s, string? user, string server)
    {
        var (me, owner, refusal) = await OwnerAsync(context, s.Users, user, server, "servers");
        if (owner is null)
        {
            return refusal!;
        }
        var paths = PathsFor(s.Urls, owner.Name, server, context.Request.Query["next"].ToString());
        if (owner.Servers.FirstOrDefault(s => s.Name == server) is { Phase: not ServerPhases.Stopped })
        {
            return Results.Redirect(paths.Pending);
        }
        string? optionsForm;
        try
        {
            optionsForm = await SpawnerOptionsForms.HtmlAsync(s.Spawner, owner, server, context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HubPage.Error(StatusCodes.Status502BadGateway, "The spawner's options form could not be shown: " + ex.Message, "The server could not start", "spawn-error");
        }
        return HubPage.Render<SpawnPage>(new
        {
            OwnerName = owner.Name,
            ServerName = server,
            Mine = owner.Name == me!.Name,
            Action = paths.Spawn,
            Next = context.Request.Query["next"].ToString(),
            OptionsForm = optionsForm,
        });
    }

    private static async Task<IResult> Start(HttpContext context, IAntiforgery antiforgery, SpawnPageServices s, string? user, string server)
    {
        var (_, owner, refusal) = await OwnerAsync(context, s.Users, user, server, "servers");
        if (owner is null)
        {
            return refusal!;
        }
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return HubPage.Error(StatusCodes.Status403Forbidden, ForgedForm);
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        JsonElement? fromForm;
        try
        {
            fromForm = await SpawnerOptionsForms.UserOptionsAsync(s.Spawner, owner, server, form, context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HubPage.Error(StatusCodes.Status400BadRequest, "The spawner did not accept the form: " + ex.Message, "The server could not start", "spawn-error");
        }
        if (fromForm is { } options)
        {
            return await StartAsync(context, s, owner, server, options, form["next"].ToString());
        }
        return await StartAsync(context, s, owner, server, form["profile"], form["next"].ToString());
    }

    /// <summary>Starts a server (profile from the form, if any) and goes to its progress page; a refusal is a page that says why.</summary>
    internal static Task<IResult> StartAsync(HttpContext context, SpawnPageServices s, UserRecord owner, string server, IEnumerable<string?> profile, string? next) =>
        StartAsync(context, s, owner, server,
            profile.Any() ? JsonSerializer.SerializeToElement(new Dictionary<string, string[]> { ["profile"] = [.. profile.Select(p => p ?? "")] }) : null,
            next);

    /// <summary>Starts a server with these <c>user_options</c> and goes to its progress page; a refusal is a page that says why.</summary>
    private static async Task<IResult> StartAsync(HttpContext context, SpawnPageServices s, UserRecord owner, string server, JsonElement? options, string? next)
    {
        var paths = PathsFor(s.Urls, owner.Name, server, next);
        try
        {
            if (server.Length > 0)
            {
                ServersApiRules.CheckNamed(s.Options.Value.Servers, owner, server);
            }
            await s.Starter.StartAsync(owner, server, options, context.RequestAborted);
            s.Audit.Record(context, AuditActions.ServerStart, owner.Name, server);
        }
        catch (HubException ex) when (ex.Kind is HubErrorKind.Invalid or HubErrorKind.TooManyRequests or HubErrorKind.Forbidden)
        {
            if (owner.Servers.Any(s => s.Name == server && s.Phase != ServerPhases.Stopped))
            {
                return Results.Redirect(paths.Pending);
            }
            return HubPage.Error(HubErrorStatus.Of(ex.Kind), ex.Message, "The server could not start", "spawn-error");
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
        var next = context.Request.Query["next"].ToString();
        var paths = PathsFor(s.Urls, owner.Name, server, next);
        var key = new ServerKey(owner.Name, server);
        if (record is { Phase: ServerPhases.Running } && s.Tracker.Spawn(key) is not { Completion.IsCompleted: false })
        {
            return Results.Redirect(paths.Next);
        }
        var failure = record is not { Phase: ServerPhases.Pending } ? s.Tracker.LastFailure(key) : null;
        if (failure is null && record is not { Phase: ServerPhases.Pending })
        {
            return Results.Redirect(paths.SpawnPage);
        }
        var parameters = new Dictionary<string, object?>
        {
            [nameof(SpawnPendingPage.OwnerName)] = owner.Name,
            [nameof(SpawnPendingPage.ServerName)] = server,
            [nameof(SpawnPendingPage.Mine)] = owner.Name == me!.Name,
            [nameof(SpawnPendingPage.ProgressUrl)] = s.Urls.ProgressUrl(owner.Name, server),
            [nameof(SpawnPendingPage.Next)] = paths.Next,
            [nameof(SpawnPendingPage.RetryUrl)] = paths.SpawnPage,
            [nameof(SpawnPendingPage.FailureMessage)] = failure?.Message,
            [nameof(SpawnPendingPage.FailureLog)] = failure is null ? null : ServerStarter.LastLines(failure.LogTail, 40),
            // The latest word on the start (its place in line while it waits), so the page says it before the stream does.
            [nameof(SpawnPendingPage.Message)] = s.Tracker.Spawn(key)?.LastMessage ?? "Server requested",
        };
        return HubPage.Render<SpawnPendingPage>(parameters, failure is null ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError);
    }

    private static async Task<IResult> Stop(HttpContext context, IAntiforgery antiforgery, SpawnPageServices s, string user, string server)
    {
        var (_, owner, refusal) = await OwnerAsync(context, s.Users, user, server, "delete:servers");
        if (owner is null)
        {
            return refusal!;
        }
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return HubPage.Error(StatusCodes.Status403Forbidden, ForgedForm);
        }
        // "remove": delete a named server (JupyterHub's DELETE .../servers/NAME with remove), stopping it first.
        var remove = server.Length > 0 && (await context.Request.ReadFormAsync(context.RequestAborted))["remove"] == "true";
        if (owner.Servers.FirstOrDefault(s => s.Name == server) is { } record)
        {
            try
            {
                var stopping = await s.Stopper.StopAsync(owner, record, remove, context.RequestAborted);
                if (record.Phase != ServerPhases.Stopped)
                {
                    s.Audit.Record(context, AuditActions.ServerStop, owner.Name, server, remove ? "removed" : null);
                }
                await Task.WhenAny(stopping, Task.Delay(s.Options.Value.Servers.SlowStopTimeout, context.RequestAborted));
            }
            catch (HubException ex)
            {
                return HubPage.Error(HubErrorStatus.Of(ex.Kind), ex.Message, "The server could not stop");
            }
        }
        return Results.Redirect(s.Urls.Hub + "home");
    }

    /// <summary>The form's target, the spawn page, the progress page and where a ready server sends the browser.</summary>
    internal sealed record Paths(string Spawn, string SpawnPage, string Pending, string Next);

    internal static Paths PathsFor(HubUrls urls, string user, string server, string? next = null)
    {
        var suffix = HubUrls.ServerPath(user, server);
        var target = SafeNext(next, urls.ServerUrl(user, server));
        var query = string.IsNullOrEmpty(next) ? "" : "?next=" + Uri.EscapeDataString(target);
        return new Paths(urls.Hub + "spawn/" + suffix, urls.Hub + "spawn/" + suffix + query, urls.Hub + "spawn-pending/" + suffix + query, target);
    }
}
