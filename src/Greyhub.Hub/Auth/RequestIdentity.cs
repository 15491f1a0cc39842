using Greyhub.Scopes;

namespace Greyhub.Hub.Auth;

/// <summary>Who is making a request and with which scopes (JupyterHub's "current user" plus its expanded scopes).</summary>
internal sealed record RequestIdentity
{
    /// <summary><c>user</c> or <c>service</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>User or service name.</summary>
    public required string Name { get; init; }

    /// <summary>Database id of the user, for user identities.</summary>
    public int? UserId { get; init; }

    /// <summary>Whether the owner is an admin.</summary>
    public bool Admin { get; init; }

    /// <summary>The owner's groups.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>The owner's role names.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>The credential's expanded scopes (never more than the owner's).</summary>
    public required ExpandedScopes Scopes { get; init; }

    /// <summary>The token used, if any.</summary>
    public int? TokenId { get; init; }

    /// <summary>The login session, if any.</summary>
    public string? SessionId { get; init; }

    /// <summary>True when authenticated by the login cookie (XSRF applies).</summary>
    public bool ViaCookie { get; init; }

    /// <summary>True for a user identity.</summary>
    public bool IsUser => Kind == "user";
}
