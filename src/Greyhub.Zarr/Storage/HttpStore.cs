using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Storage;

/// <summary>
/// A read-only store over HTTP: GET for values, <c>Range</c> GET for partial reads, HEAD for sizes. HTTP has no
/// listing, so <see cref="ListAsync"/> uses consolidated metadata (<c>.zmetadata</c> or v3 inline). Transient
/// failures are retried as <see cref="HttpStoreOptions"/> says.
/// </summary>
public sealed partial class HttpStore : IZarrStore
{
    private readonly HttpClient _client;
    private readonly Uri _base;
    private readonly HttpStoreOptions _options;

    /// <summary>Reads the hierarchy under <paramref name="baseUri"/> with <paramref name="client"/>.</summary>
    public HttpStore(Uri baseUri, HttpClient client, HttpStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _base = baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/");
        _options = options ?? new HttpStoreOptions();
        _options.Validate();
    }

    /// <inheritdoc />
    public bool IsWritable => false;

    /// <inheritdoc />
    public ValueTask<IMemoryOwner<byte>?> GetAsync(string key, CancellationToken cancellationToken)
        => RetryAsync(key, ct => SendAsync(key, null, ct), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IMemoryOwner<byte>?> GetRangeAsync(string key, ByteRange range, CancellationToken cancellationToken)
        => RetryAsync(key, ct => SendAsync(key, range, ct), cancellationToken);

    /// <inheritdoc />
    public ValueTask<long?> GetSizeAsync(string key, CancellationToken cancellationToken)
        => RetryAsync(key, ct => HeadAsync(key, ct), cancellationToken);

    private async ValueTask<long?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, UriOf(key));
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        EnsureSuccess(response, key);
        return response.Content.Headers.ContentLength
            ?? throw new ZarrException($"HTTP HEAD {UriOf(key)} gave no Content-Length");
    }

    /// <inheritdoc />
    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
        => throw new ZarrException($"HTTP store {_base} is read-only");

    /// <inheritdoc />
    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
        => throw new ZarrException($"HTTP store {_base} is read-only");

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        using (var v2 = await GetAsync(".zmetadata", cancellationToken))
        {
            if (v2 is not null && Parse(v2)?["metadata"] is JsonObject meta)
            {
                keys.Add(".zmetadata");
                keys.AddRange(meta.Select(p => p.Key));
            }
        }
        if (keys.Count == 0)
        {
            using var v3 = await GetAsync("zarr.json", cancellationToken);
            if (v3 is not null && (Parse(v3)?["consolidated_metadata"] as JsonObject)?["metadata"] is JsonObject meta)
            {
                keys.Add("zarr.json");
                keys.AddRange(meta.Select(p => p.Key + "/zarr.json"));
            }
        }
        if (keys.Count == 0)
        {
            throw new ZarrUnsupportedException($"HTTP store {_base} cannot be listed: it has no consolidated metadata");
        }
        foreach (var k in keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            yield return k;
        }
    }

    private static JsonNode? Parse(IMemoryOwner<byte> value)
    {
        try
        {
            return JsonNode.Parse(value.Memory.Span);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private Uri UriOf(string key) => new(_base, string.Join('/', StoreKeys.Validate(key).Split('/').Select(Uri.EscapeDataString)));

    private async ValueTask<IMemoryOwner<byte>?> SendAsync(string key, ByteRange? range, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, UriOf(key));
        if (range is { } r)
        {
            request.Headers.Range = RangeHeaderValue.Parse(r.ToHttpRange());
        }
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return ZarrBuffer.Wrap(Memory<byte>.Empty);
        }
        EnsureSuccess(response, key);
        var body = await ReadBodyAsync(response, cancellationToken);
        if (range is { } whole && response.StatusCode == HttpStatusCode.OK)
        {
            // The server ignored Range: cut the requested part out of the whole value.
            using (body)
            {
                var (start, length) = whole.Resolve(body.Memory.Length);
                return ZarrBuffer.Copy(body.Memory.Span.Slice((int)start, (int)length));
            }
        }
        return body;
    }

    private static async Task<IMemoryOwner<byte>> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        if (response.Content.Headers.ContentLength is { } length and <= int.MaxValue)
        {
            var owner = ZarrBuffer.Rent((int)length);
            try
            {
                await stream.ReadExactlyAsync(owner.Memory, cancellationToken);
                return owner;
            }
            catch
            {
                // A short body (EndOfStreamException) or a reset connection: the retry loop decides.
                owner.Dispose();
                throw;
            }
        }
        using var writer = new PooledBufferWriter(64 * 1024);
        while (true)
        {
            var n = await stream.ReadAsync(writer.GetMemory(64 * 1024), cancellationToken);
            if (n == 0)
            {
                return ZarrBuffer.Copy(writer.WrittenSpan);
            }
            writer.Advance(n);
        }
    }

    private void EnsureSuccess(HttpResponseMessage response, string key)
    {
        if (!response.IsSuccessStatusCode)
        {
            var message = $"HTTP {(int)response.StatusCode} for '{key}' at {response.RequestMessage?.RequestUri}";
            if (IsTransient(response.StatusCode))
            {
                var after = response.Headers.RetryAfter;
                throw new TransientStatusException(message, after?.Delta ?? (after?.Date is { } date ? date - _options.TimeProvider.GetUtcNow() : null));
            }
            throw new ZarrException(message);
        }
    }
}
