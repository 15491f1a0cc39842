using System.Collections.Concurrent;

namespace Greyhub.Hub;

/// <summary>
/// Servers a restarted hub is still re-adopting: the database says they are not stopped, but whether their process is
/// still there is not known yet. The hub serves meanwhile; the API model says <c>pending: "check"</c> (JupyterHub's word
/// for it), and a stop of the server or a request for it waits for its check.
/// </summary>
internal sealed class ServerChecks
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _checking = new();
    private readonly TaskCompletionSource _allDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;

    /// <summary>How many servers are still being checked.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Completes when every server registered has been checked (at once when there were none).</summary>
    public Task AllChecked => _allDone.Task;

    /// <summary>Registers the servers to check, before the hub serves.</summary>
    public void Begin(IEnumerable<int> serverIds)
    {
        foreach (var id in serverIds)
        {
            if (_checking.TryAdd(id, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)))
            {
                Interlocked.Increment(ref _count);
            }
        }
        if (Count == 0)
        {
            _allDone.TrySetResult();
        }
    }

    /// <summary>Whether <paramref name="serverId"/> is still being checked (a counter read when none is: the hot path).</summary>
    public bool IsChecking(int serverId) => Volatile.Read(ref _count) > 0 && _checking.ContainsKey(serverId);

    /// <summary>Marks <paramref name="serverId"/> checked: re-adopted, or taken to stopped.</summary>
    public void Done(int serverId)
    {
        if (_checking.TryRemove(serverId, out var done))
        {
            done.TrySetResult();
            if (Interlocked.Decrement(ref _count) == 0)
            {
                _allDone.TrySetResult();
            }
        }
    }

    /// <summary>
    /// The servers being checked now; read before reading the database, so that a server whose check ends in between
    /// is still left to its check (what was read of it may be from before).
    /// </summary>
    public IReadOnlySet<int> Snapshot() => Count == 0 ? EmptySet : new HashSet<int>(_checking.Keys);

    private static readonly HashSet<int> EmptySet = [];

    /// <summary>Completes when <paramref name="serverId"/> is checked (at once when it is not being checked).</summary>
    public Task WhenCheckedAsync(int serverId, CancellationToken cancellationToken) =>
        _checking.TryGetValue(serverId, out var done) ? done.Task.WaitAsync(cancellationToken) : Task.CompletedTask;
}
