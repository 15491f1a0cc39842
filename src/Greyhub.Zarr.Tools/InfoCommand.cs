using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Tools;

/// <summary><c>zarr info</c>: metadata and chunk statistics as JSON.</summary>
internal static class InfoCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var source = ZarrCommand.Source();
        var path = ZarrCommand.NodePath();
        var command = new Command("info", "Print metadata and chunk statistics (stored chunks, bytes, compression ratio) as JSON.") { source, path };
        command.SetAction((parse, ct) => ZarrCommand.RunAsync(parse, async (output, token) =>
        {
            using var opener = new StoreOpener();
            var store = opener.Open(parse.GetRequiredValue(source));
            var node = await DescribeAsync(store, parse.GetValue(path) ?? "", token);
            await output.WriteLineAsync(node.ToJsonString(Indented));
        }, ct));
        return command;
    }

    internal static async Task<JsonObject> DescribeAsync(IZarrStore store, string path, CancellationToken cancellationToken)
    {
        try
        {
            var array = await ZarrArray.OpenAsync(store, path, cancellationToken: cancellationToken);
            return await DescribeArrayAsync(array, cancellationToken);
        }
        catch (ZarrNodeNotFoundException)
        {
            var group = await ZarrGroup.OpenAsync(store, path, cancellationToken: cancellationToken);
            var nodes = new JsonArray();
            var errors = 0;
            await foreach (var n in group.WalkAsync(cancellationToken))
            {
                if (n.Kind != ZarrNodeKind.Array)
                {
                    nodes.Add(new JsonObject { ["path"] = "/" + n.Path, ["node_type"] = "group", ["zarr_format"] = n.ZarrFormat });
                    continue;
                }
                try
                {
                    nodes.Add(await DescribeArrayAsync(await group.OpenArrayAsync(n.Path[(group.Path.Length == 0 ? 0 : group.Path.Length + 1)..], cancellationToken), cancellationToken));
                }
                catch (ZarrException e)
                {
                    // One array we cannot open (an unsupported codec or dtype) is reported as that array's error;
                    // the rest of the hierarchy is still listed.
                    errors++;
                    nodes.Add(new JsonObject { ["path"] = "/" + n.Path, ["node_type"] = "array", ["zarr_format"] = n.ZarrFormat, ["error"] = e.Message });
                }
            }
            return new JsonObject
            {
                ["path"] = "/" + group.Path,
                ["node_type"] = "group",
                ["zarr_format"] = group.ZarrFormat,
                ["consolidated"] = group.IsConsolidated,
                ["attributes"] = group.Attributes,
                ["nodes"] = nodes,
                ["errors"] = errors,
            };
        }
    }

    private static async Task<JsonObject> DescribeArrayAsync(ZarrArray array, CancellationToken cancellationToken)
    {
        var grid = array.ChunkGrid;
        var total = grid.Aggregate(1L, (a, b) => a * b);
        var sizes = new List<long>();
        if (total <= 1_000_000)
        {
            var keys = Enumerable.Range(0, (int)total).Select(i =>
            {
                var coords = new long[grid.Count];
                long rest = i;
                for (var d = grid.Count - 1; d >= 0; d--)
                {
                    coords[d] = rest % grid[d];
                    rest /= grid[d];
                }
                return array.ChunkKey(coords);
            });
            var found = new System.Collections.Concurrent.ConcurrentBag<long>();
            await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (k, ct) =>
            {
                if (await array.Store.GetSizeAsync(k, ct) is { } size)
                {
                    found.Add(size);
                }
            });
            sizes.AddRange(found);
        }
        var chunkElements = array.ChunkShape.Aggregate(1L, (a, b) => a * b);
        var stored = sizes.Sum();
        var decoded = sizes.Count * chunkElements * array.DataType.Size;
        var info = new JsonObject
        {
            ["path"] = "/" + array.Path,
            ["node_type"] = "array",
            ["zarr_format"] = array.ZarrFormat,
            ["shape"] = new JsonArray([.. array.Shape.Select(s => (JsonNode?)s)]),
            ["chunks"] = new JsonArray([.. array.ChunkShape.Select(s => (JsonNode?)s)]),
            ["data_type"] = array.DataType.Kind == ZarrTypeKind.String ? "string" : array.ZarrFormat == 2 ? array.DataType.V2Name : array.DataType.V3Name,
            ["fill_value"] = array.FillValue?.DeepClone(),
            ["attributes"] = array.Attributes,
            ["metadata"] = array.Metadata,
            ["chunk_stats"] = new JsonObject
            {
                ["grid"] = new JsonArray([.. grid.Select(g => (JsonNode?)g)]),
                ["chunks_total"] = total,
                ["chunks_stored"] = total <= 1_000_000 ? sizes.Count : null,
                ["stored_bytes"] = stored,
                ["min_chunk_bytes"] = sizes.Count > 0 ? sizes.Min() : null,
                ["max_chunk_bytes"] = sizes.Count > 0 ? sizes.Max() : null,
                ["mean_chunk_bytes"] = sizes.Count > 0 ? Math.Round(sizes.Average(), 1) : null,
                ["compression_ratio"] = stored > 0 && array.DataType.Size > 0 ? Math.Round((double)decoded / stored, 3) : null,
            },
        };
        if (array.InnerChunkShape is { } inner)
        {
            info["inner_chunks"] = new JsonArray([.. inner.Select(s => (JsonNode?)s)]);
        }
        if (array.DimensionNames is { } names)
        {
            info["dimension_names"] = new JsonArray([.. names.Select(n => (JsonNode?)n)]);
        }
        return info;
    }
}
