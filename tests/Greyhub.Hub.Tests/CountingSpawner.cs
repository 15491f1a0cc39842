using Greyhub.Abstractions.Compute;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The engine's side of a start, counted: wraps the real spawner and counts the starts running at once, from the
/// moment the hub calls <see cref="ISpawner.StartAsync"/> until the started server answers HTTP (so a start counts for
/// as long as it is really starting). A closed gate holds every start at its beginning, so a test decides when the
/// first ones may finish and the line's shape never depends on timing.
/// </summary>
internal sealed class CountingSpawner(ISpawner inner, bool gated) : ISpawner
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
    private readonly TaskCompletionSource _gate = NewGate(gated);
    private int _running;
    private int _most;
    private int _calls;

    /// <summary>The most starts that ran at once.</summary>
    public int MostAtOnce => Volatile.Read(ref _most);

    /// <summary>Starts running now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Starts the hub asked for in all.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Lets every held start (and all later ones) go on.</summary>
    public void Open() => _gate.TrySetResult();

    public string Name => inner.Name;

    public IReadOnlyList<SpawnerProfile> Profiles => inner.Profiles;

    public string ValidateUserOptions(System.Text.Json.JsonElement? userOptions) => inner.ValidateUserOptions(userOptions);

    public async Task<SpawnedServer> StartAsync(SpawnRequest request, ISpawnContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        var now = Interlocked.Increment(ref _running);
        for (var most = Volatile.Read(ref _most); now > most; most = Volatile.Read(ref _most))
        {
            if (Interlocked.CompareExchange(ref _most, now, most) == most)
            {
                break;
            }
        }
        try
        {
            await _gate.Task.WaitAsync(cancellationToken);
            var spawned = await inner.StartAsync(request, context, cancellationToken);
            await ServingAsync(spawned.Url, cancellationToken);
            return spawned;
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    public Task<IReadOnlyList<SpawnerStatus>> PollAsync(IReadOnlyList<string> states, CancellationToken cancellationToken) => inner.PollAsync(states, cancellationToken);

    public Task StopAsync(string state, CancellationToken cancellationToken) => inner.StopAsync(state, cancellationToken);

    public Task<string> ReadLogAsync(string state, int maxBytes, CancellationToken cancellationToken) => inner.ReadLogAsync(state, maxBytes, cancellationToken);

    private static TaskCompletionSource NewGate(bool closed)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!closed)
        {
            gate.SetResult();
        }
        return gate;
    }

    private static async Task ServingAsync(Uri url, CancellationToken cancellationToken)
    {
        // Not a timing assumption: it only decides when this start stops counting (once the server answers).
        while (true)
        {
            try
            {
                using var response = await Client.GetAsync(url, cancellationToken);
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
            }
        }
    }
}
