using System.Globalization;
using System.Text.RegularExpressions;

namespace Greyhub.Data.Access.Stac;

/// <summary>
/// CF time coordinates (<c>units: "days since 2000-01-01"</c>, <c>calendar</c>), as xarray encodes datetime64 values
/// when it writes Zarr. Only the calendars that agree with .NET's proleptic Gregorian <see cref="DateTime"/> are
/// converted: <c>proleptic_gregorian</c>, and <c>standard</c>/<c>gregorian</c> (the default) for reference dates on or
/// after the 1582-10-15 switch, where the mixed Julian/Gregorian calendar is the Gregorian one. Other calendars
/// (<c>noleap</c>, <c>360_day</c>, <c>julian</c>, ...) and the ambiguous <c>months</c>/<c>years</c> units give no time.
/// </summary>
internal static partial class CfTime
{
    private static readonly DateTime GregorianStart = new(1582, 10, 15, 0, 0, 0, DateTimeKind.Utc);

    private static readonly string[] DateFormats =
    [
        "yyyy-M-d", "yyyy-M-d H:m", "yyyy-M-d H:m:s", "yyyy-M-d H:m:s.FFFFFFF",
        "yyyy-M-d'T'H:m", "yyyy-M-d'T'H:m:s", "yyyy-M-d'T'H:m:s.FFFFFFF",
    ];

    [GeneratedRegex(@"^\s*(\w+)\s+since\s+(.+?)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UnitsPattern();

    [GeneratedRegex(@"^(.*?)\s*(Z|UTC|GMT|[+-]\d{1,2}(:?\d{2})?)$", RegexOptions.CultureInvariant)]
    private static partial Regex ZonePattern();

    /// <summary>True when <paramref name="units"/> has the CF form <c>UNIT since DATE</c>.</summary>
    public static bool LooksLikeTime(string? units) => units is not null && UnitsPattern().IsMatch(units);

    /// <summary>
    /// The length of one unit and the reference instant (UTC), or null when the units or the calendar are not
    /// ones this converts.
    /// </summary>
    public static (TimeSpan Unit, DateTime Reference)? Parse(string? units, string? calendar)
    {
        var m = units is null ? null : UnitsPattern().Match(units);
        if (m is null || !m.Success)
        {
            return null;
        }
        TimeSpan? unit = m.Groups[1].Value.ToLowerInvariant() switch
        {
            "days" or "day" or "d" => TimeSpan.FromDays(1),
            "hours" or "hour" or "hr" or "h" => TimeSpan.FromHours(1),
            "minutes" or "minute" or "min" => TimeSpan.FromMinutes(1),
            "seconds" or "second" or "sec" or "s" => TimeSpan.FromSeconds(1),
            "milliseconds" or "millisecond" or "msec" or "ms" => TimeSpan.FromMilliseconds(1),
            "microseconds" or "microsecond" or "us" => TimeSpan.FromTicks(10),
            "weeks" or "week" => TimeSpan.FromDays(7),
            _ => null,
        };
        if (unit is null || !TryParseReference(m.Groups[2].Value, out var reference))
        {
            return null;
        }
        switch ((calendar ?? "standard").Trim().ToLowerInvariant())
        {
            case "proleptic_gregorian":
                break;
            case "standard" or "gregorian" when reference >= GregorianStart:
                break;
            default:
                return null;
        }
        return (unit.Value, reference);
    }

    /// <summary>The instant <paramref name="value"/> units after the reference, or null when out of range.</summary>
    public static DateTime? ToDateTime((TimeSpan Unit, DateTime Reference) time, double value)
    {
        if (!double.IsFinite(value))
        {
            return null;
        }
        var ticks = value * time.Unit.Ticks;
        var target = time.Reference.Ticks + ticks;
        return target is >= 0 and <= 3_155_378_975_999_999_999d
            ? new DateTime((long)Math.Round(target), DateTimeKind.Utc)
            : null;
    }

    private static bool TryParseReference(string text, out DateTime reference)
    {
        reference = default;
        var offset = TimeSpan.Zero;
        var zone = ZonePattern().Match(text);
        if (zone.Success && zone.Groups[1].Value.Length >= 8)
        {
            text = zone.Groups[1].Value;
            var z = zone.Groups[2].Value;
            if (z[0] is '+' or '-')
            {
                var digits = z[1..].Replace(":", "", StringComparison.Ordinal);
                var hours = int.Parse(digits.Length <= 2 ? digits : digits[..^2], CultureInfo.InvariantCulture);
                var minutes = digits.Length > 2 ? int.Parse(digits[^2..], CultureInfo.InvariantCulture) : 0;
                offset = new TimeSpan(hours, minutes, 0) * (z[0] == '-' ? -1 : 1);
            }
        }
        if (!DateTime.TryParseExact(text.Trim(), DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }
        reference = DateTime.SpecifyKind(parsed - offset, DateTimeKind.Utc);
        return true;
    }
}
