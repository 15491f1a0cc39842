using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Tests;

/// <summary>Wraps a store and records every read (key, range, bytes returned).</summary>
internal sealed class CountingStore(IZarrStore inner) : IZarrStore
{
    public ConcurrentQueue<(string Key, ByteRange? Range, int Bytes)> Reads { get; } = new();

    public bool IsWritable => inner.IsWritable;

    public async ValueTask<IMemoryOwner<byte>?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var v = await inner.GetAsync(key, cancellationToken);
        Reads.Enqueue((key, null, v?.Memory.Length ?? -1));
        return v;
    }

    public async ValueTask<IMemoryOwner<byte>?> GetRangeAsync(string key, ByteRange range, CancellationToken cancellationToken)
    {
        var v = await inner.GetRangeAsync(key, range, cancellationToken);
        Reads.Enqueue((key, range, v?.Memory.Length ?? -1));
        return v;
    }

    public ValueTask<long?> GetSizeAsync(string key, CancellationToken cancellationToken) => inner.GetSizeAsync(key, cancellationToken);

    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) => inner.SetAsync(key, value, cancellationToken);

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

    public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);
}

internal static class JsonAssert
{
    /// <summary>Structural equality with numbers compared by value (0 equals 0.0).</summary>
    public static bool Equivalent(JsonNode? a, JsonNode? b) => (a, b) switch
    {
        (null, null) => true,
        (JsonObject x, JsonObject y) => x.Count == y.Count && x.All(p => y.ContainsKey(p.Key) && Equivalent(p.Value, y[p.Key])),
        (JsonArray x, JsonArray y) => x.Count == y.Count && x.Zip(y).All(p => Equivalent(p.First, p.Second)),
        (JsonValue x, JsonValue y) when x.GetValueKind() == System.Text.Json.JsonValueKind.Number && y.GetValueKind() == System.Text.Json.JsonValueKind.Number
            => double.Parse(x.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) == double.Parse(y.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture),
        (JsonValue x, JsonValue y) => x.ToJsonString() == y.ToJsonString(),
        _ => false,
    };

    public static void Equal(JsonNode? expected, JsonNode? actual)
        => Assert.True(Equivalent(expected, actual), $"expected {expected?.ToJsonString()}\nactual   {actual?.ToJsonString()}");
}
