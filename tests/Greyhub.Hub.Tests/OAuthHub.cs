using System.Net.Http.Headers;
using System.Text.Json;
using Greyhub.Hub.OAuth;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>A server's OAuth client as the servers code registers it.</summary>
public sealed record ServerClient(string Id, string Secret, string RedirectUri);

/// <summary>One hub shared by the OAuth provider tests of a class; each test makes its own users and clients.</summary>
public sealed class OAuthHub : IAsyncLifetime
{
    public const string Password = "correct-horse-1";

    public HubInstance Hub { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Hub = await HubInstance.StartAsync();

    public async ValueTask DisposeAsync() => await Hub.DisposeAsync();

    public Task<string> UserAsync(string prefix, bool admin = false) => OAuthTesting.UserAsync(Hub, prefix, admin);

    public Task<Browser> SignedInAsync(string user) => OAuthTesting.SignedInAsync(Hub, user);

    public Task<ServerClient> ServerClientAsync(string user, string server = "") => OAuthTesting.RegisterAsync(Hub, user, server);
}

/// <summary>Steps of the OAuth code flow as <c>jupyterhub-singleuser</c> takes them.</summary>
public static class OAuthTesting
{
    public static async Task<string> UserAsync(HubInstance hub, string prefix, bool admin = false)
    {
        var name = Api.Unique(prefix);
        await hub.SetPasswordAsync(name, OAuthHub.Password, admin);
        return name;
    }

    public static async Task<Browser> SignedInAsync(HubInstance hub, string user)
    {
        var browser = new Browser(hub);
        await browser.LoginAsync(user, OAuthHub.Password);
        return browser;
    }

    /// <summary>Registers a server's client exactly as the servers code will.</summary>
    public static async Task<ServerClient> RegisterAsync(HubInstance hub, string user, string server = "")
    {
        var id = "jupyterhub-user-" + Uri.EscapeDataString(user) + (server.Length > 0 ? "-" + Uri.EscapeDataString(server) : "");
        var prefix = server.Length > 0 ? $"/user/{user}/{server}/" : $"/user/{user}/";
        var client = new ServerClient(id, Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()), prefix + "oauth_callback");
        await using var scope = hub.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<OAuthClients>()
            .UpsertAsync(client.Id, client.Secret, client.RedirectUri, "Server at " + prefix, [$"access:servers!server={user}/{server}"], Api.Ct);
        return client;
    }

    public static async Task RemoveAsync(HubInstance hub, string clientId)
    {
        await using var scope = hub.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<OAuthClients>().RemoveAsync(clientId, Api.Ct);
    }

    public static string AuthorizeUrl(ServerClient client, string? state = "st", string? redirectUri = null, string responseType = "code") =>
        "hub/api/oauth2/authorize?client_id=" + Uri.EscapeDataString(client.Id)
        + "&redirect_uri=" + Uri.EscapeDataString(redirectUri ?? client.RedirectUri)
        + "&response_type=" + Uri.EscapeDataString(responseType)
        + (state is null ? "" : "&state=" + Uri.EscapeDataString(state));

    /// <summary>Authorizes the client for the signed-in browser with no consent page; returns the code.</summary>
    public static async Task<string> CodeAsync(Browser browser, ServerClient client, string state = "st")
    {
        var page = await browser.GetAsync(AuthorizeUrl(client, state));
        Assert.True(page.Status == 302, $"authorize: {page}");
        Assert.StartsWith(client.RedirectUri + "?", page.Location);
        Assert.Equal(state, page.LocationQuery["state"]);
        return page.LocationQuery["code"];
    }

    /// <summary>The token request of <c>jupyterhub-singleuser</c>: its own token in the header, the client's credentials in the form.</summary>
    public static Task<ApiResponse> ExchangeAsync(HubInstance hub, ServerClient client, string code, string? secret = null, string? redirectUri = null) =>
        PostTokenAsync(hub.Client(client.Secret),
            ("client_id", client.Id), ("client_secret", secret ?? client.Secret), ("grant_type", "authorization_code"),
            ("code", code), ("redirect_uri", redirectUri ?? client.RedirectUri));

    /// <summary>The whole flow for a signed-in owner; returns the access token.</summary>
    public static async Task<string> AccessTokenAsync(HubInstance hub, Browser browser, ServerClient client)
    {
        var code = await CodeAsync(browser, client);
        return (await ExchangeAsync(hub, client, code)).Is(200).Root.GetProperty("access_token").GetString()!;
    }

    public static async Task<ApiResponse> PostTokenAsync(HttpClient http, params (string Name, string Value)[] fields)
    {
        using var content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        return await PostTokenAsync(http, content);
    }

    public static async Task<ApiResponse> PostTokenAsync(HttpClient http, HttpContent content, AuthenticationHeaderValue? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "hub/api/oauth2/token") { Content = content };
        if (authorization is not null)
        {
            request.Headers.Authorization = authorization;
        }
        using var response = await http.SendAsync(request, Api.Ct);
        var text = await response.Content.ReadAsStringAsync(Api.Ct);
        JsonElement? json = text.Length > 0 && text[0] == '{' ? JsonDocument.Parse(text).RootElement.Clone() : null;
        return new ApiResponse(response.StatusCode, text, json, response.Headers, response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Asserts an RFC 6749 §5.2 error that is also a JupyterHub error body, sent with <c>Cache-Control: no-store</c>.</summary>
    public static ApiResponse IsOAuthError(this ApiResponse response, int status, string error)
    {
        response.Is(status);
        Assert.Equal(error, response.Root.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(response.Root.GetProperty("error_description").GetString()));
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "");
        return response;
    }
}
