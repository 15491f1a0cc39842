using System.Text.Json.Nodes;
using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.Remote;
using Greyhub.Zarr;
using Greyhub.Zarr.Compression;
using Greyhub.Zarr.Storage;

namespace Greyhub.Data.Access.Stac;

/// <summary>
/// Reads a Zarr dataset's spatial and temporal extent from its coordinate arrays, as CF and xarray describe them:
/// latitude by <c>units: degrees_north</c> (or <c>standard_name: latitude</c>), longitude by <c>degrees_east</c> (or
/// <c>longitude</c>), time by CF units <c>UNIT since DATE</c> (xarray's encoding of datetime64) or a raw datetime64
/// (<c>&lt;M8</c>) array. Extents are the coordinate values' minimum and maximum (cell centres; bounds variables are
/// not read). Only one- and two-dimensional coordinates up to <see cref="MaxCoordinateElements"/> values are read.
/// </summary>
internal static class CfExtentReader
{
    /// <summary>Larger coordinate arrays are skipped rather than read whole.</summary>
    public const long MaxCoordinateElements = 4_000_000;

    /// <summary>A coordinate whose chunks decode to more than this is skipped: its metadata could ask for any size.</summary>
    public const double MaxChunkBytes = 64.0 * 1024 * 1024;

    // xarray and zarr write Blosc by default: the compression codecs live in their own assembly.
    private static readonly ZarrOptions Zarr = new() { Codecs = ZarrCompression.Register() };

    private static readonly HashSet<string> NorthUnits = new(StringComparer.OrdinalIgnoreCase)
        { "degrees_north", "degree_north", "degree_N", "degrees_N", "degreeN", "degreesN" };

    private static readonly HashSet<string> EastUnits = new(StringComparer.OrdinalIgnoreCase)
        { "degrees_east", "degree_east", "degree_E", "degrees_E", "degreeE", "degreesE" };

    /// <summary>The extent of the local store at <paramref name="root"/>.</summary>
    public static Task<DatasetExtent> ReadAsync(string root, string format, CancellationToken cancellationToken) =>
        ReadAsync(new FileSystemStore(root, writable: false), format, cancellationToken);

    /// <summary>
    /// The extent of the hierarchy in <paramref name="store"/>. An array that cannot be opened or read (broken or
    /// unsupported metadata, a codec no one knows) is skipped, as <c>zarr info</c> does; a remote that fails is not
    /// (<see cref="RemoteReadException"/>): the caller reports the extent as unavailable.
    /// </summary>
    public static async Task<DatasetExtent> ReadAsync(IZarrStore store, string format, CancellationToken cancellationToken)
    {
        if (format == DatasetFormats.Files)
        {
            return DatasetExtent.None;
        }
        var zarrFormat = format == DatasetFormats.ZarrV3 ? 3 : 2;
        var group = await ZarrGroup.OpenAsync(store, "", Zarr, zarrFormat, cancellationToken: cancellationToken);
        double? south = null, north = null, west = null, east = null;
        DateTime? start = null, end = null;
        await foreach (var node in group.WalkAsync(cancellationToken))
        {
            if (node.Kind != ZarrNodeKind.Array)
            {
                continue;
            }
            try
            {
                (south, north, west, east, start, end) = await AddAsync(store, node.Path, zarrFormat, (south, north, west, east, start, end), cancellationToken);
            }
            catch (ZarrException e) when (e is not RemoteReadException)
            {
                // This array says nothing about the extent; the others still do.
            }
        }
        double[]? bbox = null;
        if (south is not null && west is not null)
        {
            var (w, e) = NormaliseLongitudes(west.Value, east!.Value);
            bbox = [w, Math.Max(-90, south.Value), e, Math.Min(90, north!.Value)];
        }
        return new DatasetExtent(bbox, start, end);
    }

    /// <summary>Widens the extent so far with the array at <paramref name="path"/> when it is a coordinate.</summary>
    private static async Task<(double? South, double? North, double? West, double? East, DateTime? Start, DateTime? End)> AddAsync(
        IZarrStore store, string path, int zarrFormat, (double? South, double? North, double? West, double? East, DateTime? Start, DateTime? End) so, CancellationToken cancellationToken)
    {
        var (south, north, west, east, start, end) = so;
        var array = await ZarrArray.OpenAsync(store, path, Zarr, zarrFormat, cancellationToken: cancellationToken);
        // In doubles: a hostile shape's product must not wrap around to something small.
        var elements = array.Shape.Aggregate(1.0, (a, b) => a * b);
        var chunkBytes = (array.InnerChunkShape ?? array.ChunkShape).Aggregate(1.0, (a, c) => a * c) * array.DataType.Size;
        if (array.Shape.Count is 0 or > 2 || elements is 0 or > MaxCoordinateElements || chunkBytes > MaxChunkBytes)
        {
            return so;
        }
        var attrs = array.Attributes;
        var units = Text(attrs, "units");
        var standardName = Text(attrs, "standard_name");
        if (units is not null && NorthUnits.Contains(units) || standardName == "latitude")
        {
            if (await MinMaxAsync(array, attrs, cancellationToken) is { } lat)
            {
                south = Math.Min(south ?? double.MaxValue, lat.Min);
                north = Math.Max(north ?? double.MinValue, lat.Max);
            }
        }
        else if (units is not null && EastUnits.Contains(units) || standardName == "longitude")
        {
            if (await MinMaxAsync(array, attrs, cancellationToken) is { } lon)
            {
                west = Math.Min(west ?? double.MaxValue, lon.Min);
                east = Math.Max(east ?? double.MinValue, lon.Max);
            }
        }
        else if (await TimeRangeAsync(array, attrs, units, standardName, cancellationToken) is { } time)
        {
            start = start is null || time.Start < start ? time.Start : start;
            end = end is null || time.End > end ? time.End : end;
        }
        return (south, north, west, east, start, end);
    }

    /// <summary>Longitudes given as 0..360 are brought to -180..180; a span of 360 or more is the whole circle.</summary>
    private static (double West, double East) NormaliseLongitudes(double west, double east)
    {
        if (east - west >= 360 || west < -180 && east > 180)
        {
            return (-180, 180);
        }
        static double Wrap(double x) => x > 180 ? x - 360 : x < -180 ? x + 360 : x;
        // 150..210 becomes 150..-150: west greater than east is how STAC writes a box across the antimeridian.
        return (Wrap(west), Wrap(east));
    }

    private static async Task<(DateTime Start, DateTime End)?> TimeRangeAsync(ZarrArray array, JsonObject attrs, string? units, string? standardName, CancellationToken cancellationToken)
    {
        if (array.DataType.Kind == ZarrTypeKind.DateTime)
        {
            var times = (await array.ReadDateTimesAsync(null, cancellationToken)).Where(t => t is not null).Select(t => t!.Value).ToList();
            return times.Count == 0 ? null : (times.Min(), times.Max());
        }
        if (!CfTime.LooksLikeTime(units) && standardName != "time")
        {
            return null;
        }
        var cf = CfTime.Parse(units, Text(attrs, "calendar"));
        if (cf is null || await MinMaxAsync(array, attrs, cancellationToken) is not { } range)
        {
            return null;
        }
        return CfTime.ToDateTime(cf.Value, range.Min) is { } a && CfTime.ToDateTime(cf.Value, range.Max) is { } b ? (a, b) : null;
    }

    /// <summary>The smallest and largest finite value, fill values excluded and CF packing (scale, offset) applied.</summary>
    private static async Task<(double Min, double Max)?> MinMaxAsync(ZarrArray array, JsonObject attrs, CancellationToken cancellationToken)
    {
        var values = await ReadDoublesAsync(array, cancellationToken);
        if (values is null)
        {
            return null;
        }
        var fill = Number(attrs, "_FillValue") ?? Number(attrs, "missing_value");
        var scale = Number(attrs, "scale_factor") ?? 1;
        var offset = Number(attrs, "add_offset") ?? 0;
        double min = double.MaxValue, max = double.MinValue;
        foreach (var raw in values)
        {
            if (!double.IsFinite(raw) || fill is { } f && raw == f)
            {
                continue;
            }
            var v = raw * scale + offset;
            if (!double.IsFinite(v))
            {
                // Packing that overflows says nothing about where the data lies.
                continue;
            }
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        return min <= max ? (min, max) : null;
    }

    private static async Task<double[]?> ReadDoublesAsync(ZarrArray array, CancellationToken cancellationToken) =>
        (array.DataType.Kind, array.DataType.Size) switch
        {
            (ZarrTypeKind.Float, 8) => await array.ReadAsync<double>(null, cancellationToken),
            (ZarrTypeKind.Float, 4) => [.. (await array.ReadAsync<float>(null, cancellationToken)).Select(v => (double)v)],
            (ZarrTypeKind.Int, 8) => [.. (await array.ReadAsync<long>(null, cancellationToken)).Select(v => (double)v)],
            (ZarrTypeKind.Int, 4) => [.. (await array.ReadAsync<int>(null, cancellationToken)).Select(v => (double)v)],
            (ZarrTypeKind.Int, 2) => [.. (await array.ReadAsync<short>(null, cancellationToken)).Select(v => (double)v)],
            (ZarrTypeKind.UInt, 8) => [.. (await array.ReadAsync<ulong>(null, cancellationToken)).Select(v => (double)v)],
            (ZarrTypeKind.UInt, 4) => [.. (await array.ReadAsync<uint>(null, cancellationToken)).Select(v => (double)v)],
            (ZarrTypeKind.UInt, 2) => [.. (await array.ReadAsync<ushort>(null, cancellationToken)).Select(v => (double)v)],
            _ => null,
        };

    private static string? Text(JsonObject attrs, string name) =>
        attrs[name] is JsonValue v && v.TryGetValue(out string? s) ? s.Trim() : null;

    // A non-finite scale_factor or add_offset (NaN, ±Infinity, a number past double's range) is treated as absent:
    // it cannot place a coordinate anywhere, and STAC's JSON has no way to write what it would produce.
    private static double? Number(JsonObject attrs, string name) =>
        attrs[name] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number && v.TryGetValue(out double d) && double.IsFinite(d) ? d : null;
}
