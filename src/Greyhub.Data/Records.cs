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
    string State,
    string? StopReason = null);

/// <summary>A group as read by the stores.</summary>
public sealed record GroupRecord(int Id, string Name, string Properties, IReadOnlyList<string> Users);

/// <summary>A service added at run time, as stored: its name, its definition as the hub's JSON, when it was added.</summary>
public sealed record ServiceRecord(string Name, string Spec, DateTime Created);

/// <summary>A shared server as the sharing API shows it: owner, name, whether it is ready.</summary>
public sealed record SharedServer(string Owner, string Name, bool Ready);

/// <summary>A share as read by the stores: the server, who it is granted to (a user or a group), the scopes.</summary>
public sealed record ShareRecord(int Id, SharedServer Server, string? UserName, string? GroupName, IReadOnlyList<string> Scopes, DateTime Created);

/// <summary>A share code as read by the stores (never the code).</summary>
public sealed record ShareCodeRecord(int Id, SharedServer Server, IReadOnlyList<string> Scopes, DateTime Created, DateTime ExpiresAt,
    int ExchangeCount, DateTime? LastExchangedAt);

/// <summary>Whom a share is for: a user or a group, by id.</summary>
public readonly record struct ShareTarget(int? UserId, int? GroupId);

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

    /// <summary>
    /// When set, only users whose name contains this text, ignoring case (JupyterHub 5's <c>name_filter</c>); the text
    /// is matched literally, never as a pattern.
    /// </summary>
    public string? NameFilter { get; init; }

    /// <summary>Whether to count the matching users (<see cref="Page{T}.Total"/>); when false the total is -1.</summary>
    public bool CountTotal { get; init; } = true;
}

/// <summary>A page of results with the total before paging (-1 when the query did not ask for it).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total);

/// <summary>Thrown when a write would break a uniqueness rule (e.g. a user that exists).</summary>
public sealed class ConflictException(string message) : Exception(message);

/// <summary>Thrown when a write names a row that does not exist.</summary>
public sealed class NotFoundException(string message) : Exception(message);

/// <summary>An OAuth client as read by the stores (the secret only as its keyed hash).</summary>
public sealed record OAuthClientRecord(
    string ClientId,
    string SecretHash,
    string RedirectUri,
    string Description,
    IReadOnlyList<string> AllowedScopes,
    DateTime Created);

/// <summary>A new authorization code to store.</summary>
public sealed record NewOAuthCode(
    string CodeHash,
    string ClientId,
    int UserId,
    string RedirectUri,
    IReadOnlyList<string> Scopes,
    string? SessionId,
    DateTime ExpiresAt);

/// <summary>The token to store when a code is redeemed; owner, scopes, session and client come from the code.</summary>
public sealed record NewOAuthToken(string Hash, string Prefix, string Note, DateTime Created, DateTime? ExpiresAt);

/// <summary>How presenting an authorization code ended.</summary>
public enum CodeRedemption
{
    /// <summary>The token was stored.</summary>
    Issued,

    /// <summary>No such code.</summary>
    Unknown,

    /// <summary>The code has expired.</summary>
    Expired,

    /// <summary>The code belongs to another client or redirect URI.</summary>
    Mismatch,

    /// <summary>The code was redeemed before; the token issued from it has been revoked.</summary>
    Replayed,
}

/// <summary>The result of presenting an authorization code.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Token">The stored token, when <see cref="CodeRedemption.Issued"/>.</param>
/// <param name="RevokedTokenHash">The hash of the token revoked because the code was replayed, if any.</param>
public sealed record CodeRedemptionResult(CodeRedemption Outcome, TokenRecord? Token, string? RevokedTokenHash);

/// <summary>An audit log entry as written and read (<see cref="Entities.AuditEntryEntity"/>; <c>Id</c> is 0 before it is stored).</summary>
public sealed record AuditRecord(
    long Id,
    DateTime At,
    string Action,
    string ActorKind,
    string? Actor,
    string? UserName,
    string? Target,
    string? Address,
    string? Detail);

/// <summary>Which audit entries a query returns: all filters optional, combined with AND.</summary>
/// <param name="User">Entries about this user or caused by them.</param>
/// <param name="Action">Entries of this action, or of every action under it when it ends with a dot (<c>server.</c>).</param>
/// <param name="Since">Entries at or after this instant (UTC).</param>
public sealed record AuditQuery(string? User, string? Action, DateTime? Since);

/// <summary>A registered dataset (see <see cref="Entities.DatasetEntity"/>).</summary>
public sealed record DatasetRecord(
    string Name,
    string Title,
    string Description,
    string? Owner,
    IReadOnlyList<string> ReadGroups,
    IReadOnlyList<string> WriteGroups,
    string Location,
    string Format,
    DateTime Created,
    DateTime Modified);
