using System.Text.Json;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Metadata;

/// <summary>Reads and writes metadata documents, answering from consolidated metadata when there is some.</summary>
internal sealed class NodeStore(IZarrStore store, ZarrOptions options, IReadOnlyDictionary<string, JsonObject>? consolidated = null)
{
    private static readonly JsonSerializerOptions V2Json = new() { WriteIndented = true, IndentSize = 4 };
    private static readonly JsonSerializerOptions V3Json = new() { WriteIndented = true, IndentSize = 2 };

    public IZarrStore Store => store;

    public ZarrOptions Options => options;

    public IReadOnlyDictionary<string, JsonObject>? Consolidated => consolidated;

    public static string Normalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var parts = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Any(p => p is "." or ".."))
        {
            throw new ZarrException($"invalid node path '{path}'");
        }
        return string.Join('/', parts);
    }

    public static string Prefix(string path) => path.Length == 0 ? "" : path + "/";

    public static string Join(string path, string name) => Normalize(Prefix(path) + name);

    public async ValueTask<JsonObject?> ReadAsync(string key, string path, CancellationToken cancellationToken)
    {
        if (consolidated is not null)
        {
            // Consolidated metadata is the whole truth for the hierarchy (as in zarr-python): no store round trip.
            return consolidated.TryGetValue(key, out var doc) ? (JsonObject)doc.DeepClone() : null;
        }
        IDisposable? owner;
        try
        {
            owner = await store.GetAsync(key, cancellationToken);
        }
        catch (Exception e) when (e is not (OperationCanceledException or ZarrException))
        {
            throw new ZarrException($"cannot read '{key}': {e.Message}", path, null, e);
        }
        using var value = (System.Buffers.IMemoryOwner<byte>?)owner;
        return value is null ? null : ArrayMetadataParser.ParseObject(value.Memory.Span, key, path);
    }

    public async ValueTask WriteAsync(string key, JsonObject document, int format, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, format == 2 ? V2Json : V3Json);
        await store.SetAsync(key, bytes, cancellationToken);
    }

    /// <summary>Keys under a prefix: from consolidated metadata when present, else from the store.</summary>
    public async Task<List<string>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        if (consolidated is not null)
        {
            return [.. consolidated.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        }
        var keys = new List<string>();
        await foreach (var k in store.ListAsync(prefix, cancellationToken))
        {
            keys.Add(k);
        }
        return keys;
    }

    /// <summary>Loads consolidated metadata stored at a group (v2 <c>.zmetadata</c>, v3 inline in <c>zarr.json</c>).</summary>
    public static Dictionary<string, JsonObject>? ReadConsolidated(JsonObject? zmetadata, JsonObject? v3Group, string path)
    {
        var prefix = Prefix(path);
        if (zmetadata?["metadata"] is JsonObject m2)
        {
            var d = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            foreach (var (k, v) in m2)
            {
                if (v is JsonObject o)
                {
                    d[prefix + k] = o;
                }
            }
            return d;
        }
        if ((v3Group?["consolidated_metadata"] as JsonObject)?["metadata"] is JsonObject m3)
        {
            var d = new Dictionary<string, JsonObject>(StringComparer.Ordinal) { [prefix + "zarr.json"] = v3Group };
            foreach (var (k, v) in m3)
            {
                if (v is JsonObject o)
                {
                    d[prefix + Normalize(k) + "/zarr.json"] = o;
                }
            }
            return d;
        }
        return null;
    }
}
