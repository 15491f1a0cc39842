using Greyhub.Processes;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// Re-adoption after a restart, observed without racing it: the restarted hub finds a running server (a real stand-in
/// process) that the test has frozen with SIGSTOP, so the hub's probe connects but gets no answer, and the hub's clock
/// is a fake one that stands still, so the probe can neither give up nor poll the engine. The server's model says
/// <c>pending: "check"</c> (JupyterHub's word while it polls a server it found at start-up) for as long as the test
/// wants; once the test thaws the process, the check ends and the server is running and ready again, the same process.
/// </summary>
public sealed class ServerCheckTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_server_a_restarted_hub_is_still_checking_is_pending_check_until_it_answers_then_ready()
    {
        var dataDir = Directory.CreateTempSubdirectory("greyhub-check-").FullName;
        var user = Api.Unique("frozen");
        var first = await CulledHub.StartAsync([], dataDir: dataDir);
        StandInProcess process;
        try
        {
            await first.StartServerAsync(user);
            process = first.Started.Single();
        }
        catch
        {
            await first.DisposeAsync();
            throw;
        }
        // The hub stops and leaves its server running, for the next start to re-adopt.
        await first.Hub.StopAsync(keepData: true);
        Assert.True(process.IsAlive);

        LinuxProcess.Signal(process.Pid, SigStop);
        await using var hub = await CulledHub.StartAsync([], dataDir: dataDir);
        try
        {
            var checks = hub.Hub.Services.GetRequiredService<ServerChecks>();
            Assert.Equal(1, checks.Count);
            // Asked twice: it stays "check", nothing moves it on while the process is frozen and the clock stands still.
            for (var i = 0; i < 2; i++)
            {
                var checking = (await hub.ServerAsync(user)) ?? throw new InvalidOperationException("the server is not in the user's model");
                Assert.Equal("check", checking.GetProperty("pending").GetString());
                Assert.False(checking.GetProperty("ready").GetBoolean());
                Assert.Equal(1, checks.Count);
            }
            // The user list reports it the same way.
            var listed = (await hub.Admin.GetApiAsync("hub/api/users?name_filter=" + user)).Is(200).Root.EnumerateArray().Single();
            Assert.Equal("check", listed.GetProperty("servers").GetProperty("").GetProperty("pending").GetString());
        }
        finally
        {
            LinuxProcess.Signal(process.Pid, SigCont);
        }

        // Thawed, it answers the probe's request (or the next one, the clock moving on in small steps meanwhile).
        await CulledHub.UntilAsync(async () =>
        {
            hub.Time.Advance(TimeSpan.FromMilliseconds(20));
            return await hub.ServerAsync(user) is { } model && model.GetProperty("ready").GetBoolean();
        });
        var adopted = (await hub.ServerAsync(user))!.Value;
        Assert.Equal(System.Text.Json.JsonValueKind.Null, adopted.GetProperty("pending").ValueKind);
        Assert.Equal("running", (await hub.RowAsync(user))!.Phase);
        Assert.Equal(0, hub.Hub.Services.GetRequiredService<ServerChecks>().Count);
        // Re-adopted, not restarted: the same process (the fixture's disposal stops it and checks it is gone).
        Assert.Equal(process, StandInProcess.FromState((await hub.RowAsync(user))!.State));
        Assert.True(process.IsAlive);
    }

    private const int SigStop = 19;
    private const int SigCont = 18;
}
