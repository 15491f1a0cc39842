using Greyhub.Hub.Auth;

namespace Greyhub.Hub.Audit;

/// <summary>Who or what caused an audited action: a kind and, for users and services, a name.</summary>
internal readonly record struct AuditActor(string Kind, string? Name)
{
    /// <summary>The hub itself (its start-up, its shutdown).</summary>
    public static AuditActor Hub { get; } = new("hub", null);

    /// <summary>The compute engine: the server's process or job ended by itself.</summary>
    public static AuditActor Engine { get; } = new("engine", null);

    /// <summary>A failed start.</summary>
    public static AuditActor Failure { get; } = new("failure", null);

    /// <summary>The built-in idle culler (the external one is a service and is recorded as such).</summary>
    public static AuditActor Culler { get; } = new("culler", null);

    /// <summary>Someone not signed in (a login attempt).</summary>
    public static AuditActor Anonymous { get; } = new("anonymous", null);

    /// <summary>A user acting as a user.</summary>
    public static AuditActor User(string name) => new("user", name);

    /// <summary>The caller of a request: a service by name, an admin, or a user.</summary>
    public static AuditActor Of(RequestIdentity caller) =>
        !caller.IsUser ? new("service", caller.Name) : new(caller.Admin ? "admin" : "user", caller.Name);
}
