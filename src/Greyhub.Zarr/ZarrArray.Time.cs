namespace Greyhub.Zarr;

public sealed partial class ZarrArray
{
    /// <summary>
    /// Reads a datetime64 array (v2 <c>&lt;M8[unit]</c>, as xarray and pandas write time coordinates) as UTC times,
    /// null for NaT. <c>ReadAsync&lt;long&gt;</c> reads the raw counts of <see cref="ZarrDataType.TimeUnit"/>.
    /// </summary>
    public async Task<DateTime?[]> ReadDateTimesAsync(IReadOnlyList<ZarrSlice>? selection = null, CancellationToken cancellationToken = default)
    {
        var unit = TimeUnitOf(ZarrTypeKind.DateTime, "datetime64");
        var counts = await ReadAsync<long>(selection, cancellationToken);
        return [.. counts.Select(c => ZarrTime.ToDateTime(c, unit))];
    }

    /// <summary>Reads a timedelta64 array (v2 <c>&lt;m8[unit]</c>) as durations, null for NaT.</summary>
    public async Task<TimeSpan?[]> ReadTimeSpansAsync(IReadOnlyList<ZarrSlice>? selection = null, CancellationToken cancellationToken = default)
    {
        var unit = TimeUnitOf(ZarrTypeKind.TimeDelta, "timedelta64");
        var counts = await ReadAsync<long>(selection, cancellationToken);
        return [.. counts.Select(c => ZarrTime.ToTimeSpan(c, unit))];
    }

    private string TimeUnitOf(ZarrTypeKind kind, string what)
        => _meta.DataType.Kind == kind && _meta.DataType.TimeUnit is { } unit ? unit
            : throw new ZarrUnsupportedException($"array has data type '{_meta.DataType.Name}', not {what}", Path);
}
