using System.Globalization;
using System.Text.RegularExpressions;

namespace Greyhub.Zarr;

/// <summary>Converts NumPy datetime64 / timedelta64 counts (<see cref="ZarrTypeKind.DateTime"/>, <see cref="ZarrTypeKind.TimeDelta"/>) to .NET times.</summary>
public static partial class ZarrTime
{
    /// <summary>NumPy's not-a-time: the minimum int64.</summary>
    public const long NaT = long.MinValue;

    private static readonly DateTime Epoch = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [GeneratedRegex(@"^([0-9]*)(Y|M|W|D|h|m|s|ms|us|μs|ns|ps|fs|as)$")]
    private static partial Regex UnitPattern();

    /// <summary>True for a NumPy time unit with an optional multiplier (<c>ns</c>, <c>D</c>, <c>10ms</c>).</summary>
    public static bool IsUnit(string unit) => UnitPattern().IsMatch(unit);

    /// <summary>The UTC time of a datetime64 count, or null for NaT.</summary>
    /// <exception cref="ZarrUnsupportedException">The unit is unknown or the time is outside <see cref="DateTime"/>'s range.</exception>
    public static DateTime? ToDateTime(long value, string unit)
    {
        if (value == NaT)
        {
            return null;
        }
        var (count, name) = Parse(unit, value);
        try
        {
            return name switch
            {
                "Y" => Epoch.AddYears(checked((int)count)),
                "M" => Epoch.AddMonths(checked((int)count)),
                _ => Epoch.AddTicks(Ticks(count, name)),
            };
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            throw new ZarrUnsupportedException($"datetime64 {value} [{unit}] is outside the range of DateTime");
        }
    }

    /// <summary>The duration of a timedelta64 count, or null for NaT (calendar units Y and M have no fixed length).</summary>
    /// <exception cref="ZarrUnsupportedException">The unit is Y, M or unknown, or the duration is outside <see cref="TimeSpan"/>'s range.</exception>
    public static TimeSpan? ToTimeSpan(long value, string unit)
    {
        if (value == NaT)
        {
            return null;
        }
        var (count, name) = Parse(unit, value);
        if (name is "Y" or "M")
        {
            throw new ZarrUnsupportedException($"timedelta64 [{unit}] has no fixed length");
        }
        try
        {
            return TimeSpan.FromTicks(Ticks(count, name));
        }
        catch (OverflowException)
        {
            throw new ZarrUnsupportedException($"timedelta64 {value} [{unit}] is outside the range of TimeSpan");
        }
    }

    private static (Int128 Count, string Name) Parse(string unit, long value)
    {
        var m = UnitPattern().Match(unit);
        if (!m.Success)
        {
            throw new ZarrUnsupportedException($"unknown time unit '{unit}'");
        }
        var multiplier = m.Groups[1].Length == 0 ? 1 : long.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
        return ((Int128)value * multiplier, m.Groups[2].Value);
    }

    /// <summary>Count of a unit in 100 ns ticks, rounding toward the past as NumPy does for finer units.</summary>
    private static long Ticks(Int128 count, string name)
    {
        Int128 ticks = name switch
        {
            "W" => count * 7 * TimeSpan.TicksPerDay,
            "D" => count * TimeSpan.TicksPerDay,
            "h" => count * TimeSpan.TicksPerHour,
            "m" => count * TimeSpan.TicksPerMinute,
            "s" => count * TimeSpan.TicksPerSecond,
            "ms" => count * TimeSpan.TicksPerMillisecond,
            "us" or "μs" => count * 10,
            "ns" => FloorDiv(count, 100),
            "ps" => FloorDiv(count, 100_000),
            "fs" => FloorDiv(count, 100_000_000),
            _ => FloorDiv(count, 100_000_000_000),
        };
        return checked((long)ticks);
    }

    private static Int128 FloorDiv(Int128 a, long b) => (a / b) - ((a % b) < 0 ? 1 : 0);
}
