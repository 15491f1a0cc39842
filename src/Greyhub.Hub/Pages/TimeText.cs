using System.Globalization;

namespace Greyhub.Hub.Pages;

/// <summary>Times as people read them: "5 minutes ago", "in 3 days", with the exact UTC time kept for a tooltip.</summary>
internal static class TimeText
{
    /// <summary>How long ago (or ahead) <paramref name="at"/> is from <paramref name="now"/>, in the largest whole unit.</summary>
    public static string Relative(DateTimeOffset at, DateTimeOffset now)
    {
        var span = now - at;
        var future = span < TimeSpan.Zero;
        var abs = span.Duration();
        if (abs < TimeSpan.FromMinutes(1))
        {
            return future ? "in less than a minute" : "just now";
        }
        var (count, unit) = abs switch
        {
            _ when abs < TimeSpan.FromHours(1) => ((int)abs.TotalMinutes, "minute"),
            _ when abs < TimeSpan.FromDays(1) => ((int)abs.TotalHours, "hour"),
            _ when abs < TimeSpan.FromDays(30) => ((int)abs.TotalDays, "day"),
            _ when abs < TimeSpan.FromDays(365) => ((int)(abs.TotalDays / 30), "month"),
            _ => ((int)(abs.TotalDays / 365), "year"),
        };
        var amount = count.ToString(CultureInfo.InvariantCulture) + " " + unit + (count == 1 ? "" : "s");
        return future ? "in " + amount : amount + " ago";
    }

    /// <summary>The exact time, ISO 8601 in UTC (what <c>&lt;time datetime&gt;</c> holds).</summary>
    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The exact time for a tooltip: <c>2025-01-31 14:05 UTC</c>.</summary>
    public static string Exact(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A stored time (UTC, possibly of unspecified kind) as an offset.</summary>
    public static DateTimeOffset FromStored(DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));
}
