using System.Diagnostics;
using Greyhub.Abstractions.Compute;

namespace Greyhub.Compute.Slurm.Tests;

/// <summary>A status batch costs one backend call, whatever its size: counted at the command runner and at the HTTP handler.</summary>
public sealed class SlurmBackendCallTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class CountingRunner(ICommandRunner inner) : ICommandRunner
    {
        public List<string> Calls { get; } = [];

        public Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
        {
            lock (Calls)
            {
                Calls.Add(program);
            }
            return inner.RunAsync(program, arguments, cancellationToken);
        }
    }

    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public List<string> Calls { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Calls)
            {
                Calls.Add(request.Method + " " + request.RequestUri!.AbsolutePath);
            }
            return base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task One_squeue_per_status_batch()
    {
        var options = SlurmCluster.Options(SlurmTransport.Cli);
        var runner = new CountingRunner(new ProcessCommandRunner(options));
        var engine = SlurmCluster.Engine(options, new SlurmCliTransport(options, runner));
        await MeasureAsync(engine, () => runner.Calls, "squeue");
    }

    [Fact]
    public async Task One_rest_call_per_status_batch()
    {
        var options = SlurmCluster.Options(SlurmTransport.Rest);
        var handler = new CountingHandler();
        using var http = new HttpClient(handler) { BaseAddress = options.Rest.Url };
        var engine = SlurmCluster.Engine(options, new SlurmRestTransport(options, http, new SlurmTokenSource(options.Rest, TimeProvider.System)));
        await MeasureAsync(engine, () => handler.Calls, "GET /slurm/v0.0.38/jobs");
    }

    private static async Task MeasureAsync(SlurmEngine engine, Func<List<string>> calls, string query)
    {
        var jobs = new List<JobHandle>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                jobs.Add(await engine.LaunchAsync(new JobSpec { Name = $"count-{i}", Command = ["/bin/sh", "-c", "exec sleep 300"] }, Ct));
            }
            // Two handles that are not Slurm's, one repeated job: still one query.
            var batch = jobs.Append(jobs[0]).Append(new JobHandle("local", "1", "{}")).Append(new JobHandle("slurm", "x", "not json")).ToList();
            calls().Clear();
            var watch = Stopwatch.StartNew();
            var statuses = await engine.GetStatusAsync(batch, Ct);
            var elapsed = watch.Elapsed;
            Assert.Equal([query], calls());
            Assert.Equal(8, statuses.Count);
            Assert.Equal(JobPhase.Exited, statuses[6].Phase);
            Assert.Equal(JobPhase.Exited, statuses[7].Phase);
            TestContext.Current.SendDiagnosticMessage($"status of {batch.Count} jobs: {elapsed.TotalMilliseconds:F0} ms, calls: {string.Join(", ", calls())}");
        }
        finally
        {
            await Task.WhenAll(jobs.Select(j => engine.StopAsync(j, TimeSpan.FromSeconds(1), CancellationToken.None)));
        }
    }
}
