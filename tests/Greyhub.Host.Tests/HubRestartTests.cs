using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// With the proxy in its own process, the hub can die and come back without a proxied request failing: the hub is
/// killed with SIGKILL under load through the proxy and restarted on the same data folder and port; the new hub reuses
/// the running proxy (same pid, routes intact) instead of starting another. The server keeps the hub's answer about
/// alice's token for five minutes (<see cref="CacheForRestarts"/>, JupyterHub's default), as an operator who wants
/// servers to ride out a hub restart sets it: with the hub's default of one second (revocation on the next request), a
/// server cannot check a token while the hub is down and such requests fail until it is back.
/// </summary>
public sealed class HubRestartTests
{
    private const int Clients = 4;
    private const int MinimumRequests = 1500;

    private const string CacheForRestarts = "--Greyhub:Servers:HubAuthCacheMaxAge=00:05:00";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public Task A_hub_restart_drops_no_proxied_request_with_configurable_http_proxy() => RestartUnderLoadAsync(ExternalProxy.Chp());

    [Fact]
    public Task A_hub_restart_drops_no_proxied_request_with_greyhub_proxy() => RestartUnderLoadAsync(ExternalProxy.GreyhubVerb());

    private static async Task RestartUnderLoadAsync(ExternalProxy proxy)
    {
        Requires.Program("/usr/bin/jupyterhub-singleuser", "apt-get install -y jupyterhub python3-ipykernel");
        var output = TestContext.Current.TestOutputHelper;
        var dataDir = Directory.CreateTempSubdirectory("greyhub-restart-test-").FullName;
        var port = FreePort.Next();
        var first = await proxy.StartHubAsync(dataDir, port, CacheForRestarts);
        GreyhubProcess? second = null;
        int? proxyPid = null, serverPid = null;
        try
        {
            proxyPid = ExternalProxy.Pid(first);
            Assert.True(proxyPid is { } p && ExternalProxy.Alive(p), "the hub wrote no pid file of a running proxy:\n" + first.Log);
            await proxy.WaitForOkAsync("hub/api/", null, TimeSpan.FromSeconds(30));
            using var admin = await JupyterClient.AdminAsync(first);
            using var alice = await admin.CreateUserAsync("alice");
            await alice.StartAndWaitAsync("alice");
            serverPid = await admin.ServerPidAsync("alice");
            // jupyterhub-singleuser asks the hub about alice's token once and caches the answer (HubAuth): asked now,
            // while the hub is up.
            await proxy.WaitForOkAsync("user/alice/api/status", alice.Token, TimeSpan.FromSeconds(30));

            var failures = new ConcurrentQueue<string>();
            var done = 0;
            var restarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            stop.CancelAfter(TimeSpan.FromMinutes(3));
            var load = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
            {
                using var client = new HttpClient { BaseAddress = proxy.PublicUrl, Timeout = TimeSpan.FromSeconds(30) };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", alice.Token);
                // Bounded: at least MinimumRequests in all, and on until the hub is back.
                while (!restarted.Task.IsCompleted || Volatile.Read(ref done) < MinimumRequests)
                {
                    stop.Token.ThrowIfCancellationRequested();
                    try
                    {
                        using var response = await client.GetAsync("user/alice/api/status", stop.Token);
                        if (!response.IsSuccessStatusCode)
                        {
                            failures.Enqueue($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(stop.Token)}");
                        }
                    }
                    catch (HttpRequestException e)
                    {
                        failures.Enqueue(e.Message);
                    }
                    Interlocked.Increment(ref done);
                }
            }, stop.Token)).ToList();

            // The crash in the middle of the load, then a new hub on the same data folder and port.
            while (Volatile.Read(ref done) < MinimumRequests / 5 && !load.Any(t => t.IsCompleted))
            {
                await Task.Delay(10, Ct);
            }
            var killedAt = Volatile.Read(ref done);
            await first.KillHardAsync();
            second = await proxy.StartHubAsync(dataDir, port, CacheForRestarts);
            var restartedAt = Volatile.Read(ref done);
            restarted.SetResult();
            await Task.WhenAll(load);
            output?.WriteLine($"{done} requests through the proxy, {killedAt} before the kill, {restartedAt - killedAt} while the hub was down or starting; {failures.Count} failed");

            Assert.True(failures.IsEmpty, $"{failures.Count} of {done} proxied requests failed: {string.Join(" | ", failures.Take(5))}");
            Assert.True(restartedAt > killedAt, "no request went through while the hub was away");
            // The new hub reused the running proxy, whose routes are intact.
            Assert.Equal(proxyPid, ExternalProxy.Pid(second));
            Assert.True(ExternalProxy.Alive(proxyPid!.Value), "the proxy is gone");
            // Said once the hub listens (the proxy is reused after Kestrel started), so possibly after StartHubAsync returned.
            var reused = $"Reusing the running proxy [{proxyPid}]";
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (!second.Log.Contains(reused, StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50, Ct);
            }
            Assert.Contains(reused, second.Log, StringComparison.Ordinal);
            var routes = await proxy.RoutesAsync();
            Assert.True(routes.TryGetProperty("/user/alice", out _), $"alice's route is gone: {routes}");
            Assert.Equal(second.Address.ToString().TrimEnd('/'), routes.GetProperty("/").GetProperty("target").GetString());

            // Tidy: the server stopped through the new hub, which then stops the proxy it reused.
            using (var stopped = await admin.Http.DeleteAsync("hub/api/users/alice/server", Ct))
            {
                Assert.True(stopped.IsSuccessStatusCode, $"stopping alice's server: {stopped.StatusCode}");
            }
            Assert.Equal(0, await second.StopAsync(TimeSpan.FromSeconds(60)));
            Assert.True(await ExternalProxy.EndedAsync(proxyPid.Value, TimeSpan.FromSeconds(15)), "the reused proxy outlived the new hub's clean shutdown");
        }
        finally
        {
            output?.WriteLine(first.Log);
            output?.WriteLine(second?.Log ?? "");
            ExternalProxy.EndLeftover(proxyPid);
            ExternalProxy.EndLeftover(serverPid);
            await first.DisposeAsync();
            if (second is not null)
            {
                await second.DisposeAsync();
            }
            else if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }
}
