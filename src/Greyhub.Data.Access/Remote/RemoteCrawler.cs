using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.Serving;

namespace Greyhub.Data.Access.Remote;

/// <summary>
/// Reads a remote Zarr hierarchy's metadata: the remote's consolidated metadata when it has some (v2
/// <c>.zmetadata</c>, v3 <c>consolidated_metadata</c> in the root <c>zarr.json</c>), else by exploring it. HTTP has no
/// listing, so the names of a group's children come from the group folder's HTML index page, when the server gives
/// one, and from the names the metadata itself mentions (xarray's <c>_ARRAY_DIMENSIONS</c>, v3's
/// <c>dimension_names</c>, CF's <c>coordinates</c>, <c>bounds</c>...); each name is probed for its metadata documents.
/// Every request, byte and level counts against the <see cref="RemoteBudget"/> and the caller's deadline.
/// </summary>
internal sealed class RemoteCrawler(RemoteStores remotes, string dataset, RemoteLocation remote, DataAccessOptions options, RemoteBudget budget)
{
    // Attributes whose values name other variables of the same group (CF conventions, xarray).
    private static readonly string[] NamingAttributes = ["coordinates", "bounds", "ancillary_variables", "grid_mapping", "cell_measures"];

    private readonly ConcurrentDictionary<string, byte[]> _documents = new(StringComparer.Ordinal);

    private enum NodeKind
    {
        None,
        Array,
        Group,
    }

    /// <summary>Reads the hierarchy of a store of <paramref name="format"/> (<c>zarr-v2</c> or <c>zarr-v3</c>).</summary>
    public async Task<RemoteHierarchy> ReadAsync(string format, CancellationToken cancellationToken)
    {
        var v3 = format == DatasetFormats.ZarrV3;
        if (v3)
        {
            if (await FetchAsync("zarr.json", cancellationToken) is { } root && FromV3Consolidated(root) is { } inline)
            {
                return new RemoteHierarchy(inline, fromRemoteConsolidated: true);
            }
        }
        else if (await FetchAsync(".zmetadata", cancellationToken) is { } zmetadata)
        {
            if (FromZmetadata(zmetadata) is { } consolidated)
            {
                return new RemoteHierarchy(consolidated, fromRemoteConsolidated: true);
            }
            // Not consolidated metadata after all (not JSON, no "metadata" object): the store is explored instead.
            _documents.Clear();
        }
        await CrawlAsync(v3, cancellationToken);
        return new RemoteHierarchy(new Dictionary<string, byte[]>(_documents, StringComparer.Ordinal), fromRemoteConsolidated: false);
    }

    private async Task CrawlAsync(bool v3, CancellationToken cancellationToken)
    {
        var rootKind = await ProbeAsync("", v3, cancellationToken);
        if (rootKind.Kind == NodeKind.Array)
        {
            return;
        }
        var groups = new Queue<(string Path, int Depth, IReadOnlyList<string> Names)>();
        groups.Enqueue(("", 0, rootKind.Names));
        while (groups.TryDequeue(out var group))
        {
            var candidates = new HashSet<string>(group.Names, StringComparer.Ordinal);
            foreach (var name in await ListAsync(group.Path, cancellationToken))
            {
                candidates.Add(name);
            }
            var probed = new HashSet<string>(StringComparer.Ordinal);
            while (candidates.Count > 0)
            {
                var batch = candidates.ToList();
                probed.UnionWith(batch);
                candidates.Clear();
                var found = new ConcurrentBag<(string Path, NodeKind Kind, IReadOnlyList<string> Names)>();
                await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (name, ct) =>
                {
                    var path = group.Path.Length == 0 ? name : group.Path + "/" + name;
                    var (kind, names) = await ProbeAsync(path, v3, ct);
                    found.Add((path, kind, names));
                });
                foreach (var (path, kind, names) in found)
                {
                    if (kind == NodeKind.Group)
                    {
                        if (group.Depth + 1 > options.RemoteCrawlMaxDepth)
                        {
                            throw new RemoteBudgetException($"The remote store's hierarchy is deeper than {options.RemoteCrawlMaxDepth} levels (Greyhub:Data:RemoteCrawlMaxDepth); " +
                                "give it consolidated metadata or raise the limit.");
                        }
                        groups.Enqueue((path, group.Depth + 1, names));
                    }
                    else if (kind == NodeKind.Array)
                    {
                        // An array's dimensions and coordinates are its siblings (xarray's layout).
                        candidates.UnionWith(names.Where(n => !probed.Contains(n)));
                    }
                }
            }
        }
    }

    /// <summary>What is at <paramref name="path"/>: an array, a group or nothing, and the names its metadata mentions.</summary>
    private async Task<(NodeKind Kind, IReadOnlyList<string> Names)> ProbeAsync(string path, bool v3, CancellationToken cancellationToken)
    {
        var prefix = path.Length == 0 ? "" : path + "/";
        if (v3)
        {
            if (await FetchAsync(prefix + "zarr.json", cancellationToken) is not { } document)
            {
                return (NodeKind.None, []);
            }
            var nodeType = Read(document, root => root.ValueKind == JsonValueKind.Object && root.TryGetProperty("node_type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null);
            var names = Read(document, root => NamesIn(root.TryGetProperty("attributes", out var a) ? a : default)
                .Concat(root.TryGetProperty("dimension_names", out var d) ? Strings(d) : [])
                .ToList()) ?? [];
            return (nodeType == "array" ? NodeKind.Array : nodeType == "group" ? NodeKind.Group : NodeKind.None, names);
        }
        var kind = await FetchAsync(prefix + ".zarray", cancellationToken) is not null ? NodeKind.Array
            : await FetchAsync(prefix + ".zgroup", cancellationToken) is not null ? NodeKind.Group
            : NodeKind.None;
        if (kind == NodeKind.None)
        {
            return (kind, []);
        }
        var attributes = await FetchAsync(prefix + ".zattrs", cancellationToken);
        IReadOnlyList<string> mentioned = attributes is null ? [] : Read(attributes, root => NamesIn(root).Concat(
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty("_ARRAY_DIMENSIONS", out var dims) ? Strings(dims) : []).ToList()) ?? [];
        return (kind, mentioned);
    }

    /// <summary>The child folders the group folder's index page links to; none when the server gives no page.</summary>
    private async Task<IReadOnlyList<string>> ListAsync(string path, CancellationToken cancellationToken)
    {
        var key = path.Length == 0 ? "" : path + "/";
        byte[]? page;
        try
        {
            using var owner = await remotes.ReadAsync(dataset, remote, key, null, options.RemoteMaxListingBytes, budget, cancellationToken);
            page = owner?.Memory.ToArray();
        }
        catch (RemoteReadException e) when (e is not RemoteBudgetException)
        {
            // Too large (an endless page) or refused: exploring stops here with the reason, never with a partial list.
            throw new RemoteBudgetException($"The remote store's index page of '/{key}' could not be used (at most {options.RemoteMaxListingBytes} bytes, " +
                $"{DataAccessOptions.Section}:RemoteMaxListingBytes): {e.Message}");
        }
        if (page is null)
        {
            return [];
        }
        var folder = remote.UrlFor(key);
        return RemoteListing.ChildFolders(Encoding.UTF8.GetString(page), folder, cancellationToken);
    }

    /// <summary>A metadata document, kept under its key; null when the remote does not have it.</summary>
    private async Task<byte[]?> FetchAsync(string key, CancellationToken cancellationToken)
    {
        using var owner = await remotes.ReadAsync(dataset, remote, key, null, options.RemoteMaxMetadataBytes, budget, cancellationToken);
        if (owner is null)
        {
            return null;
        }
        var bytes = owner.Memory.ToArray();
        _documents[key] = bytes;
        return bytes;
    }

    /// <summary>zarr-python's <c>.zmetadata</c> as documents by key; null when it is not that.</summary>
    private static Dictionary<string, byte[]>? FromZmetadata(byte[] json) => Read(json, root =>
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var documents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in metadata.EnumerateObject())
        {
            // Keys name documents inside the store; anything else (escapes, chunks) is not taken from it.
            if (entry.Value.ValueKind == JsonValueKind.Object && DataEndpoints.KeyIsSafe(entry.Name) && RemoteHierarchy.IsMetadataKey(entry.Name)
                && entry.Name != ".zmetadata" && !entry.Name.EndsWith('/'))
            {
                documents[entry.Name] = Encoding.UTF8.GetBytes(entry.Value.GetRawText());
            }
        }
        return documents;
    });

    /// <summary>A v3 root whose <c>consolidated_metadata</c> is inline, as documents by key; null without it.</summary>
    private static Dictionary<string, byte[]>? FromV3Consolidated(byte[] json) => Read(json, root =>
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("consolidated_metadata", out var consolidated)
            || consolidated.ValueKind != JsonValueKind.Object || !consolidated.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var documents = new Dictionary<string, byte[]>(StringComparer.Ordinal) { ["zarr.json"] = json };
        foreach (var entry in metadata.EnumerateObject())
        {
            var key = entry.Name.Trim('/') + "/zarr.json";
            if (entry.Value.ValueKind == JsonValueKind.Object && entry.Name.Trim('/').Length > 0 && DataEndpoints.KeyIsSafe(key))
            {
                documents[key] = Encoding.UTF8.GetBytes(entry.Value.GetRawText());
            }
        }
        return documents;
    });

    private static IEnumerable<string> NamesIn(JsonElement attributes)
    {
        if (attributes.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }
        foreach (var attribute in NamingAttributes)
        {
            if (attributes.TryGetProperty(attribute, out var value) && value.ValueKind == JsonValueKind.String)
            {
                // "lat lon", or cell_measures' "area: cell_area".
                foreach (var word in value.GetString()!.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!word.EndsWith(':') && RemoteListing.IsNodeName(word))
                    {
                        yield return word;
                    }
                }
            }
        }
    }

    private static IEnumerable<string> Strings(JsonElement array) =>
        array.ValueKind != JsonValueKind.Array ? []
            : array.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).Where(RemoteListing.IsNodeName);

    // Metadata from a remote is hostile: a document that is not JSON says nothing (opening that node reports it).
    private static T? Read<T>(byte[] json, Func<JsonElement, T?> read)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            return read(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return default;
        }
    }
}
