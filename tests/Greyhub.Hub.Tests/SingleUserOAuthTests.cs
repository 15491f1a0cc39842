using System.Diagnostics;
using Greyhub.Hub.OAuth;
using Greyhub.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Greyhub.Hub.Tests.OAuthTesting;

namespace Greyhub.Hub.Tests;

/// <summary>
/// Debian's real <c>jupyterhub-singleuser</c> (JupyterHub 3.0) logs a browser in through the hub's OAuth provider,
/// started by hand with the environment the spawner will give it (the servers code is not needed for this).
/// </summary>
public sealed class SingleUserOAuthTests
{
    [Fact]
    public async Task Real_single_user_server_completes_the_oauth_flow_against_the_hub()
    {
        var program = Requires.Program("jupyterhub-singleuser", "apt-get install -y jupyterhub");
        await using var hub = await HubInstance.StartAsync();
        var user = await UserAsync(hub, "su");
        var serverToken = await hub.TokenForAsync(user);
        var client = await RegisterWithSecretAsync(hub, user, serverToken);
        var root = Directory.CreateTempSubdirectory("greyhub-su-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "hello.txt"), "hello from the single-user server", Api.Ct);
        var port = FreePort.Next();
        var server = new Uri($"http://127.0.0.1:{port}");
        var api = new Uri(hub.Address, "hub/api").ToString();
        var psi = new ProcessStartInfo(program) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Environment.UserName == "root")
        {
            // Containers and CI often run tests as root; the notebook server refuses that unless told.
            psi.ArgumentList.Add("--allow-root");
        }
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["JUPYTERHUB_API_TOKEN"] = serverToken,
            ["JUPYTERHUB_CLIENT_ID"] = client.Id,
            ["JUPYTERHUB_API_URL"] = api,
            ["JUPYTERHUB_ACTIVITY_URL"] = $"{api}/users/{user}/activity",
            ["JUPYTERHUB_USER"] = user,
            ["JUPYTERHUB_SERVER_NAME"] = "",
            ["JUPYTERHUB_SERVICE_PREFIX"] = $"/user/{user}/",
            ["JUPYTERHUB_SERVICE_URL"] = $"{server}user/{user}/",
            ["JUPYTERHUB_BASE_URL"] = "/",
            ["JUPYTERHUB_HOST"] = "",
            ["JUPYTERHUB_OAUTH_CALLBACK_URL"] = client.RedirectUri,
            ["JUPYTERHUB_OAUTH_ACCESS_SCOPES"] = $"[\"access:servers!server={user}/\", \"access:servers!user={user}\"]",
            ["JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES"] = "[]",
            ["HOME"] = root,
            ["JUPYTER_RUNTIME_DIR"] = Path.Combine(root, "runtime"),
        })
        {
            psi.Environment[key] = value;
        }
        using var process = Process.Start(psi)!;
        var output = Task.WhenAll(process.StandardOutput.ReadToEndAsync(Api.Ct), process.StandardError.ReadToEndAsync(Api.Ct));
        try
        {
            using var browser = await SignedInAsync(hub, user);
            await WaitUntilUpAsync(browser, new Uri(server, $"/user/{user}/api"), process);
            var file = new Uri(server, $"/user/{user}/files/hello.txt");

            var toHub = await browser.GetAsync(file.ToString());
            Assert.True(toHub.Status == 302, $"single-user: {toHub}");
            Assert.StartsWith("/hub/api/oauth2/authorize?", toHub.Location);
            var toCallback = await browser.GetAsync(new Uri(hub.Address, toHub.Location).ToString());
            Assert.True(toCallback.Status == 302, $"authorize: {toCallback}");
            Assert.StartsWith(client.RedirectUri + "?code=", toCallback.Location);
            var toFile = await browser.GetAsync(new Uri(server, toCallback.Location).ToString());
            Assert.True(toFile.Status == 302, $"callback: {toFile}");
            Assert.Equal(file.AbsolutePath, toFile.Location);
            // The notebook server refuses a file request without a same-origin Referer, which a browser sends.
            var content = await browser.GetAsync(file.ToString(), referer: new Uri(server, $"/user/{user}/tree").ToString());
            Assert.Equal(200, content.Status);
            Assert.Equal("hello from the single-user server", content.Body);
            // The token it got is an OAuth token of this client in the hub's table.
            var tokens = (await hub.Client(hub.AdminToken).GetApiAsync($"hub/api/users/{user}/tokens")).Is(200).Root.GetProperty("api_tokens");
            Assert.Contains(tokens.EnumerateArray(), t => t.GetProperty("oauth_client").GetString() == client.Id);
        }
        catch (Exception ex)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            var logs = await output;
            throw new Xunit.Sdk.XunitException($"{ex.Message}\nsingle-user server output:\n{logs[0]}{logs[1]}", ex);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync(Api.Ct);
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<ServerClient> RegisterWithSecretAsync(HubInstance hub, string user, string secret)
    {
        var registered = await RegisterAsync(hub, user);
        await using var scope = hub.Services.CreateAsyncScope();
        var clients = scope.ServiceProvider.GetRequiredService<OAuthClients>();
        await clients.UpsertAsync(registered.Id, secret, registered.RedirectUri, "Server at /user/" + user + "/", [$"access:servers!server={user}/"], Api.Ct);
        return registered with { Secret = secret };
    }

    private static async Task WaitUntilUpAsync(Browser browser, Uri probe, Process process)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(process.HasExited, "jupyterhub-singleuser exited during start-up");
            try
            {
                if ((await browser.GetAsync(probe.ToString())).Status == 200)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(200, Api.Ct);
        }
        Assert.Fail("jupyterhub-singleuser did not answer within 60 s");
    }
}
