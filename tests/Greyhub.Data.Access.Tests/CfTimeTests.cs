using Greyhub.Data.Access.Stac;

namespace Greyhub.Data.Access.Tests;

/// <summary>CF time units as xarray and netCDF writers spell them, and the calendars that are refused.</summary>
public sealed class CfTimeTests
{
    [Theory]
    [InlineData("days since 2020-01-01 00:00:00", "proleptic_gregorian", 335, "2020-12-01T00:00:00Z")]
    [InlineData("days since 2020-01-01", null, 0.5, "2020-01-01T12:00:00Z")]
    [InlineData("hours since 1990-01-01T00:00:00+01:00", "standard", 0, "1989-12-31T23:00:00Z")]
    [InlineData("seconds since 1970-01-01 00:00:00 UTC", "gregorian", 86400, "1970-01-02T00:00:00Z")]
    [InlineData("minutes since 2000-1-1 0:0:0", "standard", 90, "2000-01-01T01:30:00Z")]
    [InlineData("days since 1500-01-01", "proleptic_gregorian", 1, "1500-01-02T00:00:00Z")]
    public void Converts_supported_units_and_calendars(string units, string? calendar, double value, string expected)
    {
        var time = CfTime.Parse(units, calendar);
        Assert.NotNull(time);
        Assert.Equal(expected, StacDocuments.Time(CfTime.ToDateTime(time.Value, value)!.Value));
    }

    [Theory]
    [InlineData("days since 2000-01-01", "noleap")]
    [InlineData("days since 2000-01-01", "360_day")]
    [InlineData("days since 1500-01-01", "standard")]     // the mixed Julian/Gregorian calendar before 1582
    [InlineData("months since 2000-01-01", null)]         // no fixed length
    [InlineData("degrees_north", null)]
    [InlineData("days since yesterday", null)]
    public void Refuses_what_it_cannot_convert_exactly(string units, string? calendar)
    {
        Assert.Null(CfTime.Parse(units, calendar));
    }
}
