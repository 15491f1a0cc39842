using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Scopes;

namespace Greyhub.Hub.OAuth;

/// <summary>What a signed-in user may grant a client: whether at all, whether they must confirm, and the code's scopes.</summary>
/// <param name="Allowed">The user holds access to everything the client is for.</param>
/// <param name="NeedsConsent">The client is not the user's own server (nor a service configured to skip confirmation).</param>
/// <param name="Scopes">The raw scopes the token will carry (identify scopes first), cut to what the user holds.</param>
internal sealed record AccessDecision(bool Allowed, bool NeedsConsent, IReadOnlyList<string> Scopes);

/// <summary>
/// The authorization rules of JupyterHub's provider, decided with Greyhub.Scopes: the user must hold
/// <c>access:servers</c> on the client's server (or <c>access:services</c> on its service); only the owner's own
/// server is authorized without a confirmation page.
/// </summary>
internal sealed class ClientAccess(UserStore users, HubRoles roles, ServiceCatalog services)
{
    /// <summary>The scopes every OAuth token carries so its holder can ask <c>GET /hub/api/user</c> who it is.</summary>
    public static readonly IReadOnlyList<string> IdentifyScopes = ["read:users:name!user", "read:users:groups!user"];

    /// <summary>Decides for <paramref name="user"/> (a cookie identity, so its scopes are the user's own).</summary>
    /// <param name="user">The signed-in user.</param>
    /// <param name="client">The client asking.</param>
    /// <param name="requested">The <c>scope</c> parameter split on spaces, or null when absent (then the client's allowed scopes).</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<AccessDecision> DecideAsync(RequestIdentity user, OAuthClientRecord client, IReadOnlyList<string>? requested, CancellationToken ct)
    {
        var targets = client.AllowedScopes.Select(AccessTarget.Parse).OfType<AccessTarget>().ToList();
        var groupsOf = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal) { [user.Name] = user.Groups };
        foreach (var target in targets)
        {
            var allowed = target.IsServer
                ? user.Scopes.CanAccess("access:servers", ResourceRef.Server(target.Name, target.ServerName, [.. await GroupsAsync(target.Name, groupsOf, ct)]))
                : user.Scopes.CanAccess("access:services", ResourceRef.Service(target.Name));
            if (!allowed)
            {
                return new AccessDecision(false, true, []);
            }
        }
        var own = targets.Count > 0 && targets.All(t => t.IsServer ? t.Name == user.Name : services.Find(t.Name) is { OauthNoConfirm: true });
        var wanted = requested is null ? client.AllowedScopes : [.. requested.Where(client.AllowedScopes.Contains)];
        var scopes = await HeldAsync([.. IdentifyScopes, .. wanted], user, groupsOf, ct);
        return new AccessDecision(true, !own, scopes);
    }

    // JupyterHub's _resolve_requested_scopes for one user: a raw scope whose expansion the user holds in full stays
    // raw (as the token response shows it); of a partly held one only the held expanded part remains.
    private async Task<IReadOnlyList<string>> HeldAsync(IEnumerable<string> raw, RequestIdentity user, Dictionary<string, IReadOnlyCollection<string>> groupsOf,
        CancellationToken ct)
    {
        var owner = ScopeOwner.User(user.Name, user.Groups);
        var result = new List<string>();
        foreach (var scope in raw.Distinct(StringComparer.Ordinal))
        {
            if (IdentifyScopes.Contains(scope))
            {
                // Every token may identify its owner (JupyterHub's required scopes), also one authorized with a token
                // that does not hold them itself.
                result.Add(scope);
                continue;
            }
            var expanded = ExpandedScopes.Expand([scope], owner, roles.Definitions);
            foreach (var name in ExpandedScopes.GroupLookupsFor(expanded, user.Scopes))
            {
                await GroupsAsync(name, groupsOf, ct);
            }
            var held = ExpandedScopes.Intersect(expanded, user.Scopes, name => groupsOf.TryGetValue(name, out var g) ? g : []);
            if (held.Equals(expanded))
            {
                result.Add(scope);
            }
            else
            {
                result.AddRange(held.Scopes.Where(s => !result.Contains(s)));
            }
        }
        return result;
    }

    private async Task<IReadOnlyCollection<string>> GroupsAsync(string userName, Dictionary<string, IReadOnlyCollection<string>> groupsOf, CancellationToken ct)
    {
        if (!groupsOf.TryGetValue(userName, out var groups))
        {
            groups = await users.GroupsOfAsync(userName, ct);
            groupsOf[userName] = groups;
        }
        return groups;
    }

    /// <summary>The server or service an allowed scope of a client gives access to.</summary>
    private sealed record AccessTarget(bool IsServer, string Name, string ServerName)
    {
        public static AccessTarget? Parse(string scope)
        {
            const string Server = "access:servers!server=";
            const string Service = "access:services!service=";
            if (scope.StartsWith(Server, StringComparison.Ordinal))
            {
                var value = scope[Server.Length..];
                var slash = value.IndexOf('/', StringComparison.Ordinal);
                return slash <= 0 ? null : new AccessTarget(true, value[..slash], value[(slash + 1)..]);
            }
            return scope.StartsWith(Service, StringComparison.Ordinal) && scope.Length > Service.Length
                ? new AccessTarget(false, scope[Service.Length..], "")
                : null;
        }
    }
}
