namespace Greyhub.Data.Access.Stac;

/// <summary>
/// Where and when a dataset lies, read from its CF coordinates: a WGS84 box (west, south, east, north; west greater
/// than east when it crosses the antimeridian) and a time span, each null when the dataset does not say; or, for a
/// remote dataset that could not be read in time, why the extent is unknown (<see cref="Unavailable"/>).
/// </summary>
internal sealed record DatasetExtent(double[]? Bbox, DateTime? Start, DateTime? End, string? Unavailable = null)
{
    /// <summary>Nothing known.</summary>
    public static DatasetExtent None { get; } = new(null, null, null);
}
