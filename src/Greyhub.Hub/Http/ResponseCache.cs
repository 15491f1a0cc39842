using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Http;

/// <summary>
/// Rendered JSON of hot read endpoints (the user list, whoami), keyed by the request and the caller's exact
/// scopes — the model's vertical filtering depends on nothing else — and valid only while no write has
/// changed the hub (<see cref="HubState"/>) and for at most <see cref="MaxAge"/>, which bounds staleness of
/// changes made by another replica or of throttled activity timestamps.
/// </summary>
internal sealed class ResponseCache(HubState state)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private const int MaxEntries = 4096;
    // Bounds the bytes held too: requests that never repeat (every one a miss) must not fill the heap with
    // 4,096 rendered user lists that nobody reads again.
    private const long MaxBytes = 16 * 1024 * 1024;
    private readonly ConcurrentDictionary<Key, Entry> _entries = new();
    private long _bytes;

    private readonly record struct Key(string Route, string Request, ExpandedScopes Scopes);

    private sealed record Entry(byte[] Body, long Version, long CreatedAt);

    /// <summary>Serves <paramref name="route"/> for this request from the cache, or renders and stores it.</summary>
    public async Task<IResult> GetOrRenderAsync(HttpContext context, string route, string variant, ExpandedScopes scopes, Func<Task<Action<Utf8JsonWriter>>> render)
    {
        var request = context.Request;
        var key = new Key(route, string.Concat(request.Scheme, "://", request.Host.Value, request.QueryString.Value, "|", variant), scopes);
        var version = state.Version;
        if (_entries.TryGetValue(key, out var entry) && entry.Version == version && Stopwatch.GetElapsedTime(entry.CreatedAt) < MaxAge)
        {
            return new BytesResult(entry.Body);
        }
        var write = await render();
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        var body = buffer.WrittenSpan.ToArray();
        if (_entries.Count >= MaxEntries || Interlocked.Add(ref _bytes, body.Length) > MaxBytes)
        {
            _entries.Clear();
            Interlocked.Exchange(ref _bytes, body.Length);
        }
        _entries[key] = new Entry(body, version, Stopwatch.GetTimestamp());
        return new BytesResult(body);
    }

    private sealed class BytesResult(byte[] body) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = 200;
            httpContext.Response.ContentType = "application/json";
            httpContext.Response.ContentLength = body.Length;
            return httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
        }
    }
}
