namespace Greyhub.Scopes;

/// <summary>The fields of a user, group or service model a credential may see (JupyterHub's vertical filtering).</summary>
[Flags]
public enum ModelFields
{
    /// <summary>Nothing: the model is omitted (lists skip it).</summary>
    None = 0,

    /// <summary><c>kind</c> and <c>name</c>: present whenever anything is.</summary>
    Name = 1,

    /// <summary><c>admin</c> (users and services).</summary>
    Admin = 1 << 1,

    /// <summary><c>roles</c>.</summary>
    Roles = 1 << 2,

    /// <summary><c>groups</c> (users).</summary>
    Groups = 1 << 3,

    /// <summary><c>server</c> (the default server's URL, users).</summary>
    Server = 1 << 4,

    /// <summary><c>pending</c> (users).</summary>
    Pending = 1 << 5,

    /// <summary><c>created</c> (users).</summary>
    Created = 1 << 6,

    /// <summary><c>last_activity</c> (users).</summary>
    LastActivity = 1 << 7,

    /// <summary>
    /// The <c>servers</c> key, present even when empty (users). Each server inside still needs
    /// <c>read:servers</c> on that server; its <c>state</c> needs <c>admin:server_state</c> on it.
    /// </summary>
    Servers = 1 << 8,

    /// <summary><c>auth_state</c> (users).</summary>
    AuthState = 1 << 9,

    /// <summary><c>users</c> and <c>properties</c> (groups).</summary>
    Members = 1 << 10,

    /// <summary><c>url</c>, <c>prefix</c>, <c>command</c>, <c>pid</c>, <c>info</c>, <c>display</c> (services).</summary>
    ServiceDetails = 1 << 11,
}

/// <summary>Which fields of one model to include.</summary>
/// <param name="Fields">The allowed fields.</param>
public readonly record struct ModelAccess(ModelFields Fields)
{
    /// <summary>Whether the model is visible at all (otherwise omit it; JupyterHub drops empty models from lists).</summary>
    public bool Any => Fields != ModelFields.None;

    /// <summary><c>kind</c>, <c>name</c>.</summary>
    public bool Name => Has(ModelFields.Name);

    /// <summary><c>admin</c>.</summary>
    public bool Admin => Has(ModelFields.Admin);

    /// <summary><c>roles</c>.</summary>
    public bool Roles => Has(ModelFields.Roles);

    /// <summary><c>groups</c>.</summary>
    public bool Groups => Has(ModelFields.Groups);

    /// <summary><c>server</c>.</summary>
    public bool Server => Has(ModelFields.Server);

    /// <summary><c>pending</c>.</summary>
    public bool Pending => Has(ModelFields.Pending);

    /// <summary><c>created</c>.</summary>
    public bool Created => Has(ModelFields.Created);

    /// <summary><c>last_activity</c>.</summary>
    public bool LastActivity => Has(ModelFields.LastActivity);

    /// <summary>The <c>servers</c> key (even if empty).</summary>
    public bool Servers => Has(ModelFields.Servers);

    /// <summary><c>auth_state</c>.</summary>
    public bool AuthState => Has(ModelFields.AuthState);

    /// <summary><c>users</c>, <c>properties</c> of a group.</summary>
    public bool Members => Has(ModelFields.Members);

    /// <summary>The details of a service model.</summary>
    public bool ServiceDetails => Has(ModelFields.ServiceDetails);

    /// <summary>Whether all the given fields are allowed.</summary>
    /// <param name="fields">The fields.</param>
    /// <returns>True when allowed.</returns>
    public bool Has(ModelFields fields) => (Fields & fields) == fields;
}

public sealed partial class ExpandedScopes
{
    private const ModelFields UserRead = ModelFields.Name | ModelFields.Admin | ModelFields.Roles | ModelFields.Groups
        | ModelFields.Server | ModelFields.Pending | ModelFields.Created | ModelFields.LastActivity;

    private static readonly (string Scope, ModelFields Fields)[] UserFields =
    [
        ("read:users", UserRead),
        ("read:users:name", ModelFields.Name | ModelFields.Admin),
        ("read:users:groups", ModelFields.Name | ModelFields.Groups),
        ("read:users:activity", ModelFields.Name | ModelFields.LastActivity),
        ("read:servers", ModelFields.Name | ModelFields.Servers),
        ("read:roles:users", ModelFields.Name | ModelFields.Roles | ModelFields.Admin),
        ("admin:auth_state", ModelFields.Name | ModelFields.AuthState),
    ];

    private static readonly (string Scope, ModelFields Fields)[] GroupFields =
    [
        ("read:groups", ModelFields.Name | ModelFields.Members),
        ("read:groups:name", ModelFields.Name),
        ("read:roles:groups", ModelFields.Name | ModelFields.Roles),
    ];

    private static readonly (string Scope, ModelFields Fields)[] ServiceFields =
    [
        ("read:services", ModelFields.Name | ModelFields.Admin | ModelFields.ServiceDetails),
        ("read:services:name", ModelFields.Name | ModelFields.Admin),
        ("read:roles:services", ModelFields.Name | ModelFields.Roles | ModelFields.Admin),
    ];

    /// <summary>
    /// Which fields of a user, group or service model to include, as JupyterHub's <c>user_model</c>,
    /// <c>group_model</c>, <c>service_model</c> (each read scope that admits the target adds its fields).
    /// </summary>
    /// <param name="target">A user (with groups), group or service.</param>
    /// <returns>The allowed fields.</returns>
    public ModelAccess ModelAccessFor(in ResourceRef target)
    {
        var map = target.Kind switch
        {
            ScopeFilterKind.User => UserFields,
            ScopeFilterKind.Group => GroupFields,
            ScopeFilterKind.Service => ServiceFields,
            _ => throw new ArgumentException("Model access is defined for users, groups and services.", nameof(target)),
        };
        var fields = ModelFields.None;
        foreach (var (scope, allowed) in map)
        {
            if (CanAccess(scope, target))
            {
                fields |= allowed;
            }
        }

        return new ModelAccess(fields);
    }
}
