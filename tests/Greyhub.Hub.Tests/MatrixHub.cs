namespace Greyhub.Hub.Tests;

/// <summary>
/// A hub with delegated admins, services and narrow tokens, for the scope-decision matrix:
/// users alice and bob in group <c>students</c>, carol in no group, teacher in <c>teachers</c> holding
/// <c>admin:users!group=students</c> and <c>admin:groups!group=students</c>, useradmin holding unfiltered
/// <c>admin:users</c> without being an admin, prom holding <c>read:metrics</c>; service culler with a role,
/// service lonely without.
/// </summary>
public sealed class MatrixHub : IAsyncLifetime
{
    private readonly Dictionary<string, string?> _tokens = new(StringComparer.Ordinal);

    public HubInstance Hub { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Hub = await HubInstance.StartAsync(
            "Greyhub:Services:0:Name=culler",
            "Greyhub:Services:0:ApiToken=" + ContractHub.CullerToken,
            "Greyhub:Services:1:Name=lonely",
            "Greyhub:Services:1:ApiToken=" + ContractHub.LonelyToken,
            "Greyhub:Roles:0:Name=students-admin",
            "Greyhub:Roles:0:Scopes:0=admin:users!group=students",
            "Greyhub:Roles:0:Scopes:1=admin:groups!group=students",
            "Greyhub:Roles:0:Users:0=teacher",
            "Greyhub:Roles:1:Name=user-admin",
            "Greyhub:Roles:1:Scopes:0=admin:users",
            "Greyhub:Roles:1:Users:0=useradmin",
            "Greyhub:Roles:2:Name=idle-culler",
            "Greyhub:Roles:2:Scopes:0=list:users",
            "Greyhub:Roles:2:Scopes:1=read:users:activity",
            "Greyhub:Roles:2:Scopes:2=read:servers",
            "Greyhub:Roles:2:Scopes:3=delete:servers",
            "Greyhub:Roles:2:Services:0=culler",
            "Greyhub:Roles:3:Name=prometheus",
            "Greyhub:Roles:3:Scopes:0=read:metrics",
            "Greyhub:Roles:3:Users:0=prom",
            "Greyhub:Roles:4:Name=graders-role",
            "Greyhub:Roles:4:Scopes:0=read:metrics",
            "Greyhub:Roles:4:Scopes:1=read:users!group=students",
            "Greyhub:Roles:4:Groups:0=graders");
        var admin = Hub.Client(Hub.AdminToken);
        (await admin.PostApiAsync("hub/api/users", new { usernames = new[] { "alice", "bob", "carol", "teacher", "useradmin", "prom" } })).Is(201);
        (await admin.PostApiAsync("hub/api/groups", new { groups = new[] { "students" }, users = new[] { "alice", "bob" } })).Is(201);
        (await admin.PostApiAsync("hub/api/groups", new { groups = new[] { "teachers" }, users = new[] { "teacher" } })).Is(201);
        (await admin.PostApiAsync("hub/api/groups", new { groups = new[] { "graders" } })).Is(201);
        _tokens["none"] = null;
        _tokens["bogus"] = "0123456789abcdef0123456789abcdef";
        _tokens["admin"] = Hub.AdminToken;
        foreach (var user in new[] { "alice", "bob", "carol", "teacher", "useradmin" })
        {
            _tokens[user] = await Hub.TokenForAsync(user);
        }
        _tokens["culler"] = ContractHub.CullerToken;
        _tokens["lonely"] = ContractHub.LonelyToken;
        _tokens["prom:read:metrics"] = await Hub.ScopedTokenAsync("prom", "read:metrics");
        foreach (var scope in new[]
        {
            "read:users:name", "read:users:groups", "read:users!user=bob", "list:users!group=students", "tokens!user=bob",
            "read:metrics", "read:users:activity", "read:groups", "read:groups:name", "read:services", "read:services:name", "list:services",
            "admin:auth_state",
        })
        {
            _tokens["admin:" + scope] = await Hub.ScopedTokenAsync("admin", scope);
        }
    }

    /// <summary>A client for a caller label (<c>alice</c>, <c>admin:read:users:name</c>, <c>none</c>...).</summary>
    public HttpClient Client(string caller) =>
        _tokens.TryGetValue(caller, out var token) ? Hub.Client(token) : throw new ArgumentException("unknown caller " + caller, nameof(caller));

    public async ValueTask DisposeAsync() => await Hub.DisposeAsync();
}
