namespace Greyhub.Data.Entities;

/// <summary>
/// A dataset the hub serves at <c>/data/{name}/</c>: where its bytes are, its format, who owns it and which groups may
/// read or write it. Group and owner are names, not foreign keys: a dataset outlives a renamed or deleted group.
/// </summary>
public sealed class DatasetEntity
{
    /// <summary>Database id.</summary>
    public int Id { get; set; }

    /// <summary>The dataset's name, the first segment of its URL; unique.</summary>
    public required string Name { get; set; }

    /// <summary>A short human title.</summary>
    public string Title { get; set; } = "";

    /// <summary>A longer description (Markdown).</summary>
    public string Description { get; set; } = "";

    /// <summary>The owning user's name, or null.</summary>
    public string? Owner { get; set; }

    /// <summary>The groups that may read it, as a JSON array of names.</summary>
    public string ReadGroups { get; set; } = "[]";

    /// <summary>The groups that may write it, as a JSON array of names.</summary>
    public string WriteGroups { get; set; } = "[]";

    /// <summary>Where the bytes are: an absolute folder or file path on the hub's filesystem.</summary>
    public required string Location { get; set; }

    /// <summary>The format: <c>zarr-v2</c>, <c>zarr-v3</c> or <c>files</c>.</summary>
    public required string Format { get; set; }

    /// <summary>When it was registered (UTC).</summary>
    public DateTime Created { get; set; }

    /// <summary>When it was last changed (UTC).</summary>
    public DateTime Modified { get; set; }
}
