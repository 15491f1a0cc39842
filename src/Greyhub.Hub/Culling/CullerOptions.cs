namespace Greyhub.Hub.Culling;

/// <summary>
/// The built-in idle culler (<c>Greyhub:Culler</c>), with jupyterhub-idle-culler's semantics: a running server idle
/// for <see cref="Timeout"/>, or running longer than <see cref="MaxAge"/>, is stopped (a named one removed when
/// <see cref="RemoveNamedServers"/>), and with <see cref="CullUsers"/> its owner is deleted once no server of theirs is
/// left running. The settings here are the default policy; <see cref="Groups"/> overrides them for members of a group.
/// </summary>
public sealed class CullerOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Greyhub:Culler";

    /// <summary>Whether the hub culls at all (on by default: a class's forgotten servers hold machines until stopped).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the culler looks (<c>--cull-every</c>); a server is stopped at most this long after its limit.</summary>
    public TimeSpan Every { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many servers are stopped at once at most (<c>--concurrency</c>).</summary>
    public int Concurrency { get; set; } = 10;

    /// <summary>Idle time after which a server is stopped (<c>--timeout</c>); zero never stops a server for idleness.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Age after which a server is stopped even if active (<c>--max-age</c>); zero (the default) sets no limit.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.Zero;

    /// <summary>Delete a user once their last running server was culled and they were idle as long (<c>--cull-users</c>).</summary>
    public bool CullUsers { get; set; }

    /// <summary>
    /// Whether <see cref="CullUsers"/> may delete admins (<c>--cull-admin-users</c>). Off by default, unlike the external
    /// culler: deleting an admin is never what an idle timeout should do unless asked. Admins' servers are culled either way.
    /// </summary>
    public bool CullAdminUsers { get; set; }

    /// <summary>Remove culled named servers instead of only stopping them (<c>--remove-named-servers</c>).</summary>
    public bool RemoveNamedServers { get; set; }

    /// <summary>
    /// Policies by group name; each setting left out is the default's. A user in several of these groups gets the most
    /// lenient of each setting: the longest timeout and max age (zero, no limit, beats any), and user deletion or named
    /// server removal only when every one of their groups asks for it. A user in none of them gets the default.
    /// </summary>
    public Dictionary<string, CullGroupPolicy> Groups { get; set; } = [];
}

/// <summary>A group's culling policy: each setting left null is the default's (<see cref="CullerOptions"/>).</summary>
public sealed class CullGroupPolicy
{
    /// <summary>Idle time after which a member's server is stopped; zero never.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Age after which a member's server is stopped even if active; zero never.</summary>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>Delete members once their last server was culled.</summary>
    public bool? CullUsers { get; set; }

    /// <summary>Remove members' culled named servers.</summary>
    public bool? RemoveNamedServers { get; set; }
}
