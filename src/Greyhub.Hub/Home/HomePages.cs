using Greyhub.Data;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Pages;
using Greyhub.Hub.Servers;
using Greyhub.Hub.Sharing;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Greyhub.Hub.Home;

/// <summary><c>/hub/home</c> (the user's servers; its form creates a named server) and the redirects to it.</summary>
internal static class HomePages
{
    public static IEndpointRouteBuilder MapHomePages(this IEndpointRouteBuilder hub)
    {
        hub.MapGet("/", () => Results.Redirect("/hub/home")).AllowAnonymous();
        hub.MapGet("/home", Home).RequireSignedIn();
        hub.MapPost("/home", NewServer).DisableAntiforgery().RequireSignedIn();
        return hub.MapHomeShareForms();
    }

    /// <summary>What the home page shows besides the servers: sharing and services.</summary>
    internal readonly record struct HomeExtras(ShareService Shares, ShareCodes Codes, ServiceCatalog Catalog);

    private static async Task<IResult> Home(HttpContext context, [AsParameters] SpawnPages.SpawnPageServices s, [AsParameters] HomeExtras extras)
    {
        // The endpoint requires a signed-in user (RequireSignedIn): the caller is one.
        var user = await s.Users.FindAsync(context.Caller().Name, context.RequestAborted);
        return user is null ? Results.Redirect(s.Urls.Hub + "logout") : await RenderAsync(context, user, extras);
    }

    /// <summary>
    /// The home page's "new named server" form: a name that breaks the rules comes back to the page with the reason
    /// next to the field; a good one starts at once when there is nothing to choose, else goes to the spawn page.
    /// </summary>
    private static async Task<IResult> NewServer(
        HttpContext context, IAntiforgery antiforgery, [AsParameters] SpawnPages.SpawnPageServices s, [AsParameters] HomeExtras extras)
    {
        var user = await s.Users.FindAsync(context.Caller().Name, context.RequestAborted);
        if (user is null)
        {
            return Results.Redirect(s.Urls.Hub + "logout");
        }
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return await RenderAsync(context, user, extras, "The form was not sent by this site; reload the page and try again.", "", status: StatusCodes.Status403Forbidden);
        }
        var name = (await context.Request.ReadFormAsync(context.RequestAborted))["server_name"].ToString().Trim();
        var options = s.Options.Value.Servers;
        var error = name switch
        {
            _ when !options.AllowNamedServers => "Named servers are not enabled on this hub.",
            "" => "Give the new server a name.",
            _ when Names.Problem(name) is { } problem => $"\"{(name.Length > 60 ? name[..60] + "…" : name)}\" cannot be a server name: it {problem}.",
            _ when user.Servers.Any(x => x.Name == name) => $"You already have a server named {name}: use its buttons in the list above.",
            _ when options.NamedServerLimitPerUser > 0 && user.Servers.Count(x => x.Name.Length > 0) >= options.NamedServerLimitPerUser =>
                $"You already have the most named servers allowed ({options.NamedServerLimitPerUser}). Delete one to make room.",
            _ => null,
        };
        if (error is not null)
        {
            return await RenderAsync(context, user, extras, error, name.Length > 255 ? "" : name, status: StatusCodes.Status400BadRequest);
        }
        if (SpawnPages.NeedsChoice(s.Spawner))
        {
            return Results.Redirect(s.Urls.Hub + "spawn/" + HubUrls.ServerPath(user.Name, name));
        }
        string[] profile = s.Spawner.Profiles.Count == 1 ? [s.Spawner.Profiles[0].Name] : [];
        return await SpawnPages.StartAsync(context, s, user, name, profile, next: null);
    }

    /// <summary>The home page of <paramref name="user"/> as the caller may see it, with a form's error or a sharing notice.</summary>
    internal static async Task<IResult> RenderAsync(HttpContext context, UserRecord user, HomeExtras extras, string? error = null, string? newName = null,
        SharingNotice? notice = null, int status = StatusCodes.Status200OK)
    {
        var caller = context.Caller();
        var sharing = await HomeSharing.LoadAsync(caller, user, extras.Shares, extras.Codes, notice, context.RequestAborted);
        return HubPage.Render<HomePage>(new Dictionary<string, object?>
        {
            [nameof(HomePage.User)] = user,
            [nameof(HomePage.Error)] = error,
            [nameof(HomePage.NewName)] = newName,
            [nameof(HomePage.Sharing)] = sharing,
            [nameof(HomePage.Services)] = extras.Catalog.ShownTo(caller.Scopes),
        }, status);
    }
}
