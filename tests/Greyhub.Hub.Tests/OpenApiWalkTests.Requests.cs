using System.Web;

namespace Greyhub.Hub.Tests;

/// <summary>A valid request for each operation of the document, naming objects made for it first.</summary>
public sealed partial class OpenApiWalkTests
{
    private static Dictionary<string, Func<Task<WalkRequest>>> Recipes(WalkHub w)
    {
        var admin = w.Admin;
        return new()
        {
            ["GET /"] = () => Done(new WalkRequest("/")),
            ["GET /info"] = () => Done(new WalkRequest("/info")),
            ["GET /user"] = () => Done(new WalkRequest("/user")),
            ["GET /users"] = async () => { await w.UserAsync(); return new WalkRequest("/users?include_stopped_servers"); },
            ["POST /users"] = () => Done(new WalkRequest("/users", new { usernames = new[] { Api.Unique("walk"), Api.Unique("walk") } })),
            ["GET /users/{name}"] = async () =>
            {
                var user = await w.UserAsync();
                await w.StartedAsync(user, "");
                return new WalkRequest($"/users/{user}");
            },
            ["POST /users/{name}"] = () => Done(new WalkRequest($"/users/{Api.Unique("walk")}")),
            ["DELETE /users/{name}"] = async () => new WalkRequest($"/users/{await w.UserAsync()}"),
            ["PATCH /users/{name}"] = async () => new WalkRequest($"/users/{await w.UserAsync()}", new { admin = false }),
            ["POST /users/{name}/activity"] = async () =>
                new WalkRequest($"/users/{await w.UserAsync()}/activity", new { last_activity = "2019-02-06T12:54:14Z" }),
            ["POST /users/{name}/server"] = async () =>
            {
                var user = await w.UserAsync();
                w.Started(user, "");
                return new WalkRequest($"/users/{user}/server");
            },
            ["DELETE /users/{name}/server"] = async () =>
            {
                var user = await w.UserAsync();
                await w.StartedAsync(user, "");
                return new WalkRequest($"/users/{user}/server");
            },
            ["POST /users/{name}/servers/{server_name}"] = async () =>
            {
                var user = await w.UserAsync();
                w.Started(user, "lab");
                return new WalkRequest($"/users/{user}/servers/lab", new { });
            },
            ["DELETE /users/{name}/servers/{server_name}"] = async () =>
            {
                var user = await w.UserAsync();
                await w.StartedAsync(user, "lab");
                return new WalkRequest($"/users/{user}/servers/lab", new { remove = true });
            },
            ["GET /users/{name}/shared"] = async () => new WalkRequest($"/users/{(await SharedWithUserAsync(w)).User}/shared"),
            ["GET /users/{name}/shared/{owner}/{server_name}"] = async () =>
            {
                var (owner, user) = await SharedWithUserAsync(w);
                return new WalkRequest($"/users/{user}/shared/{owner}/");
            },
            ["DELETE /users/{name}/shared/{owner}/{server_name}"] = async () =>
            {
                var (owner, user) = await SharedWithUserAsync(w);
                return new WalkRequest($"/users/{user}/shared/{owner}/");
            },
            ["GET /users/{name}/tokens"] = async () =>
            {
                var user = await w.UserAsync();
                await w.TokenAsync(user);
                return new WalkRequest($"/users/{user}/tokens");
            },
            ["POST /users/{name}/tokens"] = async () =>
                new WalkRequest($"/users/{await w.UserAsync()}/tokens", new { note = "walk", expires_in = 3600, scopes = new[] { "read:users:name!user" } }),
            ["GET /users/{name}/tokens/{token_id}"] = async () =>
            {
                var user = await w.UserAsync();
                return new WalkRequest($"/users/{user}/tokens/{(await w.TokenAsync(user)).Id}");
            },
            ["DELETE /users/{name}/tokens/{token_id}"] = async () =>
            {
                var user = await w.UserAsync();
                return new WalkRequest($"/users/{user}/tokens/{(await w.TokenAsync(user)).Id}");
            },
            ["GET /groups"] = async () => { await w.GroupAsync(); return new WalkRequest("/groups"); },
            ["GET /groups/{name}"] = async () => new WalkRequest($"/groups/{await w.GroupAsync(await w.UserAsync())}"),
            ["POST /groups/{name}"] = () => Done(new WalkRequest($"/groups/{Api.Unique("walkers")}")),
            ["DELETE /groups/{name}"] = async () => new WalkRequest($"/groups/{await w.GroupAsync()}"),
            ["GET /groups/{name}/shared"] = async () => new WalkRequest($"/groups/{(await SharedWithGroupAsync(w)).Group}/shared"),
            ["GET /groups/{name}/shared/{owner}/{server_name}"] = async () =>
            {
                var (owner, group) = await SharedWithGroupAsync(w);
                return new WalkRequest($"/groups/{group}/shared/{owner}/");
            },
            ["DELETE /groups/{name}/shared/{owner}/{server_name}"] = async () =>
            {
                var (owner, group) = await SharedWithGroupAsync(w);
                return new WalkRequest($"/groups/{group}/shared/{owner}/");
            },
            ["POST /groups/{name}/users"] = async () => new WalkRequest($"/groups/{await w.GroupAsync()}/users", new { users = new[] { await w.UserAsync() } }),
            ["DELETE /groups/{name}/users"] = async () =>
            {
                var user = await w.UserAsync();
                return new WalkRequest($"/groups/{await w.GroupAsync(user)}/users", new { users = new[] { user } });
            },
            ["PUT /groups/{name}/properties"] = async () => new WalkRequest($"/groups/{await w.GroupAsync()}/properties", new { course = "walk", size = 3 }),
            ["GET /shares/{owner}"] = async () => new WalkRequest($"/shares/{(await SharedWithUserAsync(w)).Owner}"),
            ["GET /shares/{owner}/{server_name}"] = async () => new WalkRequest($"/shares/{(await SharedWithUserAsync(w)).Owner}/"),
            ["POST /shares/{owner}/{server_name}"] = async () =>
                new WalkRequest($"/shares/{await w.UserAsync()}/", new { user = await w.UserAsync() }),
            ["PATCH /shares/{owner}/{server_name}"] = async () =>
            {
                // Revoking one of two scopes leaves a share to answer with.
                var owner = await w.UserAsync();
                var user = await w.UserAsync();
                (await admin.PostApiAsync($"hub/api/shares/{owner}/", new { user, scopes = new[] { $"access:servers!server={owner}/", $"read:servers!server={owner}/" } })).Is(200);
                return new WalkRequest($"/shares/{owner}/", new { user, scopes = new[] { $"read:servers!server={owner}/" } });
            },
            ["DELETE /shares/{owner}/{server_name}"] = async () => new WalkRequest($"/shares/{(await SharedWithUserAsync(w)).Owner}/"),
            ["GET /share-codes/{owner}"] = async () => new WalkRequest($"/share-codes/{(await ShareCodeAsync(w)).Owner}"),
            ["GET /share-codes/{owner}/{server_name}"] = async () => new WalkRequest($"/share-codes/{(await ShareCodeAsync(w)).Owner}/"),
            ["POST /share-codes/{owner}/{server_name}"] = async () => new WalkRequest($"/share-codes/{await w.UserAsync()}/", new { expires_in = 3600 }),
            ["DELETE /share-codes/{owner}/{server_name}"] = async () =>
            {
                var (owner, id) = await ShareCodeAsync(w);
                return new WalkRequest($"/share-codes/{owner}/?id={Uri.EscapeDataString(id)}");
            },
            ["GET /services"] = () => Done(new WalkRequest("/services")),
            ["GET /services/{name}"] = () => Done(new WalkRequest("/services/walk-service")),
            ["GET /proxy"] = async () =>
            {
                await w.StartedAsync(await w.UserAsync(), "");
                return new WalkRequest("/proxy");
            },
            ["POST /proxy"] = () => Done(new WalkRequest("/proxy")),
            ["PATCH /proxy"] = () => Done(new WalkRequest("/proxy", new { })),
            ["POST /authorizations/token"] = () => Done(new WalkRequest("/authorizations/token", new { })),
            ["GET /authorizations/token/{token}"] = async () => new WalkRequest($"/authorizations/token/{(await w.TokenAsync(await w.UserAsync())).Token}"),
            ["GET /authorizations/cookie/{cookie_name}/{cookie_value}"] = async () =>
            {
                var user = await w.UserAsync();
                await w.Hub.SetPasswordAsync(user, "walk-password-1");
                using var browser = new Browser(w.Hub);
                await browser.LoginAsync(user, "walk-password-1");
                var cookie = browser.Cookies.GetCookies(new Uri(w.Hub.Address, "hub/"))["jupyterhub-hub-login"]!;
                return new WalkRequest($"/authorizations/cookie/{cookie.Name}/{Uri.EscapeDataString(cookie.Value)}");
            },
            ["GET /oauth2/authorize"] = () => Done(new WalkRequest("/oauth2/authorize?client_id=service-walk-service&response_type=code&state=walk"
                // A service's client asks for consent: the page answers 200 (a user's own server would redirect at once).
                + "&redirect_uri=" + Uri.EscapeDataString("/services/walk-service/oauth_callback"))),
            ["POST /oauth2/token"] = async () =>
            {
                var user = await w.UserAsync();
                var client = await OAuthTesting.RegisterAsync(w.Hub, user);
                var answer = await w.Hub.Client(await w.Hub.TokenForAsync(user)).GetApiAsync(OAuthTesting.AuthorizeUrl(client));
                Assert.True(answer.Code == 302, $"authorize for the token request: {answer}");
                var location = answer.Headers.Location!.OriginalString;
                var code = HttpUtility.ParseQueryString(location[(location.IndexOf('?', StringComparison.Ordinal) + 1)..])["code"]!;
                return new WalkRequest("/oauth2/token", Token: client.Secret, Form:
                [
                    new("client_id", client.Id), new("client_secret", client.Secret), new("grant_type", "authorization_code"),
                    new("code", code), new("redirect_uri", client.RedirectUri),
                ]);
            },
            ["POST /shutdown"] = async () =>
            {
                await w.StopAllAsync();
                return new WalkRequest("/shutdown", new { proxy = false, servers = false });
            },
        };
    }

    private static Task<WalkRequest> Done(WalkRequest request) => Task.FromResult(request);

    private static async Task<(string Owner, string User)> SharedWithUserAsync(WalkHub w)
    {
        var owner = await w.UserAsync();
        var user = await w.UserAsync();
        await w.ShareAsync(owner, user: user);
        return (owner, user);
    }

    private static async Task<(string Owner, string Group)> SharedWithGroupAsync(WalkHub w)
    {
        var owner = await w.UserAsync();
        var group = await w.GroupAsync(await w.UserAsync());
        await w.ShareAsync(owner, group: group);
        return (owner, group);
    }

    private static async Task<(string Owner, string Id)> ShareCodeAsync(WalkHub w)
    {
        var owner = await w.UserAsync();
        var code = (await w.Admin.PostApiAsync($"hub/api/share-codes/{owner}/", new { expires_in = 3600 })).Is(200).Root;
        return (owner, code.GetProperty("id").ToString());
    }
}
