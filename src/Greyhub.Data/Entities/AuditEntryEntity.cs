namespace Greyhub.Data.Entities;

/// <summary>
/// One entry of the audit log: what happened, when, who or what caused it, to whom. Written in batches by the hub,
/// never changed afterwards, pruned once older than the retention.
/// </summary>
public sealed class AuditEntryEntity
{
    /// <summary>Database id; increases with time of writing (the order entries are listed in).</summary>
    public long Id { get; set; }

    /// <summary>When it happened (UTC).</summary>
    public DateTime At { get; set; }

    /// <summary>What happened, e.g. <c>login.failure</c>, <c>server.stop</c>.</summary>
    public required string Action { get; set; }

    /// <summary>What kind of actor caused it: <c>user</c>, <c>admin</c>, <c>service</c>, <c>culler</c>, <c>engine</c>, <c>failure</c>, <c>hub</c>, <c>anonymous</c>.</summary>
    public required string ActorKind { get; set; }

    /// <summary>The actor's name (a user or service name), when it has one.</summary>
    public string? Actor { get; set; }

    /// <summary>The user the action concerns (the name tried, for a failed login), when there is one.</summary>
    public string? UserName { get; set; }

    /// <summary>What else it concerns: a server's name, a token's id, a group's name.</summary>
    public string? Target { get; set; }

    /// <summary>The client's address, for actions caused by a request.</summary>
    public string? Address { get; set; }

    /// <summary>Free-form detail: a reason, a new name, scopes.</summary>
    public string? Detail { get; set; }
}
