namespace Greyhub.Host.Tests;

/// <summary>
/// Workers that cannot start: the hub retries them up to <c>WorkerStartFailureLimit</c>, then fails the cluster with
/// the reason (the worker's own output), shown by the API's cluster model and on the clusters page.
/// </summary>
public sealed class ClustersWorkerFailureTests
{
    private const string Password = "correct horse battery staple";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Workers_that_exit_at_once_are_retried_to_the_limit_then_the_cluster_fails_with_the_reason()
    {
        Greyhub.Testing.Requires.Program("/usr/bin/dask-worker", "apt-get install -y python3-distributed");
        var dataDir = Directory.CreateTempSubdirectory("greyhub-clusters-failing-").FullName;
        var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--password-stdin", "--data-dir", dataDir, "ada"], Password + "\n", Ct);
        Assert.True(code == 0, stderr);
        (code, var token, stderr) = await GreyhubProcess.RunAsync(["token", "--data-dir", dataDir, "ada"], cancellationToken: Ct);
        Assert.True(code == 0, stderr);
        // A cluster option of the configuration: the workers' environment names a preload that does not exist, so every
        // dask-worker exits at once with an ImportError (the scheduler reads only its own preload setting and runs).
        await using var hub = await GreyhubProcess.StartAsync(dataDir, extraArgs:
        [
            "--Greyhub:Clusters:Defaults:Environment:DASK_DISTRIBUTED__WORKER__PRELOAD=[\"greyhub_no_such_module\"]",
            "--Greyhub:Clusters:WorkerStartFailureLimit=3",
        ], cancellationToken: Ct);
        using var ada = new ClusterTestKit(hub.Address, token.Trim());
        var name = await ada.CreateAsync();
        try
        {
            Assert.Equal("RUNNING", (await ada.WaitRunningAsync(name)).GetProperty("status").GetString());
            await ada.SendAsync(HttpMethod.Post, $"v1/clusters/{name}/scale", new { count = 1 });

            var failed = await ada.WaitEndedAsync(name, TimeSpan.FromSeconds(120));
            Assert.Equal("FAILED", failed.GetProperty("status").GetString());
            var reason = failed.GetProperty("reason").GetString()!;
            // One worker asked for, three starts: the first and two retries.
            Assert.StartsWith("3 workers in a row failed to start", reason, StringComparison.Ordinal);
            Assert.Contains("greyhub_no_such_module", reason, StringComparison.Ordinal);
            Assert.Equal(System.Text.Json.JsonValueKind.Null, failed.GetProperty("tls_key").ValueKind);
            await ClusterTestKit.AssertGoneAsync(name);

            await using var chromium = await Chromium.OpenPageAsync(90_000, b => PageChecks.NewContextAsync(b));
            var page = chromium.Page;
            await page.GotoAsync(new Uri(hub.Address, "hub/login").ToString());
            await page.FillAsync("#username_input", "ada");
            await page.FillAsync("#password_input", Password);
            await page.ClickAsync("#login_submit");
            await page.WaitForURLAsync(u => !u.Contains("/hub/login", StringComparison.Ordinal));
            await page.GotoAsync(new Uri(hub.Address, "hub/clusters").ToString());
            var row = page.Locator($"tr[data-cluster='{name}']");
            Assert.Equal("FAILED", await row.Locator("td[data-label='State']").InnerTextAsync());
            Assert.StartsWith("3 workers in a row failed to start", await row.Locator(".cluster-reason").InnerTextAsync(), StringComparison.Ordinal);
            // The worker's output is folded under the reason; opened, it shows why.
            await row.Locator(".cluster-output summary").ClickAsync();
            Assert.Contains("No module named 'greyhub_no_such_module'", await row.Locator(".cluster-output pre").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal(0, await row.Locator("button.stop-cluster").CountAsync());
            Assert.Contains("No dashboards", await page.Locator("#no-dashboard").InnerTextAsync(), StringComparison.Ordinal);
            await PageChecks.CheckAsync(page, "clusters-failed-workers");
        }
        finally
        {
            await ada.SendAsync(HttpMethod.Delete, "v1/clusters/" + name);
            await ClusterCleanup.KillAllAsync(name);
        }
    }
}
