using Greyhub.Abstractions.Compute;
using Greyhub.Testing;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>Each way a plug-in can misbehave gives a <see cref="PluginException"/> naming the plug-in, the call and the cause.</summary>
public sealed class MisbehavingPluginTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly JobSpec Sleep = new() { Name = "sleep", Command = ["sleep", "300"] };

    private static readonly JobHandle SomeJob = new("faulty", "1", "{}");

    [Fact]
    public async Task Malformed_json_is_a_clear_error()
    {
        await using var plugin = await FaultyPlugin.StartAsync();
        plugin.OnStatus = (context, _) => context.Response.WriteAsync("{\"statuses\": [ {\"phase\": ");
        var error = await Assert.ThrowsAsync<PluginException>(() => plugin.Engine().GetStatusAsync([SomeJob], Ct));
        Assert.Equal(PluginFailure.MalformedAnswer, error.Kind);
        Assert.Equal("faulty", error.Plugin);
        Assert.Contains("Plug-in 'faulty'", error.Message, StringComparison.Ordinal);
        Assert.Contains("malformed JSON", error.Message, StringComparison.Ordinal);
        Assert.Contains("/v1/jobs/status", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_phase_or_a_wrong_number_of_statuses_is_malformed()
    {
        await using var plugin = await FaultyPlugin.StartAsync();
        plugin.OnStatus = (context, _) => context.Response.WriteAsJsonAsync(new { statuses = new[] { new { phase = "sleeping" } } });
        var phase = await Assert.ThrowsAsync<PluginException>(() => plugin.Engine().GetStatusAsync([SomeJob], Ct));
        Assert.Equal(PluginFailure.MalformedAnswer, phase.Kind);
        Assert.Contains("'sleeping'", phase.Message, StringComparison.Ordinal);

        plugin.OnStatus = (context, _) => context.Response.WriteAsJsonAsync(new { statuses = Array.Empty<object>() });
        var count = await Assert.ThrowsAsync<PluginException>(() => plugin.Engine().GetStatusAsync([SomeJob, SomeJob], Ct));
        Assert.Equal(PluginFailure.MalformedAnswer, count.Kind);
        Assert.Contains("0 statuses for 2 jobs", count.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hanging_plugin_times_out_and_a_launch_is_retried_with_the_same_key()
    {
        await using var plugin = await FaultyPlugin.StartAsync();
        // Warmed up first, so that only the hang (not a slow first answer) meets the short timeout.
        await plugin.Engine().GetStatusAsync([SomeJob], Ct);
        plugin.OnLaunch = (context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted);
        var error = await Assert.ThrowsAsync<PluginException>(() => plugin.Engine(timeout: TimeSpan.FromSeconds(1)).LaunchAsync(Sleep, Ct));
        Assert.Equal(PluginFailure.Timeout, error.Kind);
        Assert.Contains("did not answer POST /v1/jobs/launch within 1 s", error.Message, StringComparison.Ordinal);
        // Retries = 1: two attempts, one key, so a plug-in that got both starts one job.
        Assert.Equal(2, plugin.LaunchKeys.Count);
        Assert.Single(plugin.LaunchKeys.Distinct());
    }

    [Fact]
    public async Task A_plugin_crashing_mid_launch_gets_the_launch_again_with_the_same_key()
    {
        await using var plugin = await FaultyPlugin.StartAsync();
        plugin.OnLaunch = async (context, attempt) =>
        {
            if (attempt == 1)
            {
                // The answer is lost (the plug-in died mid-call, or the network dropped it).
                context.Abort();
                return;
            }
            var key = plugin.LaunchKeys.First();
            await context.Response.WriteAsJsonAsync(new { id = "job-1", state = key });
        };
        var job = await plugin.Engine().LaunchAsync(Sleep, Ct);
        Assert.Equal(new JobHandle("faulty", "job-1", plugin.LaunchKeys.First()), job);
        Assert.Equal(2, plugin.LaunchKeys.Count);
        Assert.Single(plugin.LaunchKeys.Distinct());
    }

    [Fact]
    public async Task A_plugin_error_is_reported_with_its_message_and_not_retried()
    {
        await using var plugin = await FaultyPlugin.StartAsync();
        plugin.OnLaunch = (context, _) =>
        {
            context.Response.StatusCode = 500;
            return context.Response.WriteAsJsonAsync(new { error = "quota exceeded for project grey" });
        };
        var error = await Assert.ThrowsAsync<PluginException>(() => plugin.Engine().LaunchAsync(Sleep, Ct));
        Assert.Equal(PluginFailure.PluginError, error.Kind);
        Assert.Contains("failed POST /v1/jobs/launch with 500: quota exceeded for project grey", error.Message, StringComparison.Ordinal);
        Assert.Single(plugin.LaunchKeys);
    }

    [Fact]
    public async Task A_status_call_answered_503_is_retried()
    {
        await using var plugin = await FaultyPlugin.StartAsync();
        plugin.OnStatus = (context, attempt) =>
        {
            if (attempt == 1)
            {
                context.Response.StatusCode = 503;
                return Task.CompletedTask;
            }
            return context.Response.WriteAsJsonAsync(new { statuses = new[] { new { phase = "pending", reason = "queued" } } });
        };
        var status = (await plugin.Engine().GetStatusAsync([SomeJob], Ct))[0];
        Assert.Equal(new JobStatus(JobPhase.Pending, Reason: "queued"), status);
        Assert.Equal(2, plugin.StatusCalls);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_by_the_reference_plugin_and_said_so()
    {
        await using var python = await PythonEngine.StartAsync();
        var error = await Assert.ThrowsAsync<PluginException>(() => python.Engine(secret: "not-the-secret").LaunchAsync(Sleep, Ct));
        Assert.Equal(PluginFailure.Unauthorized, error.Kind);
        Assert.Contains("refused the hub's secret (401 on GET /v1/handshake)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Greyhub:Compute:Remote:py:Secret", error.Message, StringComparison.Ordinal);
        // Nothing was launched.
        Assert.Empty(Directory.GetFiles(python.Jobs, "*.log"));
    }

    [Fact]
    public async Task A_plugin_that_is_not_running_is_unreachable()
    {
        var port = FreePort.Next();
        var engine = PythonEngine.Build("gone", o =>
        {
            o.Url = new Uri($"http://127.0.0.1:{port}/");
            o.Secret = "x";
            o.Retries = 1;
            o.RetryDelay = TimeSpan.Zero;
        });
        var error = await Assert.ThrowsAsync<PluginException>(() => engine.GetStatusAsync([new JobHandle("gone", "1", "{}")], Ct));
        Assert.Equal(PluginFailure.Unreachable, error.Kind);
        Assert.Contains("Plug-in 'gone': could not be reached", error.Message, StringComparison.Ordinal);
        Assert.Contains("connection refused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plugin_speaking_another_protocol_version_is_refused()
    {
        await using var plugin = await FaultyPlugin.StartAsync();
        plugin.Protocols = [2, 3];
        var error = await Assert.ThrowsAsync<PluginException>(() => plugin.Engine().LaunchAsync(Sleep, Ct));
        Assert.Equal(PluginFailure.ProtocolMismatch, error.Kind);
        Assert.Contains("speaks protocol version(s) [2, 3]; this hub speaks 1", error.Message, StringComparison.Ordinal);
        Assert.Empty(plugin.LaunchKeys);
    }

    [Fact]
    public async Task Jobs_of_another_engine_are_not_sent_to_the_plugin()
    {
        await using var plugin = await FaultyPlugin.StartAsync();
        var statuses = await plugin.Engine().GetStatusAsync([new JobHandle("local", "1", "{}")], Ct);
        Assert.Equal(JobPhase.Exited, statuses[0].Phase);
        Assert.Equal(0, plugin.StatusCalls);
    }

    [Fact]
    public async Task Find_is_asked_only_of_a_plugin_that_lists_it_and_not_supported_is_not_found()
    {
        await using var plugin = await FaultyPlugin.StartAsync();
        var keyed = Sleep with { Key = "server-7" };

        // A 1.1 plug-in (no engine_calls): not asked at all.
        Assert.Null(await plugin.Engine().FindAsync(keyed, Ct));
        Assert.Equal(0, plugin.FindCalls);

        // One that lists find but whose call is unknown on the way (404): not supported, so not found.
        plugin.EngineCalls = ["launch", "status", "stop", "log", "find"];
        Assert.Null(await plugin.Engine().FindAsync(keyed, Ct));
        Assert.Equal(1, plugin.FindCalls);

        // A spec without a key is never looked up.
        Assert.Null(await plugin.Engine().FindAsync(Sleep, Ct));
        Assert.Equal(1, plugin.FindCalls);

        // Found: the job the plug-in names for that key; a job without a state is malformed.
        plugin.OnFind = (context, key) => context.Response.WriteAsJsonAsync(new { job = new { id = "j-" + key, state = "{}" } });
        var found = await plugin.Engine().FindAsync(keyed, Ct);
        Assert.Equal(new JobHandle("faulty", "j-server-7", "{}"), found);
        plugin.OnFind = (context, key) => context.Response.WriteAsJsonAsync(new { job = new { id = key } });
        var error = await Assert.ThrowsAsync<PluginException>(() => plugin.Engine().FindAsync(keyed, Ct));
        Assert.Equal(PluginFailure.MalformedAnswer, error.Kind);

        // Any other failure is the plug-in's error, not "not found".
        plugin.OnFind = (context, _) =>
        {
            context.Response.StatusCode = 500;
            return context.Response.WriteAsJsonAsync(new { error = "the scheduler is down" });
        };
        var down = await Assert.ThrowsAsync<PluginException>(() => plugin.Engine().FindAsync(keyed, Ct));
        Assert.Contains("the scheduler is down", down.Message, StringComparison.Ordinal);
    }
}
