namespace Greyhub.Data;

/// <summary>Where the hub keeps its state. Bound from <c>Greyhub:Database</c>.</summary>
public sealed class DatabaseOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Greyhub:Database";

    /// <summary>Database provider: <c>sqlite</c> (embedded default). Other providers plug in by name.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>Connection string; empty means <c>{DataDir}/greyhub.sqlite</c> for SQLite.</summary>
    public string? ConnectionString { get; set; }
}
