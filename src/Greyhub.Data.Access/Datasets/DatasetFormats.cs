namespace Greyhub.Data.Access.Datasets;

/// <summary>The formats a dataset may have, and the names a dataset may take.</summary>
internal static class DatasetFormats
{
    /// <summary>A Zarr v2 hierarchy (<c>.zgroup</c>/<c>.zarray</c>); consolidated metadata is produced when missing.</summary>
    public const string ZarrV2 = "zarr-v2";

    /// <summary>A Zarr v3 hierarchy (<c>zarr.json</c>).</summary>
    public const string ZarrV3 = "zarr-v3";

    /// <summary>Any files (NetCDF, CSV, ...), served as they are.</summary>
    public const string Files = "files";

    public static IReadOnlyList<string> All { get; } = [ZarrV2, ZarrV3, Files];

    /// <summary>The format a folder's contents suggest: Zarr v3, Zarr v2, or plain files.</summary>
    public static string Detect(string folder) =>
        File.Exists(Path.Combine(folder, "zarr.json")) ? ZarrV3
        : File.Exists(Path.Combine(folder, ".zgroup")) || File.Exists(Path.Combine(folder, ".zarray")) || File.Exists(Path.Combine(folder, ".zmetadata")) ? ZarrV2
        : Files;

    /// <summary>
    /// Names are one URL segment: a letter or digit, then letters, digits, <c>-</c>, <c>_</c>, <c>.</c> (at most 128).
    /// <c>catalog.yaml</c> and <c>stac</c> are the catalogs' own addresses under <c>/data/</c>.
    /// </summary>
    public static string? NameProblem(string name)
    {
        if (name.Length is 0 or > 128)
        {
            return "A dataset name has 1 to 128 characters.";
        }
        if (!char.IsAsciiLetterOrDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return $"Invalid dataset name '{name}': use letters, digits, '-', '_' and '.', starting with a letter or digit.";
        }
        if (name is "catalog.yaml" or "stac")
        {
            return $"'{name}' is reserved under /data/.";
        }
        return null;
    }
}
