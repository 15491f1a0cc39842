using Microsoft.AspNetCore.Authorization;

namespace Greyhub.Hub.Auth;

/// <summary>What resource an endpoint's route names, for a scope check (JupyterHub's <c>needs_scope</c> arguments).</summary>
internal enum ScopeTarget
{
    /// <summary>No resource: any holding of an accepted scope will do (lists and creates filter further themselves).</summary>
    None,

    /// <summary>The user <c>{name}</c>.</summary>
    User,

    /// <summary>The server <c>{name}/{serverName}</c> (the default server when the route has no <c>{serverName}</c>).</summary>
    Server,

    /// <summary>The group <c>{name}</c>.</summary>
    Group,

    /// <summary>The service <c>{name}</c>.</summary>
    Service,
}

/// <summary>
/// Endpoint metadata and authorization requirement: the caller must hold one of <see cref="AnyOf"/> for the resource
/// the route names. Not held at all: 403; held only for other resources: 404 (the resource's existence is not revealed).
/// </summary>
internal sealed class ScopeRequirement(ScopeTarget target, string[] anyOf) : IAuthorizationRequirement
{
    public ScopeTarget Target { get; } = target;

    public IReadOnlyList<string> AnyOf { get; } = anyOf;

    public override string ToString() => $"scope {Target}: any of [{string.Join(", ", AnyOf)}]";
}

/// <summary>Endpoint metadata and requirement: any authenticated caller (the endpoint checks its scope on the body, as JupyterHub does there).</summary>
internal sealed class CallerRequirement : IAuthorizationRequirement
{
    public static CallerRequirement Instance { get; } = new();
}

/// <summary>Endpoint metadata and requirement: a user signed in with the login cookie (the hub's pages).</summary>
internal sealed class SignedInRequirement : IAuthorizationRequirement
{
    public static SignedInRequirement Instance { get; } = new();
}

/// <summary>Why a scope check refused, for the JSON error the edge writes.</summary>
internal sealed record ScopeRefusal(int Status, string Message);
