using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Greyhub.Testing;
using Microsoft.Playwright;

namespace Greyhub.Host.Tests;

/// <summary>
/// Debian's own <c>jupyterhub.auth.PAMAuthenticator</c>, served by the JupyterHub bridge that the hub starts, logs a
/// real Unix account in through the browser's login form: the right password signs in, a wrong one and a blocked
/// account fail as any failed login, and the Authenticator's <c>admin_users</c> makes an admin. The same password gets an
/// API token through <c>POST /hub/api/users/NAME/tokens</c> with <c>auth</c>, as JupyterHub's token API allows.
/// </summary>
public sealed class BrowserPamLoginTests
{
    private const string User = "greyhub-pam-user";
    private const string Blocked = "greyhub-pam-blocked";
    private const string Password = "Pam-pass-123";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PAM_through_the_bridge_signs_a_Unix_account_in_refuses_wrong_and_blocked_and_makes_admin_users_admins()
    {
        Requires.PythonModules("apt-get install -y jupyterhub python3-pamela", "jupyterhub.auth", "pamela", "tornado");
        Assert.True(Environment.UserName == "root",
            "this test creates Unix accounts (useradd, chpasswd) and PAM checks their passwords from /etc/shadow: run it as root, as CI does");
        await EnsureAccountAsync(User);
        await EnsureAccountAsync(Blocked);
        var dataDir = Directory.CreateTempSubdirectory("greyhub-pam-").FullName;
        var config = Path.Combine(dataDir, "bridge_config.py");
        await File.WriteAllTextAsync(config, $$"""
            c = get_config()
            c.Bridge.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
            c.Authenticator.admin_users = {"{{User}}"}
            c.Authenticator.blocked_users = {"{{Blocked}}"}
            """, Ct);
        const string At = "--Greyhub:Authenticator:Remote:pam:";
        string[] args =
        [
            "--Greyhub:Authenticator:Type=pam", "--Greyhub:Authenticator:AllowAll=true",
            At + "Command:0=" + DebianPython.Path, At + "Command:1=-m", At + "Command:2=greyhub_bridge", At + "Command:3=-f", At + "Command:4=" + config,
            At + "Environment:PYTHONPATH=" + Path.Combine(AppContext.BaseDirectory, "plugins"), At + "LogFile=" + Path.Combine(dataDir, "bridge.log"),
        ];
        try
        {
            await using var hub = await GreyhubProcess.StartAsync(dataDir, args, cancellationToken: Ct);
            var (code, token, stderr) = await GreyhubProcess.RunAsync(["token", "--admin", "--data-dir", dataDir, "grace"], cancellationToken: Ct);
            Assert.True(code == 0, stderr);
            using var api = new HttpClient { BaseAddress = hub.Address };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", token.Trim());
            await using var browser = await Chromium.OpenPageAsync(newContext: b => PageChecks.NewContextAsync(b));
            var page = browser.Page;

            // A wrong password: the normal failed-login message.
            await page.GotoAsync(new Uri(hub.Address, "hub/login").ToString());
            Assert.Equal(403, await SubmitAsync(page, User, "not-the-password"));
            Assert.Contains("Invalid username or password", await page.InnerTextAsync("#login-error"));
            await PageChecks.CheckAsync(page, "pam-login-failed");

            // The blocked account, with its right password: the same.
            Assert.Equal(403, await SubmitAsync(page, Blocked, Password));
            Assert.Contains("Invalid username or password", await page.InnerTextAsync("#login-error"));

            // The right password signs in, and admin_users made the account an admin.
            await SubmitAsync(page, User, Password);
            await page.Locator("#home-user").WaitForAsync();
            Assert.Equal(User, await page.InnerTextAsync("#home-user"));
            await PageChecks.CheckAsync(page, "pam-login-home");
            using var user = JsonDocument.Parse(await api.GetStringAsync("hub/api/users/" + User, Ct));
            Assert.True(user.RootElement.GetProperty("admin").GetBoolean());
            using var blocked = await api.GetAsync("hub/api/users/" + Blocked, Ct);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, blocked.StatusCode);

            // As JupyterHub's token API: a client with no token proves who it is with the Unix password in the body,
            // checked by PAM through the bridge; a wrong password and the blocked account are a bare 403.
            using var anonymous = new HttpClient { BaseAddress = hub.Address };
            async Task<HttpResponseMessage> RequestTokenAsync(string name, string password) =>
                await anonymous.PostAsync($"hub/api/users/{name}/tokens", JsonContent.Create(new { auth = new { username = name, password } }), Ct);
            using (var wrong = await RequestTokenAsync(User, "not-the-password"))
            {
                Assert.Equal(System.Net.HttpStatusCode.Forbidden, wrong.StatusCode);
            }
            using (var refused = await RequestTokenAsync(Blocked, Password))
            {
                Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
            }
            using var issued = await RequestTokenAsync(User, Password);
            Assert.Equal(System.Net.HttpStatusCode.Created, issued.StatusCode);
            using var model = JsonDocument.Parse(await issued.Content.ReadAsStringAsync(Ct));
            using var withToken = new HttpClient { BaseAddress = hub.Address };
            withToken.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", model.RootElement.GetProperty("token").GetString());
            using var me = JsonDocument.Parse(await withToken.GetStringAsync("hub/api/user", Ct));
            Assert.Equal(User, me.RootElement.GetProperty("name").GetString());
        }
        finally
        {
            // The hub's process removes its data folder when it ends; this covers a start that failed.
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    private static async Task<int> SubmitAsync(IPage page, string user, string password)
    {
        await page.FillAsync("#username_input", user);
        await page.FillAsync("#password_input", password);
        var response = page.WaitForResponseAsync(r => r.Request.Method == "POST" && new Uri(r.Url).AbsolutePath == "/hub/login");
        await page.ClickAsync("#login_submit");
        return (await response).Status;
    }

    /// <summary>Creates the account with the test's password, or resets the password of the one a previous run left (idempotent).</summary>
    private static async Task EnsureAccountAsync(string name)
    {
        if (await RunAsync("id", [name], null) != 0)
        {
            Assert.Equal(0, await RunAsync("useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", name], null));
        }
        Assert.Equal(0, await RunAsync("chpasswd", [], $"{name}:{Password}\n"));
    }

    private static async Task<int> RunAsync(string program, string[] args, string? stdin)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        using var process = Process.Start(psi)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();
        await process.StandardOutput.ReadToEndAsync(Ct);
        await process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return process.ExitCode;
    }
}
