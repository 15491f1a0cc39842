using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Greyhub.Zarr.Storage;

/// <summary>A store in memory (tests, scratch arrays).</summary>
public sealed class InMemoryStore : IZarrStore
{
    private readonly ConcurrentDictionary<string, byte[]> _values = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public bool IsWritable => true;

    /// <summary>The keys currently stored.</summary>
    public IReadOnlyCollection<string> Keys => [.. _values.Keys];

    /// <summary>The raw value of a key, or null.</summary>
    public byte[]? this[string key] => _values.TryGetValue(key, out var v) ? v : null;

    /// <inheritdoc />
    public ValueTask<IMemoryOwner<byte>?> GetAsync(string key, CancellationToken cancellationToken)
        => ValueTask.FromResult(_values.TryGetValue(StoreKeys.Validate(key), out var v) ? ZarrBuffer.Wrap(v) : null);

    /// <inheritdoc />
    public ValueTask<IMemoryOwner<byte>?> GetRangeAsync(string key, ByteRange range, CancellationToken cancellationToken)
    {
        if (!_values.TryGetValue(StoreKeys.Validate(key), out var v))
        {
            return ValueTask.FromResult<IMemoryOwner<byte>?>(null);
        }
        var (start, length) = range.Resolve(v.Length);
        return ValueTask.FromResult<IMemoryOwner<byte>?>(ZarrBuffer.Wrap(v.AsMemory((int)start, (int)length)));
    }

    /// <inheritdoc />
    public ValueTask<long?> GetSizeAsync(string key, CancellationToken cancellationToken)
        => ValueTask.FromResult<long?>(_values.TryGetValue(StoreKeys.Validate(key), out var v) ? v.Length : null);

    /// <inheritdoc />
    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        _values[StoreKeys.Validate(key)] = value.ToArray();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        _values.TryRemove(StoreKeys.Validate(key), out _);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        foreach (var k in _values.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            yield return k;
        }
    }
}
