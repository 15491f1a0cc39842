using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.WebUtilities;

namespace Greyhub.Hub.Http;

/// <summary>JupyterHub's list pagination: <c>offset</c>/<c>limit</c>, and the envelope only when the client asks for it.</summary>
internal readonly record struct Paging(int Offset, int Limit, bool Envelope)
{
    public const string MediaType = "application/jupyterhub-pagination+json";

    public static Paging From(HttpRequest request, int defaultLimit, int maxLimit)
    {
        var envelope = request.Headers.Accept.Any(a => a is not null && a.Contains(MediaType, StringComparison.OrdinalIgnoreCase));
        var offset = 0;
        var limit = envelope ? defaultLimit : maxLimit;
        if (!TryInt(request.Query["offset"], ref offset) || !TryInt(request.Query["limit"], ref limit))
        {
            throw ApiException.BadRequest("Invalid argument type, offset and limit must be integers");
        }
        offset = Math.Abs(offset);
        limit = Math.Clamp(Math.Abs(limit), 1, maxLimit);
        return new Paging(offset, limit, envelope);
    }

    /// <summary>Writes a list as a bare array, or in the pagination envelope.</summary>
    public JsonResult Result<T>(HttpRequest request, IReadOnlyList<T> items, int total, Action<Utf8JsonWriter, T> writeItem) =>
        JsonResult.Ok(Writer(request, items, total, writeItem));

    /// <summary>The writer of <see cref="Result"/>, for callers that render once and cache.</summary>
    public Action<Utf8JsonWriter> Writer<T>(HttpRequest request, IReadOnlyList<T> items, int total, Action<Utf8JsonWriter, T> writeItem)
    {
        var self = this;
        return w =>
        {
            if (!self.Envelope)
            {
                w.WriteStartArray();
                foreach (var item in items)
                {
                    writeItem(w, item);
                }
                w.WriteEndArray();
                return;
            }
            self.WriteEnvelope(w, request, total, inner =>
            {
                inner.WriteStartArray();
                foreach (var item in items)
                {
                    writeItem(inner, item);
                }
                inner.WriteEndArray();
            });
        };
    }

    /// <summary>
    /// Writes JupyterHub's envelope, <c>{"items": ..., "_pagination": {...}}</c>, around items that
    /// <paramref name="writeItems"/> writes as one JSON value (an array, or an object such as the proxy's routes).
    /// </summary>
    public void WriteEnvelope(Utf8JsonWriter w, HttpRequest request, int total, Action<Utf8JsonWriter> writeItems)
    {
        w.WriteStartObject();
        w.WritePropertyName("items");
        writeItems(w);
        w.WriteStartObject("_pagination");
        w.WriteNumber("offset", Offset);
        w.WriteNumber("limit", Limit);
        w.WriteNumber("total", total);
        // In long: an offset near int.MaxValue must not wrap into a negative "next" page.
        var nextOffset = (long)Offset + Limit;
        if (nextOffset < total)
        {
            w.WriteStartObject("next");
            w.WriteNumber("offset", nextOffset);
            w.WriteNumber("limit", Limit);
            w.WriteString("url", NextUrl(request, (int)nextOffset, Limit));
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("next");
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static string NextUrl(HttpRequest request, int offset, int limit)
    {
        var query = QueryHelpers.ParseQuery(request.QueryString.Value);
        query["offset"] = offset.ToString(CultureInfo.InvariantCulture);
        query["limit"] = limit.ToString(CultureInfo.InvariantCulture);
        var builder = new QueryBuilder(query.SelectMany(kv => kv.Value.Select(v => new KeyValuePair<string, string>(kv.Key, v ?? ""))));
        return UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path, builder.ToQueryString());
    }

    private static bool TryInt(Microsoft.Extensions.Primitives.StringValues value, ref int result)
    {
        if (value.Count == 0)
        {
            return true;
        }
        if (int.TryParse(value[^1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            result = parsed == int.MinValue ? int.MaxValue : parsed;
            return true;
        }
        return false;
    }
}
