namespace Greyhub.Data.Access.Stac;

/// <summary>
/// Where and when a dataset lies, read from its CF coordinates: a WGS84 box (west, south, east, north; west greater
/// than east when it crosses the antimeridian) and a time span, each null when the dataset does not say.
/// </summary>
internal sealed record DatasetExtent(double[]? Bbox, DateTime? Start, DateTime? End)
{
    /// <summary>Nothing known.</summary>
    public static DatasetExtent None { get; } = new(null, null, null);
}
