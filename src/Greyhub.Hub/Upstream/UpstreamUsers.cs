using System.Security.Claims;
using System.Text.Json;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Groups;
using Greyhub.Hub.Login;

namespace Greyhub.Hub.Upstream;

/// <summary>Why an upstream login was refused; each has its own page text.</summary>
internal enum UpstreamRefusal
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>The provider sent no usable user name.</summary>
    NoUserName,

    /// <summary>The user is blocked.</summary>
    Blocked,

    /// <summary>The user is neither allowed by name, by group nor as an existing user.</summary>
    NotAllowed,
}

/// <summary>The outcome of mapping an upstream identity: the Greyhub user, or why not.</summary>
internal sealed record UpstreamLoginResult(string? User, UpstreamRefusal Refusal);

/// <summary>
/// Turns a validated upstream identity into a Greyhub user: the user name from its claim (normalised), who may sign in
/// (JupyterHub OAuthenticator's order: blocked never; then allow-all, admins, allowed users, allowed groups, existing
/// users), admin from admin groups, and groups when managed. Creates the user on first login.
/// </summary>
internal sealed class UpstreamUsers(UserStore users, GroupService groups, AccessPolicy policy, HubState state, TimeProvider time)
{
    public async Task<UpstreamLoginResult> MapAsync(ClaimsPrincipal principal, UpstreamProviderOptions provider, CancellationToken cancellationToken)
    {
        if (UserName(principal, provider) is not { } name)
        {
            return new(null, UpstreamRefusal.NoUserName);
        }
        if (policy.IsBlocked(name) || provider.BlockedUsers.Contains(name, StringComparer.Ordinal))
        {
            return new(name, UpstreamRefusal.Blocked);
        }
        var upstreamGroups = Groups(principal, provider);
        bool? admin = provider.AdminGroups.Count == 0 ? null : upstreamGroups.Overlaps(provider.AdminGroups);
        var exists = await users.FindAsync(name, cancellationToken) is not null;
        var allowed = provider.AllowAll
            || admin == true
            || policy.IsConfiguredAdmin(name)
            || provider.AllowedUsers.Contains(name, StringComparer.Ordinal)
            || upstreamGroups.Overlaps(provider.AllowedGroups)
            || provider.AllowExistingUsers && exists
            // The hub-wide allow list and allow-all, but not its allow-existing default (true for built-in users).
            || policy.MayLogIn(name, exists: false);
        if (!allowed)
        {
            return new(name, UpstreamRefusal.NotAllowed);
        }
        // A configured admin stays one whatever the provider's groups say.
        if (policy.IsConfiguredAdmin(name))
        {
            admin = true;
        }
        await users.EnsureAsync(name, admin, time.GetUtcNow().UtcDateTime, cancellationToken);
        state.Changed();
        if (provider.ManageGroups)
        {
            await groups.SetMembershipAsync(name, upstreamGroups, await users.GroupsOfAsync(name, cancellationToken), cancellationToken);
        }
        return new(name, UpstreamRefusal.None);
    }

    /// <summary>The normalised user name: lower case, a listed domain stripped; null when missing or invalid.</summary>
    public static string? UserName(ClaimsPrincipal principal, UpstreamProviderOptions provider)
    {
        var raw = principal.FindFirst(provider.UsernameClaim)?.Value;
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }
        var name = Names.NormalizeUser(raw);
        var at = name.LastIndexOf('@');
        if (at > 0 && provider.StripDomains.Any(d => string.Equals(d, name[(at + 1)..], StringComparison.OrdinalIgnoreCase)))
        {
            name = name[..at];
        }
        return Names.IsValid(name) ? name : null;
    }

    /// <summary>The upstream groups: repeated claims, or one claim holding a JSON array; invalid names dropped.</summary>
    public static HashSet<string> Groups(ClaimsPrincipal principal, UpstreamProviderOptions provider)
    {
        var groups = new HashSet<string>(StringComparer.Ordinal);
        if (provider.GroupsClaim.Length == 0)
        {
            return groups;
        }
        foreach (var claim in principal.FindAll(provider.GroupsClaim))
        {
            if (claim.Value.StartsWith('['))
            {
                try
                {
                    foreach (var item in JsonDocument.Parse(claim.Value).RootElement.EnumerateArray())
                    {
                        if (item.ValueKind == JsonValueKind.String)
                        {
                            groups.Add(item.GetString()!);
                        }
                    }
                }
                catch (JsonException)
                {
                    // Not an array after all: a group whose name starts with '[' is not a valid name either.
                }
                catch (InvalidOperationException)
                {
                    // A JSON value that is not an array.
                }
            }
            else
            {
                groups.Add(claim.Value);
            }
        }
        groups.RemoveWhere(g => !Names.IsValid(g));
        return groups;
    }
}
