namespace Greyhub.Data;

/// <summary>Where the hub keeps its state. Bound from <c>Greyhub:Database</c>.</summary>
public sealed class DatabaseOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Greyhub:Database";

    /// <summary>
    /// The registered <see cref="IHubDatabaseProvider"/> to use, by name: <c>sqlite</c> (embedded, the default) or
    /// <c>postgres</c>. Case does not matter.
    /// </summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>
    /// The provider's connection string. Empty means <c>{DataDirectory}/greyhub.sqlite</c> for SQLite; PostgreSQL
    /// requires one.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Folder of an embedded database's file when no connection string is given; the hub sets it to <c>Greyhub:DataDir</c>.</summary>
    public string DataDirectory { get; set; } = "";
}
