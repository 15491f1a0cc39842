using System.Globalization;
using Greyhub.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Greyhub.Hub.Admin;

/// <summary>
/// What the admin page lists, read from its address with the names <c>GET /hub/api/users</c> uses (<c>name_filter</c>,
/// <c>state</c>, <c>sort</c>, <c>offset</c>, <c>limit</c>), so a search works without script and the script keeps the
/// address in step. A page is forgiving where the API is strict: an unknown value means the default.
/// </summary>
public sealed record AdminQuery(string NameFilter, string? State, string Sort, int Offset, int Limit, int GroupOffset)
{
    /// <summary>Users per page unless the address says otherwise (JupyterHub's admin page shows 50).</summary>
    public const int DefaultLimit = 50;

    /// <summary>Groups per page.</summary>
    public const int GroupLimit = 50;

    /// <summary>The page sizes offered.</summary>
    public static readonly IReadOnlyList<int> Limits = [25, 50, 100, 200];

    /// <summary>The sorts offered, as the API's <c>sort</c> values with their labels.</summary>
    public static readonly IReadOnlyList<(string Value, string Label)> Sorts =
    [
        ("id", "Oldest account first"),
        ("-id", "Newest account first"),
        ("name", "Name, A to Z"),
        ("-name", "Name, Z to A"),
        ("-last_activity", "Most recently active"),
        ("last_activity", "Least recently active"),
    ];

    /// <summary>The server states offered, as the API's <c>state</c> values with their labels.</summary>
    public static readonly IReadOnlyList<(string Value, string Label)> States =
    [
        ("", "Any"),
        ("active", "Running or starting"),
        ("ready", "Running (ready)"),
        ("inactive", "None running"),
    ];

    /// <summary>Reads the page's address; <paramref name="maxLimit"/> is the API's largest page.</summary>
    public static AdminQuery From(IQueryCollection query, int maxLimit)
    {
        var nameFilter = query["name_filter"].ToString().Trim();
        var state = query["state"].ToString();
        var sort = query["sort"].ToString();
        var limit = Int(query["limit"], DefaultLimit);
        return new AdminQuery(
            // Names are at most 255 characters: a longer search cannot match and is not worth carrying around.
            nameFilter.Length > 255 ? nameFilter[..255] : nameFilter,
            States.Any(s => s.Value.Length > 0 && s.Value == state) ? state : null,
            Sorts.Any(s => s.Value == sort) ? sort : "id",
            Math.Max(0, Int(query["offset"], 0)),
            Math.Clamp(limit, 1, maxLimit),
            Math.Max(0, Int(query["group_offset"], 0)));
    }

    /// <summary>The store query for this page within what the caller may list (<paramref name="listable"/>).</summary>
    public UserQuery ToUserQuery(UserQuery listable) => listable with
    {
        Offset = Offset,
        Limit = Limit,
        Sort = Sort.TrimStart('-'),
        Descending = Sort.StartsWith('-'),
        State = State,
        NameFilter = NameFilter.Length == 0 ? null : NameFilter,
        CountTotal = true,
    };

    /// <summary>The query of the API call that lists this page (what the script sends, and what the page documents).</summary>
    public string ApiQuery() => QueryHelpers.AddQueryString("", Pairs(Offset, includeDefaults: true, api: true));

    /// <summary>The page's own address with the users' offset moved to <paramref name="offset"/> (pager links).</summary>
    public string PageQuery(int offset) => QueryHelpers.AddQueryString("", Pairs(offset, includeDefaults: false, api: false));

    /// <summary>The page's address with the groups' offset moved to <paramref name="groupOffset"/>.</summary>
    public string GroupPageQuery(int groupOffset) => (this with { GroupOffset = groupOffset }).PageQuery(Offset);

    private IEnumerable<KeyValuePair<string, string?>> Pairs(int offset, bool includeDefaults, bool api)
    {
        if (includeDefaults || offset > 0)
        {
            yield return new("offset", offset.ToString(CultureInfo.InvariantCulture));
        }
        if (includeDefaults || Limit != DefaultLimit)
        {
            yield return new("limit", Limit.ToString(CultureInfo.InvariantCulture));
        }
        if (NameFilter.Length > 0)
        {
            yield return new("name_filter", NameFilter);
        }
        if (State is not null)
        {
            yield return new("state", State);
        }
        if (includeDefaults || Sort != "id")
        {
            yield return new("sort", Sort);
        }
        if (api)
        {
            // Stopped named servers too: the page starts them again.
            yield return new("include_stopped_servers", "1");
        }
        else if (GroupOffset > 0)
        {
            yield return new("group_offset", GroupOffset.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static int Int(Microsoft.Extensions.Primitives.StringValues value, int fallback) =>
        int.TryParse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : fallback;
}
