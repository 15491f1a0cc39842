using System.Buffers;
using System.Net.Http.Headers;
using Greyhub.Zarr;
using Greyhub.Zarr.Storage;

namespace Greyhub.Data.Access.Remote;

/// <summary>
/// Why the hub's own read of a remote store failed, in words a reader may see: never the remote's address (that goes
/// to the log). A <see cref="ZarrException"/>, so the page, the quick look and the extents report it as they report a
/// broken array.
/// </summary>
internal class RemoteReadException(string message) : ZarrException(message);

/// <summary>A read went past its <see cref="RemoteBudget"/>; the message says which limit and how to raise it.</summary>
internal sealed class RemoteBudgetException(string message) : RemoteReadException(message);

/// <summary>
/// What one of the hub's own reads of a remote dataset may still spend: requests and bytes, counted across every
/// request it makes (concurrent ones included), so that a hostile or enormous remote costs at most this.
/// </summary>
/// <param name="maxDocuments">Requests allowed.</param>
/// <param name="maxBytes">Bytes allowed.</param>
/// <param name="what">What the read is, as the message starts.</param>
/// <param name="setting">The setting that bounds it, named in the message.</param>
internal sealed class RemoteBudget(int maxDocuments, long maxBytes, string what, string setting)
{
    private int _documents;
    private long _bytes;

    /// <summary>Requests made so far.</summary>
    public int Documents => Volatile.Read(ref _documents);

    /// <summary>Bytes received so far.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Counts one request; throws when it is one too many.</summary>
    public void ChargeRequest()
    {
        if (Interlocked.Increment(ref _documents) > maxDocuments)
        {
            throw new RemoteBudgetException($"{what} needs more than {maxDocuments} requests to the remote store ({setting}). " +
                "Give the store consolidated metadata (.zmetadata, or zarr.json's consolidated_metadata) or raise the limit.");
        }
    }

    /// <summary>Counts received bytes; throws when they pass the budget.</summary>
    public void ChargeBytes(long count)
    {
        if (Interlocked.Add(ref _bytes, count) > maxBytes)
        {
            throw new RemoteBudgetException($"{what} needs more than {maxBytes} bytes from the remote store ({setting}).");
        }
    }
}

internal sealed partial class RemoteStores
{
    /// <summary>Attempts per request of the hub's own reads when the connection fails before an answer.</summary>
    private const int Attempts = 3;

    /// <summary>
    /// The hub's own read of <paramref name="key"/> (or a range of it): at most <paramref name="max"/> bytes, refused
    /// from the announced length before any is read, counted against <paramref name="budget"/> as it arrives. Null
    /// when the remote does not have the key or refuses it (401, 403, 404, 410: what S3-like servers answer for a
    /// missing key). A server that ignores <c>Range</c> is read whole, within the same limit, and cut.
    /// </summary>
    public async Task<IMemoryOwner<byte>?> ReadAsync(string dataset, RemoteLocation remote, string key, ByteRange? range, long max, RemoteBudget budget, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await SendWithRetryAsync(remote, key, HttpMethod.Get, range is { } r ? RangeHeaderValue.Parse(r.ToHttpRange()) : null, budget, cancellationToken);
        }
        catch (RemoteStoreException e)
        {
            LogRead(dataset, remote.UrlFor(key).AbsoluteUri, e.Message);
            throw new RemoteReadException(e.Message);
        }
        catch (HttpRequestException e)
        {
            LogRead(dataset, remote.UrlFor(key).AbsoluteUri, e.Message);
            throw new RemoteReadException("The dataset's remote store could not be reached.");
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            switch (status)
            {
                case 401 or 403 or 404 or 410:
                    return null;
                case 416:
                    return ZarrBuffer.Wrap(Memory<byte>.Empty);
                case 200 or 206:
                    break;
                default:
                    LogRead(dataset, remote.UrlFor(key).AbsoluteUri, $"answered {status}");
                    throw new RemoteReadException($"The dataset's remote store answered {status} for '{key}'.");
            }
            if (response.Content.Headers.ContentEncoding.Any(e => !e.Equals("identity", StringComparison.OrdinalIgnoreCase)))
            {
                throw new RemoteReadException($"The dataset's remote store sent '{key}' with a Content-Encoding; the hub reads only unencoded objects.");
            }
            if (response.Content.Headers.ContentLength is { } length && length > max)
            {
                LogRead(dataset, remote.UrlFor(key).AbsoluteUri, $"announced {length} bytes, more than {max}");
                throw new RemoteReadException($"The remote store's '/{key}' is {length} bytes, more than the {max} the hub reads of one object.");
            }
            var body = await ReadCappedAsync(response, key, max, budget, cancellationToken);
            if (range is { } whole && status == 200)
            {
                // The server ignored Range (Python's http.server does): cut the requested part out of the whole.
                using (body)
                {
                    var (start, count) = whole.Resolve(body.Memory.Length);
                    return ZarrBuffer.Copy(body.Memory.Span.Slice((int)start, (int)count));
                }
            }
            return body;
        }
    }

    /// <summary>A key's size by HEAD (no body is read), or null when the remote does not have it.</summary>
    public async Task<long?> SizeAsync(string dataset, RemoteLocation remote, string key, RemoteBudget budget, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await SendWithRetryAsync(remote, key, HttpMethod.Head, null, budget, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is 401 or 403 or 404 or 410)
            {
                return null;
            }
            if (status != 200)
            {
                throw new RemoteReadException($"The dataset's remote store answered {status} for '{key}'.");
            }
            return response.Content.Headers.ContentLength ?? throw new RemoteReadException($"The dataset's remote store gave no length for '{key}'.");
        }
        catch (Exception e) when (e is RemoteStoreException or HttpRequestException)
        {
            LogRead(dataset, remote.UrlFor(key).AbsoluteUri, e.Message);
            throw new RemoteReadException("The dataset's remote store could not be read.");
        }
    }

    /// <summary>
    /// Sends one request, again (at most <see cref="Attempts"/> in all, each counted by the budget) when the connection
    /// failed before an answer: a static file server with a short accept queue refuses or resets connections under a
    /// dozen concurrent requests, and fsspec retries those too. Answers, even errors, are never retried.
    /// </summary>
    private async Task<HttpResponseMessage> SendWithRetryAsync(RemoteLocation remote, string key, HttpMethod method, RangeHeaderValue? range, RemoteBudget budget, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            budget.ChargeRequest();
            try
            {
                return await SendAsync(remote, key, method, null, cancellationToken, range);
            }
            catch (HttpRequestException e) when (attempt < Attempts && e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), time, cancellationToken);
            }
        }
    }

    // Grows a pooled buffer as bytes arrive (a declared length is a claim, not an allocation), never past max.
    private static async Task<IMemoryOwner<byte>> ReadCappedAsync(HttpResponseMessage response, string key, long max, RemoteBudget budget, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Min(max, response.Content.Headers.ContentLength ?? 64 * 1024) + 1, 1024 * 1024));
        var count = 0;
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, max + 1));
                    buffer.AsSpan(0, count).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await stream.ReadAsync(buffer.AsMemory(count), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                count += read;
                budget.ChargeBytes(read);
                if (count > max)
                {
                    throw new RemoteReadException($"The remote store's '/{key}' is more than the {max} bytes the hub reads of one object.");
                }
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new RemoteReadException($"The remote store's answer for '{key}' was cut short.");
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        var owner = ZarrBuffer.Copy(buffer.AsSpan(0, count));
        ArrayPool<byte>.Shared.Return(buffer);
        return owner;
    }
}
