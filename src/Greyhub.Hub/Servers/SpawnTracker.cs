using System.Collections.Concurrent;
using System.Threading.Channels;
using Greyhub.Hub.Background;

namespace Greyhub.Hub.Servers;

/// <summary>
/// Spawns and stops in flight in this hub: their progress events (replayed to each new listener, then streamed),
/// their completion, and the last failure of each server, which the progress stream and the pages report.
/// </summary>
internal sealed class SpawnTracker
{
    private readonly ConcurrentDictionary<ServerKey, SpawnOperation> _spawns = new();
    private readonly ConcurrentDictionary<ServerKey, Lazy<Task>> _stops = new();
    private readonly ConcurrentDictionary<ServerKey, SpawnFailure> _failures = new();

    /// <summary>Registers a new spawn; false when one is already in flight.</summary>
    public bool TryBegin(ServerKey key, out SpawnOperation operation)
    {
        var created = new SpawnOperation();
        operation = _spawns.AddOrUpdate(key, created, (_, old) => old.Completion.IsCompleted ? created : old);
        if (!ReferenceEquals(operation, created))
        {
            return false;
        }
        _failures.TryRemove(key, out _);
        return true;
    }

    public SpawnOperation? Spawn(ServerKey key) => _spawns.GetValueOrDefault(key);

    public void Forget(ServerKey key) => _spawns.TryRemove(key, out _);

    public void Failed(ServerKey key, SpawnFailure failure) => _failures[key] = failure;

    public SpawnFailure? LastFailure(ServerKey key) => _failures.GetValueOrDefault(key);

    /// <summary>Runs a stop once per server: a second request joins the first.</summary>
    public Task StopOnce(ServerKey key, Func<Task> stop)
    {
        // A Lazy, because GetOrAdd may build two values in a race and only one stop may start.
        var created = new Lazy<Task>(() => ThreadPoolHop.RunAsync(stop));
        var entry = _stops.GetOrAdd(key, created);
        if (ReferenceEquals(entry, created))
        {
            _ = created.Value.ContinueWith(_ => _stops.TryRemove(new KeyValuePair<ServerKey, Lazy<Task>>(key, created)), TaskScheduler.Default);
        }
        return entry.Value;
    }

    public bool IsStopping(ServerKey key) => _stops.ContainsKey(key);
}

/// <summary>Why a spawn failed: a message, and the last lines of the server's output.</summary>
internal sealed record SpawnFailure(string Message, string LogTail);

/// <summary>
/// One event of the progress stream (JupyterHub's fields), plus the place in line and the estimated wait in seconds
/// while a start waits its turn (extra fields, which JupyterHub's clients ignore).
/// </summary>
internal sealed record ProgressEvent(int Progress, string Message, bool Ready = false, bool Failed = false, string? Url = null, string? HtmlMessage = null,
    int? QueuePosition = null, int? QueueEstimateSeconds = null);

/// <summary>A spawn in flight: its events and its outcome.</summary>
internal sealed class SpawnOperation
{
    private readonly List<ProgressEvent> _events = [];
    private readonly List<Channel<ProgressEvent>> _listeners = [];
    private readonly TaskCompletionSource<bool> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The message of the latest event.</summary>
    public string? LastMessage
    {
        get
        {
            lock (_events)
            {
                return _events.Count > 0 ? _events[^1].Message : null;
            }
        }
    }

    /// <summary>Whether the start waits in line for a start slot (the API then answers 202 at once).</summary>
    public bool InLine
    {
        get => Volatile.Read(ref _inLine);
        set => Volatile.Write(ref _inLine, value);
    }

    private bool _inLine;

    /// <summary>Completes with true when the server is ready, false when the spawn failed.</summary>
    public Task<bool> Completion => _done.Task;

    public void Add(ProgressEvent e)
    {
        lock (_events)
        {
            _events.Add(e);
            foreach (var listener in _listeners)
            {
                listener.Writer.TryWrite(e);
            }
        }
    }

    public void Complete(bool ready)
    {
        lock (_events)
        {
            foreach (var listener in _listeners)
            {
                listener.Writer.TryComplete();
            }
            _listeners.Clear();
        }
        _done.TrySetResult(ready);
    }

    /// <summary>Every event so far, then each new one until the spawn ends.</summary>
    public async IAsyncEnumerable<ProgressEvent> EventsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<ProgressEvent>();
        lock (_events)
        {
            foreach (var e in _events)
            {
                channel.Writer.TryWrite(e);
            }
            if (_done.Task.IsCompleted)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                _listeners.Add(channel);
            }
        }
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return e;
            }
        }
        finally
        {
            lock (_events)
            {
                _listeners.Remove(channel);
            }
        }
    }
}
