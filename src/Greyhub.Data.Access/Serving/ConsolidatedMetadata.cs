using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Greyhub.Data.Access.Serving;

/// <summary>A produced <c>.zmetadata</c>: its bytes, entity tag and the newest time among its sources.</summary>
internal sealed record ConsolidatedDocument(byte[] Json, string ETag, DateTimeOffset LastModified);

/// <summary>
/// Consolidated metadata (<c>.zmetadata</c>, zarr-python's <c>consolidate_metadata</c> format) for Zarr v2 stores that
/// lack it, so a reader opens a whole hierarchy in one request. Produced once per store and kept while nothing it was
/// built from changed: each folder's and metadata file's modification time is checked (a stat each, no reads) before
/// it is served again; a new array changes its parent folder's time.
/// </summary>
internal sealed class ConsolidatedMetadata
{
    private static readonly string[] MetadataFiles = [".zgroup", ".zarray", ".zattrs"];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly ConcurrentDictionary<string, Built> _cache = new(StringComparer.Ordinal);

    /// <summary>The document for the store at <paramref name="root"/> (canonical path).</summary>
    public ConsolidatedDocument Get(string root)
    {
        if (_cache.TryGetValue(root, out var built) && built.IsCurrent())
        {
            return built.Document;
        }
        built = Build(root);
        _cache[root] = built;
        return built.Document;
    }

    private static Built Build(string root)
    {
        var stamps = new List<(string Path, DateTime Time)>();
        var metadata = new JsonObject();
        var pending = new Stack<(string Folder, string Key)>();
        pending.Push((root, ""));
        while (pending.Count > 0)
        {
            var (folder, key) = pending.Pop();
            stamps.Add((folder, Directory.GetLastWriteTimeUtc(folder)));
            foreach (var name in MetadataFiles)
            {
                var file = Path.Combine(folder, name);
                if (File.Exists(file))
                {
                    stamps.Add((file, File.GetLastWriteTimeUtc(file)));
                    metadata[key + name] = ParseOrNull(file);
                }
            }
            // Only real sub-folders holding Zarr metadata are hierarchy nodes; symlinked folders are not followed.
            foreach (var sub in new DirectoryInfo(folder).EnumerateDirectories())
            {
                if ((sub.Attributes & FileAttributes.ReparsePoint) == 0 && MetadataFiles.Any(m => File.Exists(Path.Combine(sub.FullName, m))))
                {
                    pending.Push((sub.FullName, key + sub.Name + "/"));
                }
            }
        }
        var sorted = new JsonObject();
        foreach (var (k, v) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal).ToList())
        {
            metadata.Remove(k);
            sorted[k] = v;
        }
        var document = new JsonObject { ["metadata"] = sorted, ["zarr_consolidated_format"] = 1 };
        var json = JsonSerializer.SerializeToUtf8Bytes(document, Indented);
        var etag = "\"z" + Convert.ToHexStringLower(SHA256.HashData(json).AsSpan(0, 12)) + "\"";
        var newest = stamps.Max(s => s.Time);
        return new Built(new ConsolidatedDocument(json, etag, new DateTimeOffset(newest, TimeSpan.Zero)), stamps);
    }

    // A metadata file that is not JSON is carried as null rather than failing the whole hierarchy.
    private static JsonNode? ParseOrNull(string file)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllBytes(file));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record Built(ConsolidatedDocument Document, List<(string Path, DateTime Time)> Stamps)
    {
        public bool IsCurrent() => Stamps.TrueForAll(s => File.GetLastWriteTimeUtc(s.Path) == s.Time);
    }
}
