namespace Greyhub.Compute.Slurm;

/// <summary>A job as slurmctld (or accounting) reports it.</summary>
/// <param name="Id">Job id.</param>
/// <param name="State">Base state, upper case (PENDING, RUNNING, COMPLETED, TIMEOUT, ...).</param>
/// <param name="Reason">Slurm's reason code (Resources, Priority, TimeLimit, ...), or null.</param>
/// <param name="BatchHost">The node running the batch script, when it runs.</param>
/// <param name="ExitCode">The exit code, when known.</param>
/// <param name="Signal">The signal that ended the job, when known.</param>
/// <param name="Comment">The job's comment (Greyhub's marker).</param>
internal sealed record SlurmJobInfo(string Id, string State, string? Reason, string? BatchHost, int? ExitCode, int? Signal, string? Comment)
{
    /// <summary>Builds the record from a raw wait status (<c>exit_code</c> of squeue and slurmrestd: code &lt;&lt; 8 | signal).</summary>
    public static SlurmJobInfo FromWaitStatus(string id, string state, string? reason, string? batchHost, long? status, string? comment) =>
        new(id, state, reason, batchHost, status is { } s ? (int)((s >> 8) & 0xff) : null, status is { } t && (t & 0x7f) != 0 ? (int)(t & 0x7f) : null, comment);
}

/// <summary>One way of talking to Slurm: commands or slurmrestd. Every method is one backend call.</summary>
internal interface ISlurmTransport
{
    /// <summary>Submits a batch job and returns its id.</summary>
    Task<string> SubmitAsync(BatchJob job, CancellationToken cancellationToken);

    /// <summary>The jobs slurmctld still knows among <paramref name="ids"/>, in one call (missing ids are simply absent).</summary>
    Task<IReadOnlyList<SlurmJobInfo>> QueryAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken);

    /// <summary>Jobs slurmctld has forgotten, from accounting, in one call; empty when there is no accounting.</summary>
    Task<IReadOnlyList<SlurmJobInfo>> QueryFinishedAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken);

    /// <summary>The jobs slurmctld still knows whose name is <paramref name="name"/>, in one call.</summary>
    Task<IReadOnlyList<SlurmJobInfo>> QueryByNameAsync(string name, CancellationToken cancellationToken);

    /// <summary>Sends SIGTERM to every process of the job, the batch script included (<c>scancel --signal=TERM --full</c>).</summary>
    Task TerminateAsync(string id, CancellationToken cancellationToken);

    /// <summary>Cancels the job (<c>scancel</c>): SIGTERM, then SIGKILL after the cluster's KillWait.</summary>
    Task CancelAsync(string id, CancellationToken cancellationToken);

    /// <summary>The address (<c>NodeAddr</c>) of a node, or null when Slurm does not say.</summary>
    Task<string?> NodeAddressAsync(string node, CancellationToken cancellationToken);
}

/// <summary>Slurm said no (bad directive, unknown partition, authentication): the message is Slurm's.</summary>
public sealed class SlurmException(string message, Exception? inner = null) : Exception(message, inner);
