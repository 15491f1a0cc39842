using System.Threading.Channels;

namespace Greyhub.Hub.Proxy;

/// <summary>
/// Asks for a route check now, between the periodic ones: a proxy that was (re)started empty gets its routes back at
/// once. Requests while one is pending fold into it.
/// </summary>
internal sealed class RouteCheckSignal
{
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly TaskCompletionSource _firstCheck = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes once the first check after start-up has run (whatever its outcome): until then a route the hub did not
    /// derive from the database may still be taken for a stale one.
    /// </summary>
    public Task FirstCheckDone => _firstCheck.Task;

    /// <summary>Marks the first check done.</summary>
    public void FirstCheckRan() => _firstCheck.TrySetResult();

    /// <summary>Requests a check.</summary>
    public void Request() => _requests.Writer.TryWrite(true);

    /// <summary>Takes a pending request, if any: a check about to run answers it.</summary>
    public bool TryTake() => _requests.Reader.TryRead(out _);

    /// <summary>Completes when a check is requested (and takes the request).</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        await _requests.Reader.ReadAsync(cancellationToken);
    }
}
