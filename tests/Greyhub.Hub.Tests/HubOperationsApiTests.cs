using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Greyhub.Hub.Tests;

/// <summary>
/// JupyterHub's operator endpoints the OpenAPI walk found missing (<c>/hub/api/proxy</c> is in ProxyApiTests): <c>/hub/api/shutdown</c> and
/// the deprecated <c>/hub/api/authorizations/cookie/{name}/{value}</c>, each with JupyterHub's answers.
/// </summary>
public sealed class HubOperationsApiTests
{
    [Fact]
    public async Task Shutdown_answers_202_and_then_stops_the_hub()
    {
        await using var hub = await HubInstance.StartAsync();
        var admin = hub.Client(hub.AdminToken);
        (await admin.PostApiAsync("hub/api/shutdown", new { proxy = "yes" })).Is(400);
        (await hub.Client(await hub.ScopedTokenAsync("admin", "read:users")).PostApiAsync("hub/api/shutdown")).Is(403);
        var lifetime = hub.Services.GetRequiredService<IHostApplicationLifetime>();
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);

        var stopping = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        var answer = (await admin.PostApiAsync("hub/api/shutdown", new { proxy = false, servers = false })).Is(202);
        Assert.Equal("Shutting down Hub", answer.Root.GetProperty("message").GetString());
        await stopping.Task.WaitAsync(TimeSpan.FromSeconds(60), Api.Ct);
    }

    [Fact]
    public async Task The_cookie_api_names_the_login_cookies_user_for_a_token_and_nobody_else()
    {
        await using var hub = await HubInstance.StartAsync();
        var admin = hub.Client(hub.AdminToken);
        var bob = Api.Unique("bob");
        await hub.SetPasswordAsync(bob, "bob-password-1");
        using var browser = new Browser(hub);
        await browser.LoginAsync(bob, "bob-password-1");
        var cookie = browser.Cookies.GetCookies(new Uri(hub.Address, "hub/"))["jupyterhub-hub-login"]!;
        var path = $"hub/api/authorizations/cookie/jupyterhub-hub-login/{Uri.EscapeDataString(cookie.Value)}";

        var model = (await admin.GetApiAsync(path)).Is(200).Root;
        Assert.Equal(bob, model.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.False, model.GetProperty("admin").ValueKind);
        // A browser session may not look cookies up (JupyterHub's @token_authenticated); only the login cookie names anyone.
        using (var viaCookie = await browser.Client.GetAsync(path, Api.Ct))
        {
            Assert.Equal(403, (int)viaCookie.StatusCode);
        }
        (await admin.GetApiAsync($"hub/api/authorizations/cookie/jupyterhub-session-id/{Uri.EscapeDataString(cookie.Value)}")).Is(404);
        (await admin.GetApiAsync("hub/api/authorizations/cookie/jupyterhub-hub-login/not-a-cookie")).Is(404);

        // A deleted user's cookie names nobody.
        (await admin.DeleteApiAsync($"hub/api/users/{bob}")).Is(204);
        (await admin.GetApiAsync(path)).Is(404);
    }
}
