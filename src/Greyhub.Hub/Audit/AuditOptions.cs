namespace Greyhub.Hub.Audit;

/// <summary>The audit log (<c>Greyhub:Audit</c>).</summary>
public sealed class AuditOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Greyhub:Audit";

    /// <summary>How long entries are kept; older ones are pruned.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How often entries older than <see cref="Retention"/> are pruned.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Entries waiting to be written at most. Requests never wait for the database: past this many (a database that
    /// cannot keep up), further entries are dropped and the drop is logged.
    /// </summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Entries written per database round trip at most.</summary>
    public int BatchSize { get; set; } = 500;
}
