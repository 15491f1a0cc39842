using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Codecs;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Tools;

/// <summary><c>zarr convert</c>: re-encode an array (or every array of a group) into a new store.</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var source = ZarrCommand.Source();
        var destination = ZarrCommand.Source("destination");
        destination.Description = "The new store: directory or .zip file.";
        var path = ZarrCommand.NodePath();
        var format = new Option<int?>("--format") { Description = "Zarr format of the copy: 2 or 3 (default: the source's)." };
        var codec = new Option<string?>("--codec") { Description = "Compressor: none, gzip, zlib, zstd, blosc-lz4, blosc-zstd, blosc-lz4hc, blosc-zlib, blosc-blosclz, or any registered codec name (default: keep)." };
        var chunks = new Option<string?>("--chunks") { Description = "Chunk shape, e.g. 256,256 (default: keep)." };
        var shard = new Option<string?>("--shard") { Description = "v3 shard shape (a multiple of the chunk shape), e.g. 1024,1024." };
        var command = new Command("convert", "Copy an array or a hierarchy with another format, codec, chunking or sharding.") { source, destination, path, format, codec, chunks, shard };
        command.SetAction((parse, ct) => ZarrCommand.RunAsync(parse, async (output, token) =>
        {
            using var opener = new StoreOpener();
            var src = opener.Open(parse.GetRequiredValue(source));
            var dst = opener.Open(parse.GetRequiredValue(destination), writable: true);
            var settings = new Settings(parse.GetValue(format), parse.GetValue(codec), Ints(parse.GetValue(chunks)), Ints(parse.GetValue(shard)));
            var nodePath = parse.GetValue(path) ?? "";
            var count = 0;
            try
            {
                var array = await ZarrArray.OpenAsync(src, nodePath, cancellationToken: token);
                await CopyAsync(array, dst, array.Path, settings, token);
                count = 1;
            }
            catch (ZarrNodeNotFoundException)
            {
                var group = await ZarrGroup.OpenAsync(src, nodePath, cancellationToken: token);
                var fmt = settings.Format ?? group.ZarrFormat;
                await ZarrGroup.CreateAsync(dst, group.Path, fmt, group.Attributes, cancellationToken: token);
                await foreach (var n in group.WalkAsync(token))
                {
                    if (n.Kind == ZarrNodeKind.Group)
                    {
                        var g = await ZarrGroup.OpenAsync(src, n.Path, cancellationToken: token);
                        await ZarrGroup.CreateAsync(dst, n.Path, fmt, g.Attributes, cancellationToken: token);
                    }
                    else
                    {
                        await CopyAsync(await ZarrArray.OpenAsync(src, n.Path, cancellationToken: token), dst, n.Path, settings, token);
                        count++;
                    }
                }
            }
            await output.WriteLineAsync(new JsonObject { ["arrays"] = count }.ToJsonString());
        }, ct));
        return command;
    }

    private sealed record Settings(int? Format, string? Codec, int[]? Chunks, int[]? Shard);

    private static int[]? Ints(string? text) => string.IsNullOrWhiteSpace(text) ? null
        : [.. text.Split(',').Select(s => int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v
            : throw new ZarrShapeException($"'{text}' is not a list of positive integers"))];

    /// <summary>Maps a command-line codec name to a v3 codec object, or null for none.</summary>
    internal static JsonObject? Codec(string name, ZarrDataType type)
    {
        var typesize = Math.Max(1, type.Size);
        if (name.StartsWith("blosc-", StringComparison.Ordinal))
        {
            return new JsonObject
            {
                ["name"] = "blosc",
                ["configuration"] = new JsonObject { ["cname"] = name["blosc-".Length..], ["clevel"] = 5, ["shuffle"] = typesize > 1 ? "shuffle" : "bitshuffle", ["typesize"] = typesize, ["blocksize"] = 0 },
            };
        }
        return name switch
        {
            "none" => null,
            "gzip" => new JsonObject { ["name"] = "gzip", ["configuration"] = new JsonObject { ["level"] = 5 } },
            "zlib" => new JsonObject { ["name"] = "numcodecs.zlib", ["configuration"] = new JsonObject { ["level"] = 5 } },
            "zstd" => new JsonObject { ["name"] = "zstd", ["configuration"] = new JsonObject { ["level"] = 3, ["checksum"] = false } },
            _ when ZarrCodecRegistry.Default.Contains(name) => new JsonObject { ["name"] = name },
            _ => throw new ZarrUnsupportedException($"unknown codec '{name}'; use none, gzip, zlib, zstd, blosc-<cname> or one of: {string.Join(", ", ZarrCodecRegistry.Default.Names)}"),
        };
    }

    private static async Task CopyAsync(ZarrArray array, IZarrStore dst, string path, Settings settings, CancellationToken cancellationToken)
    {
        var format = settings.Format ?? array.ZarrFormat;
        var chunks = settings.Chunks ?? [.. array.InnerChunkShape ?? array.ChunkShape];
        if (chunks.Length != array.Shape.Count || (settings.Shard is { } s && s.Length != chunks.Length))
        {
            throw new ZarrShapeException($"--chunks/--shard need {array.Shape.Count} entries");
        }
        var compressor = settings.Codec is { } name ? Codec(name, array.DataType) : KeptCompressor(array);
        var copy = await ZarrArray.CreateAsync(dst, path, new ZarrArrayDefinition
        {
            ZarrFormat = format,
            Shape = array.Shape,
            ChunkShape = chunks,
            ShardShape = settings.Shard,
            DataType = array.DataType,
            FillValue = array.FillValue?.DeepClone(),
            Compressor = compressor,
            Attributes = array.Attributes,
            DimensionNames = format == 3 ? array.DimensionNames : null,
        }, cancellationToken: cancellationToken);
        if (array.Shape.Any(n => n == 0))
        {
            return;
        }
        if (array.DataType.Kind == ZarrTypeKind.String)
        {
            await copy.WriteStringsAsync(null, await array.ReadStringsAsync(cancellationToken: cancellationToken), cancellationToken);
            return;
        }
        // Copy in slabs along the first dimension, aligned to the new (shard) chunks, to bound memory.
        var step = (long)(settings.Shard ?? chunks)[0];
        var rowBytes = array.Shape.Skip(1).Aggregate((long)array.DataType.Size, (a, b) => a * b);
        if (array.Shape.Count > 0)
        {
            step = Math.Max(1, Math.Min(array.Shape[0], Math.Max(step, 256L * 1024 * 1024 / Math.Max(1, rowBytes) / step * step)));
        }
        var rows = array.Shape.Count == 0 ? 1 : array.Shape[0];
        for (long start = 0; start < rows; start += step)
        {
            ZarrSlice[] sel = array.Shape.Count == 0 ? [] : [new ZarrSlice(start, Math.Min(rows, start + step))];
            var n = (array.Shape.Count == 0 ? 1 : Math.Min(rows, start + step) - start) * rowBytes;
            var buffer = new byte[n];
            await array.ReadBytesAsync(sel, buffer, cancellationToken);
            await copy.WriteBytesAsync(sel, buffer, cancellationToken);
        }
    }

    private static JsonObject? KeptCompressor(ZarrArray array)
    {
        var meta = array.Metadata;
        if (array.ZarrFormat == 2)
        {
            // numcodecs.<id> with the v2 fields resolves through the codec's v2 factory in either format.
            return meta["compressor"] is JsonObject c && (string?)c["id"] is { } id ? new JsonObject { ["name"] = "numcodecs." + id, ["configuration"] = V2Config(c) } : null;
        }
        var codecs = (meta["codecs"] as JsonArray)!;
        var last = codecs[^1] as JsonObject;
        if ((string?)last?["name"] == "sharding_indexed")
        {
            last = ((last["configuration"] as JsonObject)?["codecs"] as JsonArray)?[^1] as JsonObject;
        }
        return (string?)last?["name"] is "bytes" or "vlen-utf8" or "transpose" or null ? null : (JsonObject)last!.DeepClone();
    }

    private static JsonObject V2Config(JsonObject numcodecs)
    {
        var c = (JsonObject)numcodecs.DeepClone();
        c.Remove("id");
        return c;
    }
}
