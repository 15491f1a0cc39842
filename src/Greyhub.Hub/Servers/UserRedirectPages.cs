using Greyhub.Abstractions.Compute;
using Greyhub.Data.Entities;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Greyhub.Hub.Pages;

namespace Greyhub.Hub.Servers;

/// <summary>
/// <c>/hub/user/{name}/[{server}/]...</c>: where the proxy sends a <c>/user/...</c> path that has no route. A running
/// server gets a redirect back to <c>/user/...</c> (bounded by <c>redirects</c>, JupyterHub's loop guard); a stopped one
/// the 424 page (JSON for API paths) that offers to start it.
/// </summary>
internal static class UserRedirectPages
{
    private const int MaxRedirects = 3;

    public static IEndpointRouteBuilder MapUserRedirectPages(this IEndpointRouteBuilder hub)
    {
        // Pages, but scripts reach them with a token too (JupyterHub authenticates page handlers by token as well).
        hub.Map("/user/{user}/{**rest}", Handle).RequireCaller();
        hub.Map("/user-redirect/{**rest}", UserRedirect).RequireSignedIn();
        return hub;
    }

    /// <summary>
    /// A <c>{base}user/...</c> request no route took (the in-process proxy let it through): as JupyterHub, it goes to
    /// <c>{base}hub/user/...</c>, which knows whether to start the server or explain.
    /// </summary>
    public static IEndpointRouteBuilder MapUnroutedUserPaths(this IEndpointRouteBuilder app, HubUrls urls)
    {
        var prefix = urls.Base + "user";
        app.Map(prefix + "/{**rest}", (HttpContext context) =>
        {
            var path = context.Request.Path.Value ?? "";
            if (path.Length <= prefix.Length)
            {
                return Results.NotFound();
            }
            if (context.Features.Get<IHttpRequestFeature>()?.RawTarget.Contains('#', StringComparison.Ordinal) == true)
            {
                // Kestrel takes a fragment in the request target, which no request target may hold (RFC 9112 3.2).
                return Results.BadRequest();
            }
            return Results.Redirect(urls.Hub + "user" + path[prefix.Length..] + context.Request.QueryString);
        }).AllowAnonymous();
        return app;
    }

    private static IResult UserRedirect(HttpContext context, HubUrls urls, string? rest)
    {
        // The endpoint requires a signed-in user (RequireSignedIn): the caller is one.
        var me = context.Caller();
        return Results.Redirect(urls.ServerUrl(me.Name, "") + (rest ?? "") + context.Request.QueryString);
    }

    private static async Task<IResult> Handle(HttpContext context, HubUrls urls, UserService users, ServerRoutes routes, ServerChecks checks, ISpawner spawner, string user, string? rest)
    {
        // A page, but scripts reach it with a token too (JupyterHub authenticates page handlers by token as well).
        if (context.Identity() is not { IsUser: true } me)
        {
            context.SignedIn(out var login);
            return login!;
        }
        var owner = await users.FindAsync(user, context.RequestAborted);
        rest ??= "";
        // A named server when the first segment names one of the owner's servers.
        var server = "";
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? rest : rest[..slash];
        if (first.Length > 0 && owner?.Servers.Any(s => s.Name == first) == true)
        {
            server = first;
            rest = slash < 0 ? "" : rest[(slash + 1)..];
        }
        var target = urls.ServerUrl(user, server) + rest;
        var isApi = rest.StartsWith("api/", StringComparison.Ordinal) || rest == "api";
        var record = owner?.Servers.FirstOrDefault(s => s.Name == server);
        if (record is not null && checks.IsChecking(record.Id))
        {
            // The hub restarted and is still re-adopting this server: answer once its check is done (its route is back,
            // or it is stopped with its reason), by asking again.
            await checks.WhenCheckedAsync(record.Id, context.RequestAborted);
            return Results.Redirect((context.Request.PathBase + context.Request.Path).ToUriComponent() + context.Request.QueryString);
        }
        if (owner is not null && record is { Phase: ServerPhases.Running } && await routes.ExistsAsync(owner.Name, server, context.RequestAborted))
        {
            _ = int.TryParse(context.Request.Query["redirects"], out var redirects);
            if (redirects < MaxRedirects)
            {
                var query = QueryString.Create(context.Request.Query.Where(q => q.Key != "redirects").Append(new("redirects", (redirects + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))));
                return Results.Redirect(target + query);
            }
            return HubPage.Error(StatusCodes.Status500InternalServerError, $"The server at {target} could not be reached after {MaxRedirects} tries.", "Redirect loop");
        }
        if (owner is not null && record is { Phase: ServerPhases.Pending })
        {
            return Results.Redirect(urls.Hub + "spawn-pending/" + HubUrls.ServerPath(owner.Name, server) + "?next=" + Uri.EscapeDataString(target));
        }
        var spawnUrl = urls.Hub + "spawn/" + HubUrls.ServerPath(user, server) + "?next=" + Uri.EscapeDataString(target);
        if (isApi)
        {
            return Results.Json(new Dictionary<string, object>
            {
                ["status"] = 424,
                ["message"] = $"JupyterHub server no longer running at {target}. Restart the server at {spawnUrl}",
            }, statusCode: StatusCodes.Status424FailedDependency);
        }
        return HubPage.Render<NotRunningPage>(new Dictionary<string, object?>
        {
            [nameof(NotRunningPage.OwnerName)] = user,
            [nameof(NotRunningPage.Mine)] = me.Name == user,
            [nameof(NotRunningPage.Target)] = target,
            [nameof(NotRunningPage.StopReason)] = record?.StopReason,
            [nameof(NotRunningPage.SpawnAction)] = urls.Hub + "spawn/" + HubUrls.ServerPath(user, server),
            [nameof(NotRunningPage.SpawnPage)] = spawnUrl,
            [nameof(NotRunningPage.OneClick)] = !SpawnPages.NeedsChoice(spawner),
            [nameof(NotRunningPage.Profile)] = spawner.Profiles.Count == 1 ? spawner.Profiles[0].Name : null,
        }, StatusCodes.Status424FailedDependency);
    }
}
