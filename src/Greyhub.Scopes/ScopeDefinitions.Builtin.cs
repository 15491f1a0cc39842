namespace Greyhub.Scopes;

public sealed partial class ScopeDefinitions
{
    /// <summary>The metascope that stands for the owner's own resources (users only).</summary>
    public const string Self = "self";

    /// <summary>The metascope that stands for everything the token's owner holds.</summary>
    public const string Inherit = "inherit";

    /// <summary>The scope that only identifies the owner of the credential.</summary>
    public const string NoScope = "(no_scope)";

    /// <summary>The prefix every custom scope must start with.</summary>
    public const string CustomPrefix = "custom:";

    /// <summary>
    /// The scopes <c>self</c> stands for, each filtered to the owning user (JupyterHub 5.x <c>_expand_self_scope</c>).
    /// </summary>
    public static IReadOnlyList<string> SelfScopes { get; } =
    [
        "read:users",
        "read:users:name",
        "read:users:groups",
        "users:shares",
        "read:users:shares",
        "read:shares",
        "users:activity",
        "read:users:activity",
        "servers",
        "delete:servers",
        "read:servers",
        "tokens",
        "read:tokens",
        "access:servers",
        "clusters",
        "read:clusters",
    ];

    // The 47 scopes of JupyterHub 5.4 (jupyterhub/scopes.py scope_definitions), descriptions in our own words.
    private static ScopeDefinition[] BuiltinScopes() =>
    [
        new(NoScope, "Identify the owner of the credential."),
        new(Self, "The owning user's own resources (for services: nothing)."),
        new(Inherit, "Everything the owner of the token may do."),
        new("admin-ui", "Open the admin page; the actions on it need their own scopes."),
        new("admin:users", "Create, read, change and delete users and their auth state, not their servers or tokens. Equivalent to full admin in practice.",
            ["admin:auth_state", "users", "read:roles:users", "delete:users"]),
        new("admin:auth_state", "Read users' authentication state."),
        new("users", "Read and change user models (no servers, tokens or auth state).",
            ["read:users", "list:users", "users:activity"]),
        new("delete:users", "Delete users."),
        new("list:users", "List users, with at least their names.", ["read:users:name"]),
        new("read:users", "Read user models, including the default server's URL when it runs.",
            ["read:users:name", "read:users:groups", "read:users:activity"]),
        new("read:users:name", "Read user names."),
        new("read:users:groups", "Read which groups users belong to."),
        new("read:users:activity", "Read when users were last active."),
        new("read:roles", "Read role assignments.", ["read:roles:users", "read:roles:services", "read:roles:groups"]),
        new("read:roles:users", "Read the roles of users."),
        new("read:roles:services", "Read the roles of services."),
        new("read:roles:groups", "Read the roles of groups."),
        new("users:activity", "Report user activity.", ["read:users:activity"]),
        new("admin:servers", "Start, stop, create and delete user servers and read or write their state.",
            ["admin:server_state", "servers"]),
        new("admin:server_state", "Read and write the state of user servers."),
        new("servers", "Start and stop user servers.", ["read:servers", "delete:servers"]),
        new("read:servers", "Read user names and server models (not the server state).", ["read:users:name"]),
        new("delete:servers", "Stop and delete user servers."),
        new("tokens", "Create, read, change and delete user tokens.", ["read:tokens"]),
        new("read:tokens", "Read user tokens."),
        new("admin:groups", "Create, read, change and delete groups.", ["groups", "read:roles:groups", "delete:groups"]),
        new("groups", "Read and change groups, including their members (which may change permissions).",
            ["read:groups", "list:groups"]),
        new("list:groups", "List groups, with at least their names.", ["read:groups:name"]),
        new("read:groups", "Read group models.", ["read:groups:name"]),
        new("read:groups:name", "Read group names."),
        new("delete:groups", "Delete groups."),
        new("admin:services", "Create, read, change and delete services not defined in configuration.",
            ["list:services", "read:services", "read:roles:services"]),
        new("list:services", "List services, with at least their names.", ["read:services:name"]),
        new("read:services", "Read service models.", ["read:services:name"]),
        new("read:services:name", "Read service names."),
        new("read:hub", "Read details about the hub."),
        new("access:servers", "Use user servers through the API or a browser."),
        new("access:services", "Use services through the API or a browser."),
        new("users:shares", "Read and revoke the servers shared with a user.", ["read:users:shares"]),
        new("read:users:shares", "Read the servers shared with a user."),
        new("groups:shares", "Read and revoke the servers shared with a group.", ["read:groups:shares"]),
        new("read:groups:shares", "Read the servers shared with a group."),
        new("read:shares", "Read who has shared access to servers."),
        new("shares", "Manage shared access to servers.", ["access:servers", "read:shares", "users:shares", "groups:shares"]),
        new("proxy", "Read the proxy's routing table, sync the hub with the proxy and announce a new proxy."),
        new("shutdown", "Shut the hub down."),
        new("read:metrics", "Read Prometheus metrics."),
        // Greyhub's own, beyond JupyterHub's 47: the audit log (who did what), granted only by the admin role.
        new(ReadAudit, "Read the hub's audit log: logins, tokens, admin actions, server starts and stops."),
        // Greyhub's datasets (/hub/api/datasets, /data/...): the admin role holds admin:datasets.
        new(AdminDatasets, "Register, change and remove datasets, and read and write every dataset.", [WriteDatasets]),
        new(WriteDatasets, "Write and delete keys of datasets at /data/ (PUT, POST, DELETE), and read them.", [ReadDatasets]),
        new(ReadDatasets, "Read datasets: their models and their data at /data/."),
        // Greyhub's Dask clusters (Dask Gateway's API under /services/dask-gateway): a user's own through self, every
        // user's through admin:clusters.
        new("admin:clusters", "Read, scale and stop every user's Dask clusters.", ["clusters"]),
        new("clusters", "Create, read, scale and stop Dask clusters.", ["read:clusters"]),
        new("read:clusters", "Read Dask clusters, with their credentials while they run."),
    ];

    /// <summary>Greyhub's scope for reading datasets (their models and data).</summary>
    public const string ReadDatasets = "read:datasets";

    /// <summary>Greyhub's scope for writing datasets' keys (implies <see cref="ReadDatasets"/>).</summary>
    public const string WriteDatasets = "write:datasets";

    /// <summary>Greyhub's scope for managing datasets.</summary>
    public const string AdminDatasets = "admin:datasets";

    /// <summary>Greyhub's scope for reading the audit log (not one of JupyterHub's).</summary>
    public const string ReadAudit = "read:audit";
}
