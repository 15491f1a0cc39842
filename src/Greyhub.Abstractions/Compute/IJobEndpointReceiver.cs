namespace Greyhub.Abstractions.Compute;

/// <summary>
/// An engine whose jobs may report their own endpoint (host and port) to the hub, the way JupyterHub's batchspawner
/// lets a single-user server on a compute node POST its port to <c>/hub/api/batchspawner</c>. The hub resolves every
/// receiver from DI and hands the endpoint to the one that owns the job; the engine then returns it in
/// <see cref="JobStatus.Host"/> and <see cref="JobStatus.Port"/>.
/// </summary>
public interface IJobEndpointReceiver
{
    /// <summary>
    /// Records where <paramref name="job"/> listens. <paramref name="host"/> may be null when the job only knows its
    /// port: the engine then uses the address of the node the job runs on. Returns false when the job is not this
    /// engine's (or is not one it launched), so the caller can try another receiver.
    /// </summary>
    Task<bool> TryAcceptEndpointAsync(JobHandle job, string? host, int port, CancellationToken cancellationToken);
}
