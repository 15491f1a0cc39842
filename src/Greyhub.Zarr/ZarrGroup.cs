using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Metadata;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr;

/// <summary>Whether a node is an array or a group.</summary>
public enum ZarrNodeKind
{
    /// <summary>An array.</summary>
    Array,
    /// <summary>A group.</summary>
    Group,
}

/// <summary>A node found in a hierarchy.</summary>
/// <param name="Path">Its path from the store root (empty for the root).</param>
/// <param name="Kind">Array or group.</param>
/// <param name="ZarrFormat">2 or 3.</param>
public sealed record ZarrNodeInfo(string Path, ZarrNodeKind Kind, int ZarrFormat)
{
    /// <summary>The last path segment.</summary>
    public string Name => Path[(Path.LastIndexOf('/') + 1)..];
}

/// <summary>A Zarr group: attributes, children and the hierarchy below it.</summary>
public sealed class ZarrGroup
{
    private readonly NodeStore _nodes;
    private JsonObject _attributes;

    private ZarrGroup(NodeStore nodes, string path, int format, JsonObject attributes)
    {
        _nodes = nodes;
        Path = path;
        ZarrFormat = format;
        _attributes = attributes;
    }

    /// <summary>The group's path (empty for the root).</summary>
    public string Path { get; }

    /// <summary>2 or 3.</summary>
    public int ZarrFormat { get; }

    /// <summary>The store.</summary>
    public IZarrStore Store => _nodes.Store;

    /// <summary>A copy of the user attributes.</summary>
    public JsonObject Attributes => (JsonObject)_attributes.DeepClone();

    /// <summary>True when metadata below this group is answered from consolidated metadata.</summary>
    public bool IsConsolidated => _nodes.Consolidated is not null;

    /// <summary>
    /// Opens the group at <paramref name="path"/>. Uses consolidated metadata when the group has it (one read opens the
    /// hierarchy, and HTTP stores need it to list). A path with no metadata but nodes below is an implicit group.
    /// </summary>
    public static async Task<ZarrGroup> OpenAsync(IZarrStore store, string path = "", ZarrOptions? options = null, int? zarrFormat = null, CancellationToken cancellationToken = default)
    {
        path = NodeStore.Normalize(path);
        var prefix = NodeStore.Prefix(path);
        var plain = new NodeStore(store, options ?? ZarrOptions.Default);
        if (zarrFormat != 2 && await plain.ReadAsync(prefix + "zarr.json", path, cancellationToken) is { } v3)
        {
            ArrayMetadataParser.RequireFormat(v3, 3, path);
            if (v3["node_type"] is not JsonValue nt || !nt.TryGetValue(out string? t) || t != "group")
            {
                throw new ZarrNodeNotFoundException("the node is not a group", path);
            }
            var consolidated = NodeStore.ReadConsolidated(null, v3, path);
            return new ZarrGroup(consolidated is null ? plain : new NodeStore(store, plain.Options, consolidated), path, 3, Attrs(v3["attributes"], path));
        }
        if (zarrFormat != 3 && await plain.ReadAsync(prefix + ".zgroup", path, cancellationToken) is { } v2)
        {
            ArrayMetadataParser.RequireFormat(v2, 2, path);
            var consolidated = NodeStore.ReadConsolidated(await plain.ReadAsync(prefix + ".zmetadata", path, cancellationToken), null, path);
            var nodes = consolidated is null ? plain : new NodeStore(store, plain.Options, consolidated);
            var attrs = await nodes.ReadAsync(prefix + ".zattrs", path, cancellationToken);
            return new ZarrGroup(nodes, path, 2, attrs ?? []);
        }
        List<string> below;
        try
        {
            below = await plain.ListAsync(prefix, cancellationToken);
        }
        catch (ZarrUnsupportedException)
        {
            below = [];
        }
        if (below.Count > 0)
        {
            var format = zarrFormat ?? (below.Any(k => k.EndsWith("zarr.json", StringComparison.Ordinal)) ? 3 : 2);
            return new ZarrGroup(plain, path, format, []);
        }
        throw new ZarrNodeNotFoundException("no group here", path);
    }

    /// <summary>Creates (or replaces) a group, creating missing parents.</summary>
    public static async Task<ZarrGroup> CreateAsync(IZarrStore store, string path = "", int zarrFormat = 3, JsonObject? attributes = null, ZarrOptions? options = null, CancellationToken cancellationToken = default)
    {
        var nodes = new NodeStore(store, options ?? ZarrOptions.Default);
        path = NodeStore.Normalize(path);
        await EnsureParentsAsync(nodes, path, zarrFormat, cancellationToken);
        var group = new ZarrGroup(nodes, path, zarrFormat, (JsonObject?)attributes?.DeepClone() ?? []);
        await group.WriteAsync(cancellationToken);
        return group;
    }

    internal static async Task EnsureParentsAsync(NodeStore nodes, string path, int format, CancellationToken cancellationToken)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var parent = string.Join('/', parts.Take(i));
            var prefix = NodeStore.Prefix(parent);
            var key = prefix + (format == 3 ? "zarr.json" : ".zgroup");
            if (await nodes.Store.GetSizeAsync(key, cancellationToken) is null)
            {
                await new ZarrGroup(nodes, parent, format, []).WriteAsync(cancellationToken);
            }
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        var prefix = NodeStore.Prefix(Path);
        if (ZarrFormat == 3)
        {
            await _nodes.WriteAsync(prefix + "zarr.json", new JsonObject { ["zarr_format"] = 3, ["node_type"] = "group", ["attributes"] = _attributes.DeepClone() }, 3, cancellationToken);
        }
        else
        {
            await _nodes.WriteAsync(prefix + ".zgroup", new JsonObject { ["zarr_format"] = 2 }, 2, cancellationToken);
            if (_attributes.Count > 0)
            {
                await _nodes.WriteAsync(prefix + ".zattrs", _attributes, 2, cancellationToken);
            }
        }
    }

    /// <summary>Replaces the user attributes.</summary>
    public async Task SetAttributesAsync(JsonObject attributes, CancellationToken cancellationToken = default)
    {
        _attributes = (JsonObject)attributes.DeepClone();
        await WriteAsync(cancellationToken);
    }

    /// <summary>Opens a child (or deeper) array by relative path.</summary>
    public Task<ZarrArray> OpenArrayAsync(string name, CancellationToken cancellationToken = default)
        => ZarrArray.OpenAsync(_nodes, NodeStore.Join(Path, name), ZarrFormat, cancellationToken);

    /// <summary>Opens a child (or deeper) group by relative path.</summary>
    public Task<ZarrGroup> OpenGroupAsync(string name, CancellationToken cancellationToken = default)
        => OpenAsync(Store, NodeStore.Join(Path, name), _nodes.Options, ZarrFormat, cancellationToken);

    /// <summary>Creates an array below this group.</summary>
    public Task<ZarrArray> CreateArrayAsync(string name, ZarrArrayDefinition definition, CancellationToken cancellationToken = default)
        => ZarrArray.CreateAsync(new NodeStore(Store, _nodes.Options), NodeStore.Join(Path, name), definition, cancellationToken);

    /// <summary>Creates a group below this group, in this group's format.</summary>
    public Task<ZarrGroup> CreateGroupAsync(string name, JsonObject? attributes = null, CancellationToken cancellationToken = default)
        => CreateAsync(Store, NodeStore.Join(Path, name), ZarrFormat, attributes, _nodes.Options, cancellationToken);

    /// <summary>The direct children, sorted by name.</summary>
    public async Task<IReadOnlyList<ZarrNodeInfo>> ListChildrenAsync(CancellationToken cancellationToken = default)
        => [.. (await DescendantsAsync(cancellationToken)).Where(n => !n.Path[Prefix.Length..].Contains('/', StringComparison.Ordinal))];

    /// <summary>Every node below this group, depth-first in path order (implicit groups included).</summary>
    public async IAsyncEnumerable<ZarrNodeInfo> WalkAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var n in await DescendantsAsync(cancellationToken))
        {
            yield return n;
        }
    }

    private string Prefix => NodeStore.Prefix(Path);

    private async Task<List<ZarrNodeInfo>> DescendantsAsync(CancellationToken cancellationToken)
    {
        var keys = await _nodes.ListAsync(Prefix, cancellationToken);
        var nodes = new SortedDictionary<string, ZarrNodeInfo>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var rel = key[Prefix.Length..];
            var slash = rel.LastIndexOf('/');
            var dir = slash < 0 ? "" : rel[..slash];
            var file = rel[(slash + 1)..];
            if (dir.Length == 0 || file is not ("zarr.json" or ".zarray" or ".zgroup"))
            {
                continue;
            }
            var path = NodeStore.Join(Path, dir);
            var kind = file switch
            {
                ".zarray" => ZarrNodeKind.Array,
                ".zgroup" => ZarrNodeKind.Group,
                _ => await KindOfV3Async(key, path, cancellationToken),
            };
            var format = file == "zarr.json" ? 3 : 2;
            if (format != ZarrFormat && nodes.ContainsKey(path))
            {
                continue;
            }
            nodes[path] = new ZarrNodeInfo(path, kind, format);
            // Intermediate directories without metadata are implicit groups.
            var parts = dir.Split('/');
            for (var i = 1; i < parts.Length; i++)
            {
                var p = NodeStore.Join(Path, string.Join('/', parts.Take(i)));
                nodes.TryAdd(p, new ZarrNodeInfo(p, ZarrNodeKind.Group, ZarrFormat));
            }
        }
        return [.. nodes.Values];
    }

    private async Task<ZarrNodeKind> KindOfV3Async(string key, string path, CancellationToken cancellationToken)
    {
        var doc = await _nodes.ReadAsync(key, path, cancellationToken) ?? throw new ZarrNodeNotFoundException("metadata vanished", path);
        return doc["node_type"] is JsonValue v && v.TryGetValue(out string? t) && t == "array" ? ZarrNodeKind.Array
            : doc["node_type"] is JsonValue g && g.TryGetValue(out string? gt) && gt == "group" ? ZarrNodeKind.Group
            : throw new ZarrMetadataException("node_type must be array or group", path);
    }

    /// <summary>
    /// Writes consolidated metadata for everything below this group: v2 <c>.zmetadata</c> (zarr-python's layout) or,
    /// for v3, <c>consolidated_metadata</c> inline in this group's <c>zarr.json</c>.
    /// </summary>
    public async Task ConsolidateAsync(CancellationToken cancellationToken = default)
    {
        var plain = new NodeStore(Store, _nodes.Options);
        var keys = await plain.ListAsync(Prefix, cancellationToken);
        var metadata = new JsonObject();
        if (ZarrFormat == 2)
        {
            foreach (var key in keys.Where(k => k.EndsWith(".zarray", StringComparison.Ordinal) || k.EndsWith(".zgroup", StringComparison.Ordinal) || k.EndsWith(".zattrs", StringComparison.Ordinal)))
            {
                metadata[key[Prefix.Length..]] = await plain.ReadAsync(key, Path, cancellationToken);
            }
            await plain.WriteAsync(Prefix + ".zmetadata", new JsonObject { ["metadata"] = metadata, ["zarr_consolidated_format"] = 1 }, 2, cancellationToken);
            return;
        }
        foreach (var key in keys.Where(k => k.EndsWith("/zarr.json", StringComparison.Ordinal) && k.Length > Prefix.Length + "/zarr.json".Length))
        {
            var doc = await plain.ReadAsync(key, Path, cancellationToken);
            doc?.Remove("consolidated_metadata");
            metadata[key[Prefix.Length..^"/zarr.json".Length]] = doc;
        }
        var root = new JsonObject
        {
            ["zarr_format"] = 3,
            ["node_type"] = "group",
            ["attributes"] = _attributes.DeepClone(),
            ["consolidated_metadata"] = new JsonObject { ["kind"] = "inline", ["must_understand"] = false, ["metadata"] = metadata },
        };
        await plain.WriteAsync(Prefix + "zarr.json", root, 3, cancellationToken);
    }

    private static JsonObject Attrs(JsonNode? node, string path) => node switch
    {
        null => [],
        JsonObject o => (JsonObject)o.DeepClone(),
        _ => throw new ZarrMetadataException("attributes must be an object", path),
    };
}
