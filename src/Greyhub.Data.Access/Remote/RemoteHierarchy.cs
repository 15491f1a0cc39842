using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Greyhub.Data.Access.Serving;

namespace Greyhub.Data.Access.Remote;

/// <summary>
/// Every metadata document of a remote Zarr hierarchy (<c>.zgroup</c>, <c>.zarray</c>, <c>.zattrs</c>, <c>zarr.json</c>,
/// keyed as in the store), read once from the remote's consolidated metadata or by exploring it, and then the whole
/// truth for the hub's own reads until it is read again: the page, the quick look and the extents open arrays from it
/// without a request per document.
/// </summary>
internal sealed class RemoteHierarchy
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly Lazy<ConsolidatedDocument> _consolidated;

    /// <param name="documents">The documents as the remote sent them (one that is not JSON stays as sent; opening that node reports it).</param>
    /// <param name="fromRemoteConsolidated">Whether they came from the remote's own consolidated metadata.</param>
    public RemoteHierarchy(IReadOnlyDictionary<string, byte[]> documents, bool fromRemoteConsolidated)
    {
        Documents = documents;
        FromRemoteConsolidated = fromRemoteConsolidated;
        Bytes = documents.Sum(d => (long)d.Value.Length + d.Key.Length * 2 + 64);
        _consolidated = new(() => Consolidate(documents));
    }

    /// <summary>The documents by key.</summary>
    public IReadOnlyDictionary<string, byte[]> Documents { get; }

    /// <summary>Whether they came from the remote's own consolidated metadata.</summary>
    public bool FromRemoteConsolidated { get; }

    /// <summary>Their approximate size in memory, what the cache counts.</summary>
    public long Bytes { get; }

    /// <summary>A stamp that changes when any document does, for caches of what was drawn from them.</summary>
    public string Version => _consolidated.Value.ETag;

    /// <summary>The v2 documents as zarr-python's <c>.zmetadata</c>, for readers of a store that has none.</summary>
    public ConsolidatedDocument Consolidated => _consolidated.Value;

    /// <summary>Whether a key names a metadata document (which the hierarchy answers) rather than a chunk.</summary>
    public static bool IsMetadataKey(string key)
    {
        var name = key[(key.LastIndexOf('/') + 1)..];
        return name is ".zgroup" or ".zarray" or ".zattrs" or ".zmetadata" or "zarr.json";
    }

    private static ConsolidatedDocument Consolidate(IReadOnlyDictionary<string, byte[]> documents)
    {
        var metadata = new JsonObject();
        foreach (var (key, bytes) in documents.Where(d => d.Key != ".zmetadata").OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            if (!key.EndsWith("zarr.json", StringComparison.Ordinal))
            {
                metadata[key] = ParseOrNull(bytes);
            }
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["metadata"] = metadata, ["zarr_consolidated_format"] = 1 }, Indented);
        // The tag covers every document, v3 ones too, so it doubles as the hierarchy's version.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (key, bytes) in documents.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(key + "\n" + bytes.Length + "\n"));
            hash.AppendData(bytes);
        }
        var etag = "\"r" + Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 12)) + "\"";
        return new ConsolidatedDocument(json, etag, DateTimeOffset.UnixEpoch);
    }

    // As for local stores: a document that is not JSON is carried as null rather than failing the whole hierarchy.
    private static JsonNode? ParseOrNull(byte[] bytes)
    {
        try
        {
            return JsonNode.Parse(bytes);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
