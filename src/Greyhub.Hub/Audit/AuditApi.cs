using System.Buffers;
using System.Text.Json;
using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Audit;

/// <summary>
/// <c>GET /hub/api/audit</c> (Greyhub's own; scope <c>read:audit</c>, admins only): entries newest first, paged as
/// JupyterHub pages lists, filtered by <c>user</c>, <c>action</c> and <c>since</c>; with <c>Accept: application/x-ndjson</c>
/// or <c>?format=jsonl</c> every matching entry, oldest first, one JSON object a line.
/// </summary>
internal static class AuditApi
{
    /// <summary>The JSON lines media type.</summary>
    public const string JsonLines = "application/x-ndjson";

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/audit", List).RequireScope("read:audit");
        return api;
    }

    private static async Task<IResult> List(HttpContext context, AuditStore store, IOptions<HubOptions> options)
    {
        var request = context.Request;
        var query = QueryOf(request);
        if (WantsJsonLines(request))
        {
            return new JsonLinesResult(store.StreamAsync(query, context.RequestAborted));
        }
        var paging = Paging.From(request, options.Value.ApiPageDefaultLimit, options.Value.ApiPageMaxLimit);
        var page = await store.ListAsync(query, paging.Offset, paging.Limit, context.RequestAborted);
        return paging.Result(request, page.Items, page.Total, Write);
    }

    private static bool WantsJsonLines(HttpRequest request)
    {
        var format = request.Query["format"].ToString();
        if (format.Length > 0)
        {
            return format switch
            {
                "jsonl" or "ndjson" => true,
                "json" => false,
                _ => throw ApiException.BadRequest($"format must be json or jsonl, got {format}"),
            };
        }
        return request.Headers.Accept.Any(a => a is not null && a.Contains(JsonLines, StringComparison.OrdinalIgnoreCase));
    }

    private static AuditQuery QueryOf(HttpRequest request)
    {
        var user = request.Query["user"].ToString();
        var action = request.Query["action"].ToString();
        var sinceText = request.Query["since"].ToString();
        DateTime? since = null;
        if (sinceText.Length > 0)
        {
            since = Iso.TryParse(sinceText, out var parsed) ? parsed : throw ApiException.BadRequest($"since must be an ISO 8601 timestamp, got {sinceText}");
        }
        return new AuditQuery(user.Length > 0 ? user : null, action.Length > 0 ? action : null, since);
    }

    /// <summary>An entry's model: <c>id, timestamp, action, actor_kind, actor, user, target, address, detail</c>.</summary>
    public static void Write(Utf8JsonWriter w, AuditRecord e)
    {
        w.WriteStartObject();
        w.WriteNumber("id", e.Id);
        w.WriteString("timestamp", Iso.Format(e.At));
        w.WriteString("action", e.Action);
        w.WriteString("actor_kind", e.ActorKind);
        w.WriteString("actor", e.Actor);
        w.WriteString("user", e.UserName);
        w.WriteString("target", e.Target);
        w.WriteString("address", e.Address);
        w.WriteString("detail", e.Detail);
        w.WriteEndObject();
    }

    /// <summary>Streams entries as JSON lines, flushing as it goes: an export of a long log never sits in memory.</summary>
    private sealed class JsonLinesResult(IAsyncEnumerable<AuditRecord> entries) : IResult
    {
        private const int FlushEvery = 256;

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = 200;
            httpContext.Response.ContentType = JsonLines;
            var body = httpContext.Response.BodyWriter;
            var writer = new Utf8JsonWriter(body);
            await using (writer.ConfigureAwait(false))
            {
                var count = 0;
                await foreach (var entry in entries)
                {
                    writer.Reset();
                    Write(writer, entry);
                    writer.Flush();
                    body.Write("\n"u8);
                    if (++count % FlushEvery == 0)
                    {
                        await body.FlushAsync(httpContext.RequestAborted);
                    }
                }
            }
            await body.FlushAsync(httpContext.RequestAborted);
        }
    }
}
