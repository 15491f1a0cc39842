using System.Collections.Frozen;
using Greyhub.Data.Access.Remote;
using Greyhub.Data.Stores;
using Greyhub.Scopes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Greyhub.Data.Access.Datasets;

/// <summary>A dataset as the data path sees it: its record, its canonical root (null when missing) and its scope target.</summary>
internal sealed record DatasetEntry(DatasetRecord Record, string? RealRoot)
{
    /// <summary>The remote store the dataset's bytes are in, or null for a folder.</summary>
    public RemoteLocation? Remote { get; } = RemoteLocation.TryParse(Record.Location);

    /// <summary>What <c>read:datasets</c>/<c>admin:datasets</c> filters are checked against.</summary>
    public ResourceRef Target { get; } = ResourceRef.Dataset(Record.Name, Record.Owner, Record.ReadGroups);
}

/// <summary>
/// The datasets table held in memory as an immutable snapshot, so that a chunk request costs no database round trip.
/// A change through this hub swaps it at once (<see cref="Invalidate"/>); a change through another hub sharing the
/// database is seen after <see cref="DataAccessOptions.RegistryRefreshInterval"/>.
/// </summary>
internal sealed class DatasetRegistry(IServiceScopeFactory scopes, TimeProvider time, IOptions<DataAccessOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile Snapshot? _snapshot;
    private int _generation;

    /// <summary>The dataset named <paramref name="name"/>, or null.</summary>
    public async ValueTask<DatasetEntry?> FindAsync(string name, CancellationToken cancellationToken)
    {
        var snapshot = await CurrentAsync(cancellationToken);
        return snapshot.ByName.GetValueOrDefault(name);
    }

    /// <summary>Every dataset, by name.</summary>
    public async ValueTask<IReadOnlyList<DatasetEntry>> AllAsync(CancellationToken cancellationToken) =>
        (await CurrentAsync(cancellationToken)).All;

    public void Dispose() => _loading.Dispose();

    /// <summary>Forgets the snapshot: the next request reads the table again.</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _snapshot = null;
    }

    private async ValueTask<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && time.GetUtcNow() - snapshot.LoadedAt < options.Value.RegistryRefreshInterval)
        {
            return snapshot;
        }
        await _loading.WaitAsync(cancellationToken);
        try
        {
            // Another request may have loaded it while this one waited.
            snapshot = _snapshot;
            if (snapshot is not null && time.GetUtcNow() - snapshot.LoadedAt < options.Value.RegistryRefreshInterval)
            {
                return snapshot;
            }
            var loadedAt = time.GetUtcNow();
            var generation = Volatile.Read(ref _generation);
            await using var scope = scopes.CreateAsyncScope();
            var records = await scope.ServiceProvider.GetRequiredService<DatasetStore>().ListAsync(cancellationToken);
            var entries = records.Select(r => new DatasetEntry(r, RemoteLocation.IsRemote(r.Location) ? null : RealPath.Resolve(r.Location))).ToList();
            snapshot = new Snapshot(loadedAt, entries, entries.ToFrozenDictionary(e => e.Record.Name, StringComparer.Ordinal));
            // A change made while the table was read may be missing from it: answer with it, but do not keep it.
            if (generation == Volatile.Read(ref _generation))
            {
                _snapshot = snapshot;
            }
            return snapshot;
        }
        finally
        {
            _loading.Release();
        }
    }

    private sealed record Snapshot(DateTimeOffset LoadedAt, IReadOnlyList<DatasetEntry> All, FrozenDictionary<string, DatasetEntry> ByName);
}
