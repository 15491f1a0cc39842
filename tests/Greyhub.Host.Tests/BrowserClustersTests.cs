using System.Net;
using Microsoft.Playwright;

namespace Greyhub.Host.Tests;

/// <summary>
/// The clusters page in Chromium: a user sees their running cluster (state, workers, age) and stops it with the page's
/// form; an admin sees every user's clusters. Checked with axe-core, with screenshots.
/// </summary>
public sealed class BrowserClustersTests
{
    private const string Password = "correct horse battery staple";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_user_sees_and_stops_their_cluster_and_an_admin_sees_everyones()
    {
        Greyhub.Testing.Requires.Program("/usr/bin/dask-scheduler", "apt-get install -y python3-distributed");
        var dataDir = Directory.CreateTempSubdirectory("greyhub-browser-clusters-").FullName;
        var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--admin", "--password-stdin", "--data-dir", dataDir, "grace"], Password + "\n", Ct);
        Assert.True(code == 0, stderr);
        (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--password-stdin", "--data-dir", dataDir, "ada"], Password + "\n", Ct);
        Assert.True(code == 0, stderr);
        (code, var token, stderr) = await GreyhubProcess.RunAsync(["token", "--data-dir", dataDir, "ada"], cancellationToken: Ct);
        Assert.True(code == 0, stderr);
        await using var hub = await GreyhubProcess.StartAsync(dataDir, cancellationToken: Ct);
        using var ada = new ClusterTestKit(hub.Address, token.Trim());
        var name = await ada.CreateAsync();
        try
        {
            await ada.WaitRunningAsync(name);
            await ada.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 2 });
            await ada.WaitWorkersAsync(name, 2);

            await using var chromium = await Chromium.OpenPageAsync(90_000, b => PageChecks.NewContextAsync(b));
            var page = chromium.Page;
            await SignInAsync(page, hub, "ada");
            // A user finds the page from the navigation bar of any hub page.
            await page.ClickAsync("#nav-clusters");
            await page.WaitForURLAsync(u => u.EndsWith("/hub/clusters", StringComparison.Ordinal));
            Assert.Equal("page", await page.GetAttributeAsync("#nav-clusters", "aria-current"));
            var row = page.Locator($"tr[data-cluster='{name}']");
            Assert.Equal("RUNNING", await row.Locator("td[data-label='State']").InnerTextAsync());
            Assert.StartsWith("2 of 2", await row.Locator("td[data-label='Workers']").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal(0, await page.Locator("th", new() { HasTextString = "User" }).CountAsync());
            await PageChecks.CheckAsync(page, "clusters-01-running");

            // The admin sees ada's cluster, with its owner.
            await using (var admin = await PageChecks.NewContextAsync(chromium.Browser))
            {
                var adminPage = await admin.NewPageAsync();
                await SignInAsync(adminPage, hub, "grace");
                await adminPage.GotoAsync(new Uri(hub.Address, "hub/clusters").ToString());
                Assert.Equal("ada", await adminPage.Locator($"tr[data-cluster='{name}'] td[data-label='User']").InnerTextAsync());
                await PageChecks.CheckAsync(adminPage, "clusters-02-admin");
            }

            // A stop without the form's antiforgery token is refused; the page's own form stops it.
            using (var forged = new HttpClient())
            {
                using var response = await forged.PostAsync(new Uri(hub.Address, "hub/clusters/stop"), new FormUrlEncodedContent([new("name", name)]), Ct);
                Assert.NotEqual(HttpStatusCode.Redirect, response.StatusCode);
            }
            Assert.Equal("RUNNING", (await ada.GetAsync(name)).GetProperty("status").GetString());
            await row.Locator("button.stop-cluster").ClickAsync();
            await page.WaitForURLAsync(u => u.EndsWith("/hub/clusters", StringComparison.Ordinal));
            var stopped = await ada.WaitEndedAsync(name, TimeSpan.FromSeconds(30));
            Assert.Equal("STOPPED", stopped.GetProperty("status").GetString());
            await page.ReloadAsync();
            Assert.Equal("STOPPED", await page.Locator($"tr[data-cluster='{name}'] td[data-label='State']").InnerTextAsync());
            Assert.Equal(0, await page.Locator($"tr[data-cluster='{name}'] button.stop-cluster").CountAsync());
            await PageChecks.CheckAsync(page, "clusters-03-stopped");
            await ClusterTestKit.AssertGoneAsync(name);
        }
        finally
        {
            await ada.SendAsync(HttpMethod.Delete, "v1/clusters/" + name);
            await ClusterTestKit.AssertGoneAsync(name);
        }
    }

    private static async Task SignInAsync(IPage page, GreyhubProcess hub, string user)
    {
        await page.GotoAsync(new Uri(hub.Address, "hub/login").ToString());
        await page.FillAsync("#username_input", user);
        await page.FillAsync("#password_input", Password);
        await page.ClickAsync("#login_submit");
        await page.WaitForURLAsync(u => !u.Contains("/hub/login", StringComparison.Ordinal));
    }
}
