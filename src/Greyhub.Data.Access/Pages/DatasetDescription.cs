using System.Text.Json;
using System.Text.Json.Nodes;
using Greyhub.Data.Access.Datasets;
using Greyhub.Zarr;

namespace Greyhub.Data.Access.Pages;

/// <summary>One array of a Zarr hierarchy as the data page shows it, or the reason it could not be opened.</summary>
/// <param name="Path">Its path in the hierarchy.</param>
/// <param name="Dimensions">Its dimension names.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="DataType">Its element type, as its Zarr format spells it.</param>
/// <param name="Chunks">Its chunk shape (inner chunks when sharded).</param>
/// <param name="Codecs">Its filters and compressor (v2) or codecs (v3), as compact JSON.</param>
/// <param name="FillValue">Its fill value as JSON.</param>
/// <param name="Attributes">Its attributes, values as text.</param>
/// <param name="Error">Why it could not be opened (then the rest is empty).</param>
public sealed record ArrayDescription(
    string Path,
    IReadOnlyList<string> Dimensions,
    IReadOnlyList<long> Shape,
    string DataType,
    IReadOnlyList<int> Chunks,
    string Codecs,
    string? FillValue,
    IReadOnlyList<KeyValuePair<string, string>> Attributes,
    string? Error)
{
    /// <summary>Whether the quick look can draw it: two dimensions or more, of numbers.</summary>
    public bool Drawable { get; init; }
}

/// <summary>A file of a dataset of plain files.</summary>
/// <param name="Path">Its path below the dataset's root.</param>
/// <param name="Size">Its size in bytes.</param>
public sealed record FileDescription(string Path, long Size);

/// <summary>What the data page shows of a dataset's content: a Zarr hierarchy's arrays, or its files.</summary>
/// <param name="Attributes">The root group's attributes.</param>
/// <param name="Arrays">The arrays, in path order.</param>
/// <param name="Files">The files (plain-file datasets).</param>
/// <param name="FilesTruncated">Whether more files exist than are listed.</param>
/// <param name="Error">Why the hierarchy could not be opened at all.</param>
public sealed record DatasetDescription(
    IReadOnlyList<KeyValuePair<string, string>> Attributes,
    IReadOnlyList<ArrayDescription> Arrays,
    IReadOnlyList<FileDescription> Files,
    bool FilesTruncated,
    string? Error)
{
    /// <summary>How many arrays the hierarchy has beyond those described (<see cref="DatasetDescriber.MaxArrays"/>).</summary>
    public int ArraysNotShown { get; init; }
}

/// <summary>
/// Reads a dataset's structure from its files with Greyhub.Zarr (no database: the registry's snapshot says where it
/// is). An array that cannot be opened (an unsupported codec or dtype, broken metadata) is listed with its own error
/// and the rest of the hierarchy still is, as <c>zarr info</c> does.
/// </summary>
internal static class DatasetDescriber
{
    /// <summary>Files listed at most for a dataset of plain files; past that the page says the list is cut.</summary>
    public const int MaxFiles = 1000;

    /// <summary>Arrays opened and shown at most; past that the page says how many more there are.</summary>
    public const int MaxArrays = 200;

    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    /// <summary>Describes the dataset read from <paramref name="source"/>.</summary>
    public static async Task<DatasetDescription> DescribeAsync(DatasetEntry dataset, DatasetSource source, CancellationToken cancellationToken)
    {
        if (source.Store is not { } store)
        {
            return new DatasetDescription([], [], [], false, source.Problem);
        }
        if (dataset.Record.Format == DatasetFormats.Files)
        {
            return source.Root is { } root ? DescribeFiles(root) : new DatasetDescription([], [], [], false, null);
        }
        ZarrGroup group;
        try
        {
            group = await ZarrGroup.OpenAsync(store, cancellationToken: cancellationToken);
        }
        catch (ZarrException e)
        {
            return new DatasetDescription([], [], [], false, "The Zarr hierarchy could not be opened: " + e.Message);
        }
        var arrays = new List<ArrayDescription>();
        var notShown = 0;
        await foreach (var node in group.WalkAsync(cancellationToken))
        {
            if (node.Kind != ZarrNodeKind.Array)
            {
                continue;
            }
            // A hierarchy of a hundred thousand arrays is counted, not opened.
            if (arrays.Count == MaxArrays)
            {
                notShown++;
                continue;
            }
            try
            {
                arrays.Add(Describe(await group.OpenArrayAsync(node.Path, cancellationToken)));
            }
            catch (ZarrException e)
            {
                arrays.Add(new ArrayDescription(node.Path, [], [], "", [], "", null, [], e.Message));
            }
        }
        return new DatasetDescription(Flatten(group.Attributes), arrays, [], false, null) { ArraysNotShown = notShown };
    }

    /// <summary>The dimension names of an array: v3's <c>dimension_names</c>, else xarray's <c>_ARRAY_DIMENSIONS</c>, else dim_N.</summary>
    public static IReadOnlyList<string> DimensionsOf(ZarrArray array)
    {
        var names = new string[array.Shape.Count];
        var fromAttributes = array.Attributes["_ARRAY_DIMENSIONS"] as JsonArray;
        for (var d = 0; d < names.Length; d++)
        {
            names[d] = array.DimensionNames is { } v3 && d < v3.Count && v3[d] is { Length: > 0 } n ? n
                : fromAttributes is not null && d < fromAttributes.Count && fromAttributes[d]?.GetValueKind() == JsonValueKind.String ? fromAttributes[d]!.GetValue<string>()
                : "dim_" + d;
        }
        return names;
    }

    /// <summary>Whether the quick look reads this element type.</summary>
    public static bool IsNumeric(ZarrDataType type) => type.Kind is ZarrTypeKind.Bool or ZarrTypeKind.Int or ZarrTypeKind.UInt or ZarrTypeKind.Float;

    private static ArrayDescription Describe(ZarrArray array)
    {
        var meta = array.Metadata;
        string codecs;
        if (array.ZarrFormat == 2)
        {
            var parts = new List<string>();
            if (meta["filters"] is JsonArray { Count: > 0 } filters)
            {
                parts.Add("filters " + filters.ToJsonString(Compact));
            }
            parts.Add(meta["compressor"] is JsonObject compressor ? compressor.ToJsonString(Compact) : "no compressor");
            codecs = string.Join("; ", parts);
        }
        else
        {
            codecs = meta["codecs"]?.ToJsonString(Compact) ?? "";
        }
        var type = array.DataType.Kind == ZarrTypeKind.String ? "string" : array.ZarrFormat == 2 ? array.DataType.V2Name : array.DataType.V3Name;
        var attributes = array.Attributes;
        attributes.Remove("_ARRAY_DIMENSIONS");
        return new ArrayDescription(array.Path, DimensionsOf(array), array.Shape, type, array.InnerChunkShape ?? array.ChunkShape, codecs,
            array.FillValue?.ToJsonString(Compact), Flatten(attributes), null)
        {
            Drawable = array.Shape.Count >= 2 && IsNumeric(array.DataType),
        };
    }

    private static List<KeyValuePair<string, string>> Flatten(JsonObject attributes) =>
        [.. attributes.Select(a => new KeyValuePair<string, string>(a.Key, a.Value switch
        {
            null => "null",
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            var v => v.ToJsonString(Compact),
        }))];

    private static DatasetDescription DescribeFiles(string root)
    {
        var files = new List<FileDescription>();
        var truncated = false;
        // Links are not followed: what the page lists is what /data/ serves inside the dataset.
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        foreach (var file in new DirectoryInfo(root).EnumerateFiles("*", options))
        {
            if (files.Count == MaxFiles)
            {
                truncated = true;
                break;
            }
            files.Add(new FileDescription(Path.GetRelativePath(root, file.FullName).Replace('\\', '/'), file.Length));
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return new DatasetDescription([], [], files, truncated, null);
    }
}
