namespace Greyhub.Data;

/// <summary>A user as read by the stores (no tracking, no navigation).</summary>
public sealed record UserRecord(
    int Id,
    string Name,
    bool Admin,
    DateTime Created,
    DateTime? LastActivity,
    IReadOnlyList<string> Groups,
    IReadOnlyList<ServerRecord> Servers);

/// <summary>A server as read by the stores.</summary>
public sealed record ServerRecord(
    int Id,
    string Name,
    string Phase,
    string? Url,
    DateTime? Started,
    DateTime? LastActivity,
    string UserOptions,
    string State);

/// <summary>A group as read by the stores.</summary>
public sealed record GroupRecord(int Id, string Name, string Properties, IReadOnlyList<string> Users);

/// <summary>A token as read by the stores (never the secret).</summary>
public sealed record TokenRecord(
    int Id,
    int? UserId,
    string? UserName,
    string? ServiceName,
    IReadOnlyList<string> Scopes,
    string? Note,
    string? SessionId,
    string ClientId,
    DateTime Created,
    DateTime? ExpiresAt,
    DateTime? LastActivity);

/// <summary>Which users a list query returns.</summary>
public sealed record UserQuery
{
    /// <summary>Rows to skip.</summary>
    public int Offset { get; init; }

    /// <summary>Rows to return at most.</summary>
    public int Limit { get; init; } = 50;

    /// <summary>Sort key: <c>id</c>, <c>name</c> or <c>last_activity</c>.</summary>
    public string Sort { get; init; } = "id";

    /// <summary>Descending order.</summary>
    public bool Descending { get; init; }

    /// <summary>null, <c>active</c>, <c>ready</c> or <c>inactive</c>.</summary>
    public string? State { get; init; }

    /// <summary>When set, only these users (by name) or members of <see cref="OnlyGroups"/> are returned.</summary>
    public IReadOnlyCollection<string>? OnlyUsers { get; init; }

    /// <summary>When set, only members of these groups or <see cref="OnlyUsers"/> are returned.</summary>
    public IReadOnlyCollection<string>? OnlyGroups { get; init; }
}

/// <summary>A page of results with the total before paging.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total);

/// <summary>Thrown when a write would break a uniqueness rule (e.g. a user that exists).</summary>
public sealed class ConflictException(string message) : Exception(message);

/// <summary>Thrown when a write names a row that does not exist.</summary>
public sealed class NotFoundException(string message) : Exception(message);
