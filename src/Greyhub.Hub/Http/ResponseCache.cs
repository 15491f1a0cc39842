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
/// <remarks>
/// A response is stored only once its key has been asked for before (<see cref="_recent"/>): for requests that
/// never repeat, copying each rendering into the cache and counting it is pure cost, so the first one is
/// rendered into a pooled buffer and written out without being kept.
/// </remarks>
internal sealed class ResponseCache(HubState state)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private const int MaxEntries = 4096;
    // Bounds the bytes held too: requests that never repeat must not fill the heap with rendered user lists.
    private const long MaxBytes = 16 * 1024 * 1024;
    private const int RecentSlots = 4096;
    private readonly ConcurrentDictionary<Key, Entry> _entries = new();
    // The hash of the last missed key per slot: a lossy "seen recently" set, lock-free. A collision only makes
    // one response cached (or not) that would not have been otherwise; the cache is still keyed exactly.
    private readonly int[] _recent = new int[RecentSlots];
    // Our own counters: ConcurrentDictionary.Count takes every lock of the dictionary.
    private int _stored;
    private long _bytes;
    // The size of the last rendering, so the pooled buffer seldom has to grow.
    private int _sizeHint = 16 * 1024;

    private readonly record struct Key(string Route, string Request, ExpandedScopes Scopes);

    private sealed record Entry(byte[] Body, long Version, long CreatedAt);

    /// <summary>Serves <paramref name="route"/> for this request from the cache, or renders (and, if asked for before, stores) it.</summary>
    public async Task<IResult> GetOrRenderAsync(HttpContext context, string route, string variant, ExpandedScopes scopes, Func<Task<Action<Utf8JsonWriter>>> render)
    {
        var request = context.Request;
        var key = new Key(route, string.Concat(request.Scheme, "://", request.Host.Value, request.QueryString.Value, "|", variant), scopes);
        var version = state.Version;
        if (_entries.TryGetValue(key, out var entry) && entry.Version == version && Stopwatch.GetElapsedTime(entry.CreatedAt) < MaxAge)
        {
            return new BytesResult(entry.Body, entry.Body.Length, pooled: false);
        }
        var write = await render();
        var buffer = new PooledBufferWriter(Volatile.Read(ref _sizeHint));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        var length = buffer.WrittenCount;
        if (length > Volatile.Read(ref _sizeHint))
        {
            Volatile.Write(ref _sizeHint, length);
        }
        var hash = key.GetHashCode();
        ref var seen = ref _recent[hash & (RecentSlots - 1)];
        if (Volatile.Read(ref seen) != hash)
        {
            Volatile.Write(ref seen, hash);
            return new BytesResult(buffer.Detach(), length, pooled: true);
        }
        var body = buffer.WrittenSpan.ToArray();
        buffer.Dispose();
        if (Interlocked.Increment(ref _stored) > MaxEntries || Interlocked.Add(ref _bytes, body.Length) > MaxBytes)
        {
            _entries.Clear();
            Interlocked.Exchange(ref _stored, 1);
            Interlocked.Exchange(ref _bytes, body.Length);
        }
        _entries[key] = new Entry(body, version, Stopwatch.GetTimestamp());
        return new BytesResult(body, body.Length, pooled: false);
    }

    private sealed class BytesResult(byte[] body, int length, bool pooled) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            try
            {
                httpContext.Response.StatusCode = 200;
                httpContext.Response.ContentType = "application/json";
                httpContext.Response.ContentLength = length;
                await httpContext.Response.Body.WriteAsync(body.AsMemory(0, length), httpContext.RequestAborted);
            }
            finally
            {
                if (pooled)
                {
                    ArrayPool<byte>.Shared.Return(body);
                }
            }
        }
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> over one array rented from the shared pool.</summary>
    private sealed class PooledBufferWriter(int initialSize) : IBufferWriter<byte>, IDisposable
    {
        private byte[] _array = ArrayPool<byte>.Shared.Rent(initialSize);
        private int _written;

        public int WrittenCount => _written;

        public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _written);

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _array.AsMemory(_written);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _array.AsSpan(_written);
        }

        /// <summary>Hands the array over: whoever takes it returns it to the pool.</summary>
        public byte[] Detach()
        {
            var array = _array;
            _array = [];
            return array;
        }

        public void Dispose()
        {
            var array = Detach();
            if (array.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(array);
            }
        }

        private void Ensure(int sizeHint)
        {
            var needed = _written + Math.Max(sizeHint, 1);
            if (needed <= _array.Length)
            {
                return;
            }
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _array.Length * 2));
            _array.AsSpan(0, _written).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_array);
            _array = grown;
        }
    }
}
