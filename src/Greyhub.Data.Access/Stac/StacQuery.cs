using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Data.Access.Stac;

/// <summary>
/// An item search (<c>/search</c> GET or POST, and a collection's <c>/items</c>): bounding box, time (an instant or an
/// interval with <c>..</c> or empty for an open end), free text <c>q</c> (comma-separated terms, any of which may
/// match, case-insensitively, an item's id, title or description), collections, ids, page size and the opaque page
/// token of a <c>next</c> link.
/// </summary>
internal sealed record StacQuery
{
    public const int DefaultLimit = 10;

    public const int MaxLimit = 1000;

    public double[]? Bbox { get; init; }

    /// <summary>The <c>datetime</c> parameter as given, for next links.</summary>
    public string? Datetime { get; init; }

    public DateTime? From { get; init; }

    public DateTime? To { get; init; }

    public IReadOnlyList<string>? Terms { get; init; }

    public IReadOnlyList<string>? Collections { get; init; }

    public IReadOnlyList<string>? Ids { get; init; }

    public int Limit { get; init; } = DefaultLimit;

    public int Offset { get; init; }

    /// <summary>Parses a GET query; a problem is a message for a 400.</summary>
    public static (StacQuery? Query, string? Problem) FromQuery(IQueryCollection query)
    {
        var q = new StacQuery();
        string? problem = null;
        if (query.TryGetValue("bbox", out var bbox))
        {
            var numbers = new List<double>();
            foreach (var part in bbox.ToString().Split(','))
            {
                if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
                {
                    return (null, "bbox must be 4 or 6 comma-separated numbers.");
                }
                numbers.Add(n);
            }
            (q, problem) = q.WithBbox(numbers);
        }
        if (problem is null && query.TryGetValue("datetime", out var datetime))
        {
            (q, problem) = q.WithDatetime(datetime.ToString());
        }
        if (problem is null && query.TryGetValue("q", out var text))
        {
            q = q with { Terms = List(text.ToString()) };
        }
        if (query.TryGetValue("collections", out var collections))
        {
            q = q with { Collections = List(collections.ToString()) };
        }
        if (query.TryGetValue("ids", out var ids))
        {
            q = q with { Ids = List(ids.ToString()) };
        }
        if (problem is null && query.TryGetValue("limit", out var limit))
        {
            (q, problem) = int.TryParse(limit, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? q.WithLimit(n) : (q, "limit must be an integer.");
        }
        if (problem is null && query.TryGetValue("token", out var token))
        {
            (q, problem) = q.WithToken(token.ToString());
        }
        return problem is null ? (q, null) : (null, problem);
    }

    /// <summary>Parses a POST body (JSON object); a problem is a message for a 400.</summary>
    public static (StacQuery? Query, string? Problem) FromJson(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return (null, "The search body must be a JSON object.");
        }
        var q = new StacQuery();
        string? problem = null;
        try
        {
            foreach (var p in body.EnumerateObject())
            {
                (q, problem) = p.Name switch
                {
                    "bbox" => q.WithBbox([.. p.Value.EnumerateArray().Select(e => e.GetDouble())]),
                    "datetime" => q.WithDatetime(p.Value.GetString() ?? ""),
                    "q" => (q with { Terms = p.Value.ValueKind == JsonValueKind.Array ? Strings(p.Value) : List(p.Value.GetString() ?? "") }, null),
                    "collections" => (q with { Collections = Strings(p.Value) }, null),
                    "ids" => (q with { Ids = Strings(p.Value) }, null),
                    "limit" => q.WithLimit(p.Value.GetInt32()),
                    "token" => q.WithToken(p.Value.GetString() ?? ""),
                    "intersects" => (q, "intersects is not supported; use bbox."),
                    _ => (q, null),
                };
                if (problem is not null)
                {
                    return (null, problem);
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            return (null, "A search parameter has the wrong type: bbox is an array of numbers, datetime and token strings, q a string or an array of strings, collections and ids arrays of strings, limit an integer.");
        }
        return (q, null);
    }

    /// <summary>Whether an item's box and time span pass this query's spatial and temporal filters.</summary>
    public bool Matches(double[]? itemBbox, DateTime itemStart, DateTime itemEnd)
    {
        if (Bbox is not null && (itemBbox is null || !Intersects(Bbox, itemBbox)))
        {
            return false;
        }
        return (From is null || itemEnd >= From) && (To is null || itemStart <= To);
    }

    /// <summary>Whether any free-text term occurs in one of the texts (case-insensitive); true without terms.</summary>
    public bool MatchesText(params string?[] texts) =>
        Terms is null || Terms.Any(term => texts.Any(t => t is not null && t.Contains(term, StringComparison.OrdinalIgnoreCase)));

    private (StacQuery, string?) WithBbox(List<double> n)
    {
        if (n.Count is not (4 or 6) || n.Any(x => !double.IsFinite(x)))
        {
            return (this, "bbox must be 4 or 6 numbers: west, south, (lowest,) east, north(, highest).");
        }
        double[] box = n.Count == 4 ? [.. n] : [n[0], n[1], n[3], n[4]];
        if (box[1] > box[3] || box[1] < -90 || box[3] > 90 || box[0] < -180 || box[0] > 180 || box[2] < -180 || box[2] > 180)
        {
            return (this, "bbox must lie within -180..180 by -90..90, with south not above north (west may exceed east across the antimeridian).");
        }
        return (this with { Bbox = box }, null);
    }

    private (StacQuery, string?) WithDatetime(string text)
    {
        var parts = text.Split('/');
        if (parts.Length > 2)
        {
            return (this, "datetime is an RFC 3339 instant or an interval 'start/end' with '..' for an open end.");
        }
        if (parts.Length == 1)
        {
            return TryInstant(parts[0], out var at) && at is not null
                ? (this with { Datetime = text, From = at, To = at }, null)
                : (this, $"datetime '{text}' is not an RFC 3339 date-time.");
        }
        if (!TryInstant(parts[0], out var from) || !TryInstant(parts[1], out var to))
        {
            return (this, $"datetime '{text}' is not an interval of RFC 3339 date-times ('..' or empty for an open end).");
        }
        if (from is null && to is null)
        {
            return (this, "datetime may not be open at both ends.");
        }
        if (from > to)
        {
            return (this, "datetime's start is after its end.");
        }
        return (this with { Datetime = text, From = from, To = to }, null);
    }

    private (StacQuery, string?) WithLimit(int limit) =>
        limit < 1 ? (this, "limit must be at least 1.") : (this with { Limit = Math.Min(limit, MaxLimit) }, null);

    private (StacQuery, string?) WithToken(string token) =>
        int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            ? (this with { Offset = offset }, null)
            : (this, "token is not one this server issued.");

    private static bool TryInstant(string text, out DateTime? value)
    {
        value = null;
        if (text is "" or "..")
        {
            return true;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            value = parsed.UtcDateTime;
            return true;
        }
        return false;
    }

    private static bool Intersects(double[] a, double[] b)
    {
        if (a[1] > b[3] || b[1] > a[3])
        {
            return false;
        }
        return Longitudes(a).Any(x => Longitudes(b).Any(y => x.West <= y.East && y.West <= x.East));
    }

    /// <summary>A box's longitude span as one or two plain intervals (two when it crosses the antimeridian).</summary>
    private static IEnumerable<(double West, double East)> Longitudes(double[] box) =>
        box[0] <= box[2] ? [(box[0], box[2])] : [(box[0], 180), (-180, box[2])];

    private static List<string> List(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString() ?? "")];
}
