using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Greyhub.Hub;
using Greyhub.Testing;
using Microsoft.Playwright;

namespace Greyhub.Host.Tests;

/// <summary>
/// Sharing as people do it, in real browsers against a real hub and a real <c>jupyterhub-singleuser</c>: alice shares her
/// running server from her home page with bob (directly, then through a group, then with an invitation link he accepts);
/// each time bob finds it under "Shared with me" or through the link, gets in through the server's OAuth and runs a
/// cell; the request right after each revoke is refused (a revoke answers once the server's cached answers have aged
/// out), and taking him out of the group shuts him out within the server's cache age (a second, the hub's default). An expired invitation is refused on its
/// page, and carol, who holds no <c>shares</c> scope, sees no sharing controls and is refused by the API.
/// </summary>
public sealed class BrowserSharingTests
{
    private const string Password = "sharing in a browser";
    // The test's own service token, to make the group (no CLI does groups): a service holding admin:groups.
    private const string SetupToken = "setup-token-for-the-sharing-browser-test-0123456789";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Alice_shares_her_server_with_bob_directly_via_a_group_and_by_invitation_and_revoking_shuts_him_out()
    {
        Requires.Program("/usr/bin/jupyterhub-singleuser", "apt-get install -y jupyterhub python3-ipykernel");
        Requires.Program("/usr/bin/python3", "apt-get install -y python3");
        var dataDir = Directory.CreateTempSubdirectory("greyhub-browser-sharing-").FullName;
        foreach (var user in new[] { "alice", "bob", "carol" })
        {
            var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--password-stdin", "--data-dir", dataDir, user], Password + "\n", Ct);
            Assert.True(code == 0, stderr);
        }
        await using var hub = await GreyhubProcess.StartAsync(dataDir, extraArgs:
        [
            // As JupyterHub 5, sharing is granted by a role: alice may share; bob and carol hold only the default role.
            "--Greyhub:Roles:0:Name=sharers", "--Greyhub:Roles:0:Users:0=alice", "--Greyhub:Roles:0:Scopes:0=shares!user",
            "--Greyhub:Roles:0:Scopes:1=read:users:name", "--Greyhub:Roles:0:Scopes:2=read:groups:name",
            "--Greyhub:Services:0:Name=setup", "--Greyhub:Services:0:ApiToken=" + SetupToken,
            "--Greyhub:Roles:1:Name=setup", "--Greyhub:Roles:1:Services:0=setup", "--Greyhub:Roles:1:Scopes:0=admin:groups",
            // Nothing about the servers' HubAuth cache: revoking must shut bob out with the hub's defaults.
            // SQLite whatever the run's database: the test expires an invitation by editing the database file.
            "--Greyhub:Database:Provider=sqlite",
        ], cancellationToken: Ct);

        await using var chromium = await Chromium.OpenPageAsync(newContext: b => PageChecks.NewContextAsync(b));
        var alice = chromium.Page;
        var aliceWatch = new PageWatch(alice);
        await LoginAsync(alice, hub, "alice");
        await alice.ClickAsync("#start-default");
        await aliceWatch.ShownAsync("#ipython-main-app");
        await alice.GotoAsync(Url(hub, "hub/home"));

        // 1. Directly with bob.
        await alice.FillAsync("#share-with-default", "bob");
        Assert.True(await alice.IsCheckedAsync("#share-default-scope-0"));
        await alice.ClickAsync("#share-default");
        Assert.Contains("Shared with bob: access:servers!server=alice/.", await alice.InnerTextAsync("#share-notice-default"), StringComparison.Ordinal);
        await alice.Locator("#shares-default li[data-share='user:bob']").WaitForAsync();
        Assert.Contains("Once a revoke is done, their next request is refused", await alice.InnerTextAsync("#revoke-effect"), StringComparison.Ordinal);
        await PageChecks.CheckAsync(alice, "sharing-home");

        var bobContext = await PageChecks.NewContextAsync(chromium.Browser);
        bobContext.SetDefaultTimeout(90_000);
        var bob = await bobContext.NewPageAsync();
        var bobWatch = new PageWatch(bob);
        await LoginAsync(bob, hub, "bob");
        Assert.Contains("alice's server", await bob.InnerTextAsync("#shared-list"), StringComparison.Ordinal);
        await PageChecks.CheckAsync(bob, "sharing-shared-with-me");
        await bob.ClickAsync("#open-shared-alice");
        await IntoServerAsync(bob, bobWatch);
        Assert.Equal("42", await RunCellAsync(bob, bobWatch, hub, "6*7"));

        await alice.ClickAsync("#revoke-default-user-bob");
        Assert.Contains("bob no longer has access.", await alice.InnerTextAsync("#share-notice-default"), StringComparison.Ordinal);
        Assert.Equal((int)HttpStatusCode.Forbidden, await StatusOfAsync(bob, Url(hub, "user/alice/tree")));

        // 2. Through a group bob is in.
        using (var setup = new HttpClient { BaseAddress = hub.Address })
        {
            setup.DefaultRequestHeaders.Authorization = new("token", SetupToken);
            using var made = await setup.PostAsJsonAsync("hub/api/groups/team", new { users = new[] { "bob" } }, Ct);
            Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        }
        await alice.SelectOptionAsync("#share-kind-default", "group");
        await alice.FillAsync("#share-with-default", "team");
        await alice.ClickAsync("#share-default");
        await alice.Locator("#shares-default li[data-share='group:team']").WaitForAsync();
        await bob.GotoAsync(Url(hub, "hub/home"));
        Assert.Contains("shared with group team", await bob.InnerTextAsync("#shared-list"), StringComparison.Ordinal);
        await bob.ClickAsync("#open-shared-alice");
        await IntoServerAsync(bob, bobWatch);
        Assert.Equal("6", await RunCellAsync(bob, bobWatch, hub, "1+2+3"));
        // Taken out of the group, bob is out as well; put back, he is in again.
        Assert.Equal(HttpStatusCode.OK, await MembersAsync(hub, HttpMethod.Delete));
        await ServerCacheAgedAsync();
        Assert.Equal((int)HttpStatusCode.Forbidden, await StatusOfAsync(bob, Url(hub, "user/alice/tree")));
        Assert.Equal(HttpStatusCode.OK, await MembersAsync(hub, HttpMethod.Post));
        await ServerCacheAgedAsync();
        await bob.GotoAsync(Url(hub, "hub/home"));
        await bob.ClickAsync("#open-shared-alice");
        await IntoServerAsync(bob, bobWatch);
        await alice.ClickAsync("#revoke-default-group-team");
        Assert.Contains("Group team no longer has access.", await alice.InnerTextAsync("#share-notice-default"), StringComparison.Ordinal);
        Assert.Equal((int)HttpStatusCode.Forbidden, await StatusOfAsync(bob, Url(hub, "user/alice/tree")));

        // 3. An invitation link, shown once to alice, accepted by bob on the accept-share page.
        await alice.ClickAsync("#code-default");
        var link = await alice.InputValueAsync("#accept-url-default");
        Assert.StartsWith(Url(hub, "hub/accept-share?code="), link, StringComparison.Ordinal);
        await alice.Locator("#codes-default li").First.WaitForAsync();
        await bob.GotoAsync(link);
        Assert.Equal("alice", await bob.InnerTextAsync("#accept-owner"));
        Assert.Contains("access:servers", await bob.InnerTextAsync("#accept-scopes"), StringComparison.Ordinal);
        await PageChecks.CheckAsync(bob, "sharing-accept");
        await bob.ClickAsync("#accept-share");
        await IntoServerAsync(bob, bobWatch);
        Assert.Equal("8", await RunCellAsync(bob, bobWatch, hub, "2**3"));

        // An invitation past its expiry is refused on its page, with why.
        await alice.GotoAsync(Url(hub, "hub/home"));
        await alice.ClickAsync("#code-default");
        var late = await alice.InputValueAsync("#accept-url-default");
        await ExpireCodesAsync(dataDir);
        var refused = await bob.GotoAsync(late);
        Assert.Equal((int)HttpStatusCode.NotFound, refused!.Status);
        Assert.Contains("expired", await bob.InnerTextAsync("#accept-share-error"), StringComparison.Ordinal);
        await PageChecks.CheckAsync(bob, "sharing-accept-expired");
        await bobContext.CloseAsync();

        // 4. carol holds no shares scope: no sharing on her home page, and the API refuses her.
        var carolContext = await PageChecks.NewContextAsync(chromium.Browser);
        carolContext.SetDefaultTimeout(90_000);
        var carol = await carolContext.NewPageAsync();
        await LoginAsync(carol, hub, "carol");
        Assert.Equal(0, await carol.Locator("#sharing").CountAsync());
        Assert.Equal(0, await carol.Locator("form[action^='/hub/home/share/']").CountAsync());
        var status = await carol.EvaluateAsync<int>("""
            async () => {
              const xsrf = document.querySelector('input[name=_xsrf]').value;
              const r = await fetch('/hub/api/shares/carol/', { method: 'POST', headers: { 'X-XSRFToken': xsrf, 'Content-Type': 'application/json' }, body: JSON.stringify({ user: 'bob' }) });
              return r.status;
            }
            """);
        Assert.Equal(403, status);
        await carolContext.CloseAsync();
        await chromium.Context.CloseAsync();
    }

    private static string Url(GreyhubProcess hub, string path) => new Uri(hub.Address, path).ToString();

    private static async Task LoginAsync(IPage page, GreyhubProcess hub, string user)
    {
        await page.GotoAsync(Url(hub, "hub/login"));
        await page.FillAsync("#username_input", user);
        await page.FillAsync("#password_input", Password);
        await page.ClickAsync("#login_submit");
        await page.Locator("#home-user").WaitForAsync();
    }

    /// <summary>Through the server's OAuth: someone else's server asks bob to confirm; then the Notebook's file list.</summary>
    private static async Task IntoServerAsync(IPage page, PageWatch watch)
    {
        var consent = page.Locator("#oauth-authorize");
        var notebook = page.Locator("#ipython-main-app");
        await consent.Or(notebook).First.WaitForAsync();
        if (await consent.IsVisibleAsync())
        {
            await consent.ClickAsync();
        }
        await watch.ShownAsync("#ipython-main-app");
        Assert.StartsWith("/user/alice/", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
    }

    /// <summary>A new notebook on alice's server, a cell typed and run; its output.</summary>
    private static async Task<string> RunCellAsync(IPage page, PageWatch watch, GreyhubProcess hub, string cell)
    {
        var created = await page.EvaluateAsync<string>("""
            async () => {
              const xsrf = document.cookie.split('; ').find(c => c.startsWith('_xsrf='))?.split('=')[1] ?? '';
              const r = await fetch('/user/alice/api/contents', { method: 'POST', headers: { 'X-XSRFToken': decodeURIComponent(xsrf), 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'notebook' }) });
              return (await r.json()).path;
            }
            """);
        await page.GotoAsync(Url(hub, "user/alice/notebooks/" + created));
        await watch.ShownAsync("#kernel_indicator_icon.kernel_idle_icon");
        await page.Locator(".CodeMirror").First.ClickAsync();
        await page.Keyboard.TypeAsync(cell);
        await page.Keyboard.PressAsync("Shift+Enter");
        var output = page.Locator(".output_result pre, .output_subarea.output_text pre").First;
        await output.WaitForAsync();
        return (await output.InnerTextAsync()).Trim();
    }

    /// <summary>The status of the page a visit ends on (after the server's and the hub's redirects), once the server's cached answer has aged out.</summary>
    /// <summary>The status of the next request: a revoke answers only once the server's cached answers have aged out.</summary>
    private static async Task<int> StatusOfAsync(IPage page, string url) => (await page.GotoAsync(url))!.Status;

    /// <summary>
    /// Waits out the server's cached answer from before a change: the hub starts servers with a cache of
    /// <see cref="ServersOptions.HubAuthCacheMaxAge"/> (one second) instead of HubAuth's five minutes, so after it the
    /// server asks the hub again. The wait is what is tested (the default's bound), not a guess at how long work takes.
    /// </summary>
    private static Task ServerCacheAgedAsync() => Task.Delay(new ServersOptions().HubAuthCacheMaxAge + TimeSpan.FromSeconds(0.5), Ct);

    /// <summary>Takes bob out of the group <c>team</c>, or puts him back, with the test's own service token.</summary>
    private static async Task<HttpStatusCode> MembersAsync(GreyhubProcess hub, HttpMethod method)
    {
        using var setup = new HttpClient { BaseAddress = hub.Address };
        setup.DefaultRequestHeaders.Authorization = new("token", SetupToken);
        using var request = new HttpRequestMessage(method, "hub/api/groups/team/users") { Content = JsonContent.Create(new { users = new[] { "bob" } }) };
        using var response = await setup.SendAsync(request, Ct);
        return response.StatusCode;
    }

    /// <summary>Moves every share code's expiry into the past in the hub's SQLite database (with Debian's Python).</summary>
    private static async Task ExpireCodesAsync(string dataDir)
    {
        var database = Path.Combine(dataDir, "greyhub.sqlite");
        Assert.True(File.Exists(database), $"no database at {database}");
        using var python = Process.Start(new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList =
            {
                "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=30); n = c.execute(\"UPDATE share_codes SET ExpiresAt = '2000-01-01 00:00:00'\").rowcount; c.commit(); print(n)",
                database,
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await python.StandardOutput.ReadToEndAsync(Ct);
        var error = await python.StandardError.ReadToEndAsync(Ct);
        await python.WaitForExitAsync(Ct);
        Assert.True(python.ExitCode == 0 && int.TryParse(output.Trim(), out var updated) && updated > 0, $"expiring the codes failed: {output} {error}");
    }
}
