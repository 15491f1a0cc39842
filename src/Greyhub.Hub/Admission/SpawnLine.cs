using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Admission;

/// <summary>
/// The fair line in front of the engines: at most <see cref="ServersOptions.ConcurrentSpawnLimit"/> starts run at once;
/// the others wait first come, first served. Tickets only ever leave the line (admitted or cancelled), so a waiting
/// start's position only goes down; each waiter hears its new position, under the line's lock so that the events
/// of one ticket arrive in order.
/// </summary>
internal sealed class SpawnLine(IOptions<HubOptions> options, SpawnEstimate estimate)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<SpawnTicket> _waiting = new();
    private readonly Dictionary<string, LinkedListNode<SpawnTicket>> _byKey = new(StringComparer.Ordinal);
    private readonly int _limit = options.Value.Servers.ConcurrentSpawnLimit;
    private int _starting;

    /// <summary>Starts waiting in line.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Starts admitted and not yet finished.</summary>
    public int Starting => Volatile.Read(ref _starting);

    /// <summary>
    /// Admits a start at once when a slot is free and nobody waits; otherwise queues it at the back (when
    /// <paramref name="wait"/>) or refuses it (null: JupyterHub's behaviour, the caller answers 429).
    /// </summary>
    /// <param name="key">The server's name in the line (one ticket per server).</param>
    /// <param name="moved">Told the ticket's position when it enters the line and each time it moves up.</param>
    /// <param name="wait">Queue rather than refuse when every slot is taken.</param>
    public SpawnTicket? TryEnter(string key, Action<LinePosition> moved, bool wait)
    {
        var ticket = new SpawnTicket(key, moved);
        lock (_gate)
        {
            if (_limit <= 0 || (_starting < _limit && _waiting.Count == 0))
            {
                _starting++;
                ticket.Admit();
                return ticket;
            }
            if (!wait || _byKey.ContainsKey(key))
            {
                return null;
            }
            _byKey[key] = _waiting.AddLast(ticket);
            ticket.Tell(new LinePosition(_waiting.Count, estimate.For(_waiting.Count, _limit)));
            return ticket;
        }
    }

    /// <summary>Takes a waiting start out of the line (its server was stopped or its user deleted); false when it is not waiting.</summary>
    public bool TryCancel(string key)
    {
        lock (_gate)
        {
            if (!_byKey.Remove(key, out var node))
            {
                return false;
            }
            var behind = node.Next;
            _waiting.Remove(node);
            node.Value.Cancel();
            TellFrom(behind);
            return true;
        }
    }

    /// <summary>Frees the slot of an admitted start (finished, failed or abandoned) and admits the next in line.</summary>
    public void Release()
    {
        lock (_gate)
        {
            _starting--;
            var admitted = false;
            while ((_limit <= 0 || _starting < _limit) && _waiting.First is { } head)
            {
                _waiting.RemoveFirst();
                _byKey.Remove(head.Value.Key);
                _starting++;
                head.Value.Admit();
                admitted = true;
            }
            if (admitted)
            {
                TellFrom(_waiting.First);
            }
        }
    }

    private void TellFrom(LinkedListNode<SpawnTicket>? node)
    {
        var position = 1;
        for (var n = _waiting.First; n is not null && n != node; n = n.Next)
        {
            position++;
        }
        for (; node is not null; node = node.Next, position++)
        {
            node.Value.Tell(new LinePosition(position, estimate.For(position, _limit)));
        }
    }
}

/// <summary>A start's place in line: 1 is next; the estimate is null until the hub has seen a start finish.</summary>
internal readonly record struct LinePosition(int Position, TimeSpan? Estimate);

/// <summary>One start's turn: admitted (true) or cancelled (false).</summary>
internal sealed class SpawnTicket(string key, Action<LinePosition> moved)
{
    private readonly TaskCompletionSource<bool> _turn = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _last = int.MaxValue;

    /// <summary>The server's name in the line.</summary>
    public string Key { get; } = key;

    /// <summary>True once the start may run; false when it left the line without running.</summary>
    public Task<bool> Turn => _turn.Task;

    /// <summary>Whether the start had to wait.</summary>
    public bool Waited { get; private set; }

    /// <summary>Whether the start was given a slot (it then holds one until released).</summary>
    public bool Admitted { get; private set; }

    internal void Admit()
    {
        Admitted = true;
        _turn.TrySetResult(true);
    }

    internal void Cancel() => _turn.TrySetResult(false);

    internal void Tell(LinePosition position)
    {
        // Only moves up are news; the caller holds the line's lock, so positions arrive in order.
        if (position.Position < _last)
        {
            _last = position.Position;
            Waited = true;
            moved(position);
        }
    }
}
