using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Greyhub.Data;

/// <summary>
/// Every timestamp the hub stores is a UTC instant, the same on every provider: written as UTC at whole microseconds
/// (PostgreSQL's <c>timestamptz</c> keeps no more, and refuses a <see cref="DateTime"/> that is not UTC; SQLite keeps
/// whatever it gets), and read back with <see cref="DateTimeKind.Utc"/> (SQLite's text gives <see cref="DateTimeKind.Unspecified"/>).
/// </summary>
internal sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(v => ToStore(v), v => DateTime.SpecifyKind(v, DateTimeKind.Utc))
{
    /// <summary>A value as stored: UTC (a naive value is taken as UTC, as JupyterHub does), truncated to microseconds.</summary>
    public static DateTime ToStore(DateTime value)
    {
        var utc = value.Kind switch
        {
            DateTimeKind.Utc => value,
            DateTimeKind.Local => value.ToUniversalTime(),
            _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
        };
        return new DateTime(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);
    }
}
