using System.Globalization;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Greyhub.Data;

/// <summary>
/// <see cref="UtcDateTimeConverter"/> for SQLite, where a timestamp is TEXT: written in exactly the text
/// Microsoft.Data.Sqlite writes for a <see cref="DateTime"/> (<c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c>, so stored values,
/// comparisons and ordering do not change), and read back by a parser for that one format instead of the reader's
/// culture-aware <see cref="DateTime.Parse(string, IFormatProvider)"/>, which took about 8 % of the hub's CPU listing
/// 200 users. Any other text falls back to that same general parse.
/// </summary>
internal sealed class SqliteTextDateTimeConverter() : ValueConverter<DateTime, string>(v => Format(v), v => Parse(v))
{
    private const string TextFormat = @"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF";

    /// <summary>The stored text of <paramref name="value"/> (UTC, whole microseconds).</summary>
    public static string Format(DateTime value) =>
        UtcDateTimeConverter.ToStore(value).ToString(TextFormat, CultureInfo.InvariantCulture);

    /// <summary>A stored text as a UTC <see cref="DateTime"/>.</summary>
    public static DateTime Parse(string text) =>
        DateTime.SpecifyKind(TryParseExact(text, out var value) ? value : DateTime.Parse(text, CultureInfo.InvariantCulture), DateTimeKind.Utc);

    /// <summary>Parses <c>yyyy-MM-dd HH:mm:ss</c> with an optional fraction of 1 to 7 digits; false for anything else.</summary>
    internal static bool TryParseExact(ReadOnlySpan<char> s, out DateTime value)
    {
        value = default;
        if (s.Length < 19 || s.Length == 20 || s.Length > 27 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':'
            || (s.Length > 19 && s[19] != '.'))
        {
            return false;
        }
        if (!Digits(s[..4], out var year) || !Digits(s.Slice(5, 2), out var month) || !Digits(s.Slice(8, 2), out var day)
            || !Digits(s.Slice(11, 2), out var hour) || !Digits(s.Slice(14, 2), out var minute) || !Digits(s.Slice(17, 2), out var second))
        {
            return false;
        }
        var ticks = 0;
        if (s.Length > 19)
        {
            var fraction = s[20..];
            if (!Digits(fraction, out ticks))
            {
                return false;
            }
            for (var i = fraction.Length; i < 7; i++)
            {
                ticks *= 10;
            }
        }
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        value = new DateTime(year, month, day, hour, minute, second).AddTicks(ticks);
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> s, out int value)
    {
        value = 0;
        foreach (var c in s)
        {
            var d = c - '0';
            if ((uint)d > 9)
            {
                return false;
            }
            value = (value * 10) + d;
        }
        return true;
    }
}
