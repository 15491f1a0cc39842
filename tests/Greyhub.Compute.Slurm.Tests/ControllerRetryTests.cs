using Microsoft.Extensions.Logging.Abstractions;

namespace Greyhub.Compute.Slurm.Tests;

/// <summary>Calls wait out an unreachable slurmctld (restart, fail-over) instead of failing, within their patience.</summary>
public sealed class ControllerRetryTests
{
    private const string Unreachable = "squeue failed (1): slurm_load_jobs error: Unable to contact slurm controller (connect failure)";

    [Fact]
    public async Task A_query_is_retried_until_the_controller_answers()
    {
        var inner = new FlakyTransport(failures: 3, Unreachable);
        var transport = new ControllerRetryTransport(inner, TimeSpan.FromSeconds(30), TimeProvider.System, NullLogger.Instance);
        var jobs = await transport.QueryAsync(["7"], TestContext.Current.CancellationToken);
        Assert.Equal("7", Assert.Single(jobs).Id);
        Assert.Equal(4, inner.Calls);
    }

    [Fact]
    public async Task Past_its_patience_the_error_is_the_controllers()
    {
        var inner = new FlakyTransport(failures: int.MaxValue, Unreachable);
        var transport = new ControllerRetryTransport(inner, TimeSpan.FromSeconds(1), TimeProvider.System, NullLogger.Instance);
        var error = await Assert.ThrowsAsync<SlurmException>(() => transport.QueryAsync(["7"], TestContext.Current.CancellationToken));
        Assert.Contains("Unable to contact slurm controller", error.Message, StringComparison.Ordinal);
        Assert.InRange(inner.Calls, 2, 6);
    }

    [Fact]
    public async Task Other_errors_are_not_retried()
    {
        var inner = new FlakyTransport(failures: 1, "sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified");
        var transport = new ControllerRetryTransport(inner, TimeSpan.FromSeconds(30), TimeProvider.System, NullLogger.Instance);
        await Assert.ThrowsAsync<SlurmException>(() => transport.QueryAsync(["7"], TestContext.Current.CancellationToken));
        Assert.Equal(1, inner.Calls);
    }

    private sealed class FlakyTransport(int failures, string error) : ISlurmTransport
    {
        public int Calls { get; private set; }

        public Task<IReadOnlyList<SlurmJobInfo>> QueryAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
        {
            if (++Calls <= failures)
            {
                throw new SlurmException(error);
            }
            return Task.FromResult<IReadOnlyList<SlurmJobInfo>>([.. ids.Select(id => SlurmJobInfo.FromWaitStatus(id, "RUNNING", "None", "localhost", 0, "greyhub:x"))]);
        }

        public Task<string> SubmitAsync(BatchJob job, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<SlurmJobInfo>> QueryFinishedAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<SlurmJobInfo>> QueryByNameAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task TerminateAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task CancelAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string?> NodeAddressAsync(string node, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
