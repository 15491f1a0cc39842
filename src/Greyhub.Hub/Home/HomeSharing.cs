using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Sharing;
using Greyhub.Scopes;

namespace Greyhub.Hub.Home;

/// <summary>A scope the home page's share form offers, with what it lets the other person do.</summary>
public sealed record ShareChoice(string Scope, string Label);

/// <summary>The outcome of a sharing form, shown in that server's panel: what happened, or why not; a new code's link once.</summary>
public sealed record SharingNotice(string Owner, string Server, string Text, bool IsError, string? AcceptUrl = null);

/// <summary>One of the user's servers as its sharing panel shows it: who has access, the open codes, what may be granted.</summary>
public sealed record ServerSharing(string Server, IReadOnlyList<ShareRecord> Shares, IReadOnlyList<ShareCodeRecord> Codes, IReadOnlyList<ShareChoice> Choices);

/// <summary>
/// What the home page shows about sharing: a panel per server the user holds <c>shares</c> on (keyed by server name),
/// and the servers others share with them. Read with three queries however many servers there are.
/// </summary>
public sealed record HomeSharing(IReadOnlyDictionary<string, ServerSharing> Servers, IReadOnlyList<ShareRecord>? SharedWithMe, SharingNotice? Notice)
{
    /// <summary>The most shares, codes and shared servers the page lists (the REST API pages through more).</summary>
    public const int Shown = 200;

    /// <summary>The scopes the form offers, the first checked by default (JupyterHub's default share).</summary>
    public static readonly IReadOnlyList<ShareChoice> Offered =
    [
        new("access:servers", "Open and use the server"),
        new("read:servers", "See whether it is running"),
        new("servers", "Start and stop it"),
    ];

    /// <summary>The lifetimes the code form offers, in seconds; one day is JupyterHub's default.</summary>
    public static readonly IReadOnlyList<(int Seconds, string Label)> Lifetimes =
        [(3600, "1 hour"), (86400, "1 day"), (7 * 86400, "1 week"), (30 * 86400, "30 days")];

    /// <summary>Reads the sharing state of <paramref name="user"/>'s servers as <paramref name="caller"/> may see it.</summary>
    internal static async Task<HomeSharing> LoadAsync(
        RequestIdentity caller, UserRecord user, ShareService rules, ShareCodes codes, SharingNotice? notice, CancellationToken ct)
    {
        var names = user.Servers.Select(s => s.Name).Append("").Distinct().ToList();
        var sharable = names.Where(n => caller.Scopes.CanAccess("shares", ResourceRef.Server(user.Name, n, user.Groups))).ToList();
        var servers = new Dictionary<string, ServerSharing>(StringComparer.Ordinal);
        if (sharable.Count > 0)
        {
            var shares = await rules.ListAsync(new ShareQuery { OwnerId = user.Id, Limit = Shown }, ct);
            var open = await codes.ListAsync(user.Id, null, 0, Shown, ct);
            foreach (var name in sharable)
            {
                var choices = Offered.Where(c => caller.Scopes.CanAccess(c.Scope, ResourceRef.Server(user.Name, name, user.Groups))).ToList();
                servers[name] = new ServerSharing(name,
                    [.. shares.Items.Where(s => s.Server.Name == name).OrderBy(s => s.GroupName is null ? 0 : 1).ThenBy(s => s.UserName ?? s.GroupName, StringComparer.Ordinal)],
                    [.. open.Items.Where(c => c.Server.Name == name).OrderBy(c => c.ExpiresAt)],
                    choices);
            }
        }
        IReadOnlyList<ShareRecord>? sharedWithMe = null;
        if (caller.Scopes.CanAccess("read:users:shares", ResourceRef.User(user.Name, user.Groups)))
        {
            var query = await rules.SharedWithUserAsync(user.Name, ct);
            sharedWithMe = (await rules.ListAsync(query with { Limit = Shown }, ct)).Items;
        }
        return new HomeSharing(servers, sharedWithMe, notice);
    }
}
