using System.Collections.Concurrent;
using System.Net;
using Greyhub.Data.Access.Datasets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Greyhub.Data.Access.Remote;

/// <summary>Why a remote store's answer could not be used: the status the reader gets and what it is told.</summary>
internal sealed class RemoteStoreException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>
/// Fetches keys of remote HTTP stores for <c>/data/{dataset}/...</c>: the reader authenticates to the hub, the hub to
/// the remote (with the dataset's own header, if any), and neither credential crosses over. Only the headers a
/// range-reading client needs go either way; redirects are followed only within the dataset's URL; every exchange has
/// a time limit and a size limit.
/// </summary>
internal sealed partial class RemoteStores(
    IHttpClientFactory clients,
    RemoteCredentials credentials,
    IOptions<DataAccessOptions> options,
    TimeProvider time,
    ILogger<RemoteStores> logger)
{
    /// <summary>The named HTTP client (no automatic redirects, no cookies, no decompression).</summary>
    public const string ClientName = "greyhub-data-remote";

    // The reader's headers passed on: ranges and conditions, nothing that identifies the reader.
    private static readonly string[] ForwardedRequestHeaders = [HeaderNames.Range, HeaderNames.IfRange, HeaderNames.IfNoneMatch, HeaderNames.IfModifiedSince];

    private readonly ConcurrentDictionary<string, RemoteHeader?> _headers = new(StringComparer.Ordinal);

    /// <summary>
    /// Answers the reader with <paramref name="key"/> of <paramref name="remote"/>: 200, 206, 304 and 416 as the remote
    /// gave them (with its length, range, entity tag and modification time), a missing or refused key as the same 404
    /// as a local dataset's, anything else as 502, and 504 past <see cref="DataAccessOptions.RemoteTimeout"/>.
    /// </summary>
    public async Task<IResult> ServeAsync(HttpContext context, string dataset, RemoteLocation remote, string key)
    {
        var o = options.Value;
        var request = context.Request;
        var method = HttpMethods.IsHead(request.Method) ? HttpMethod.Head : HttpMethod.Get;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        limit.CancelAfter(o.RemoteTimeout);
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(remote, key, method, request.Headers, limit.Token);
        }
        catch (RemoteStoreException e)
        {
            LogRefused(dataset, key, e.Message);
            return Failure(e.Status, e.Message);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogTimeout(dataset, key, o.RemoteTimeout);
            return Failure(StatusCodes.Status504GatewayTimeout, $"The dataset's remote store did not answer within {o.RemoteTimeout}.");
        }
        catch (HttpRequestException e)
        {
            LogUnreachable(dataset, key, e.Message, e);
            return Failure(StatusCodes.Status502BadGateway, "The dataset's remote store could not be reached.");
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            switch (status)
            {
                case 200 or 206 or 304 or 416:
                    break;
                // The remote refusing the hub or not having the key: for the reader, the key is not there.
                case 401 or 403 or 404 or 410:
                    return Serving.DataResults.NotFound();
                default:
                    LogRefused(dataset, key, $"answered {status}");
                    return Failure(StatusCodes.Status502BadGateway, $"The dataset's remote store answered {status}.");
            }
            // Encoded bytes would reach the reader without the header that says so (or, with it, ranges and lengths
            // would count encoded bytes): the hub passes on only identity-encoded objects.
            if (response.Content.Headers.ContentEncoding.Any(e => !e.Equals("identity", StringComparison.OrdinalIgnoreCase)))
            {
                var encoding = string.Join(", ", response.Content.Headers.ContentEncoding);
                LogRefused(dataset, key, $"Content-Encoding {encoding}");
                return Failure(StatusCodes.Status502BadGateway, $"The dataset's remote store sent the key with Content-Encoding: {encoding}; the hub passes on only unencoded objects.");
            }
            var answer = context.Response;
            // HEAD and 304 carry no body: their length is the object's, and passing it on costs nothing.
            if (method == HttpMethod.Head || status == 304)
            {
                answer.StatusCode = status;
                CopyHeaders(response, answer, key);
                return Results.Empty;
            }
            var length = response.Content.Headers.ContentLength;
            if (length > o.RemoteMaxResponseBytes)
            {
                LogRefused(dataset, key, $"answer of {length} bytes exceeds {o.RemoteMaxResponseBytes}");
                return Failure(StatusCodes.Status502BadGateway, $"The remote answer is larger than the hub passes on ({o.RemoteMaxResponseBytes} bytes).");
            }
            answer.StatusCode = status;
            CopyHeaders(response, answer, key);
            await CopyBodyAsync(context, dataset, key, response, o.RemoteMaxResponseBytes, limit.Token);
            return Results.Empty;
        }
    }

    /// <summary>
    /// The format a remote store's metadata suggests (<c>zarr.json</c>: v3; <c>.zmetadata</c>, <c>.zgroup</c> or
    /// <c>.zarray</c>: v2; none: files), probed with HEAD requests.
    /// </summary>
    public async Task<string> DetectFormatAsync(RemoteLocation remote, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.Value.RemoteTimeout);
        foreach (var (key, format) in new[] { ("zarr.json", DatasetFormats.ZarrV3), (".zmetadata", DatasetFormats.ZarrV2), (".zgroup", DatasetFormats.ZarrV2), (".zarray", DatasetFormats.ZarrV2) })
        {
            using var response = await SendAsync(remote, key, HttpMethod.Head, null, limit.Token);
            if (response.IsSuccessStatusCode)
            {
                return format;
            }
        }
        return DatasetFormats.Files;
    }

    /// <summary>Sends the request, following redirects only while they stay under the dataset's URL.</summary>
    private async Task<HttpResponseMessage> SendAsync(RemoteLocation remote, string key, HttpMethod method, IHeaderDictionary? readerHeaders, CancellationToken cancellationToken, System.Net.Http.Headers.RangeHeaderValue? range = null)
    {
        var client = clients.CreateClient(ClientName);
        var header = remote.ProtectedHeader is { } stored ? _headers.GetOrAdd(stored, credentials.Unprotect) : null;
        if (remote.ProtectedHeader is not null && header is null)
        {
            throw new RemoteStoreException(StatusCodes.Status502BadGateway, "The dataset's remote credential can no longer be decrypted; an administrator must set remote_header again.");
        }
        var url = remote.UrlFor(key);
        if (!RemoteLocation.IsUnder(url, remote.Base))
        {
            throw new RemoteStoreException(StatusCodes.Status404NotFound, "Not found");
        }
        CheckAllowed(url);
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, url);
            if (readerHeaders is not null)
            {
                foreach (var name in ForwardedRequestHeaders)
                {
                    if (readerHeaders.TryGetValue(name, out var values))
                    {
                        request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
                    }
                }
            }
            if (range is not null)
            {
                request.Headers.Range = range;
            }
            if (header is not null)
            {
                request.Headers.TryAddWithoutValidation(header.Name, header.Value);
            }
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!IsRedirect(response.StatusCode))
            {
                return response;
            }
            var location = response.Headers.Location;
            response.Dispose();
            var next = location is null ? null : location.IsAbsoluteUri ? location : new Uri(url, location);
            if (next is null || hop >= options.Value.RemoteMaxRedirects || !RemoteLocation.IsUnder(next, remote.Base)
                || RemoteLocation.RemainderProblem(next, remote.Base) is not null)
            {
                throw new RemoteStoreException(StatusCodes.Status502BadGateway, "The dataset's remote store redirected outside the dataset's location; the hub does not follow it.");
            }
            CheckAllowed(next);
            url = next;
        }
    }

    // The allowlist as configured now, not as it was when the dataset was registered: removing a prefix cuts it off.
    private void CheckAllowed(Uri url)
    {
        if (!options.Value.AllowedRemotes.Any(prefix => RemoteLocation.IsUnder(url, new Uri(prefix))))
        {
            throw new RemoteStoreException(StatusCodes.Status502BadGateway,
                $"The dataset's remote store is no longer under an allowed remote prefix ({DataAccessOptions.Section}:AllowedRemotes); the hub does not read it.");
        }
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    // An allowlist: what a range-reading client needs, never the remote's cookies, servers, auth challenges or CORS.
    // The type is the hub's, from the key's name (Serving.DataFileHeaders), never the remote's.
    private static void CopyHeaders(HttpResponseMessage from, HttpResponse to, string key)
    {
        to.ContentType = Serving.DataFileHeaders.Apply(to, key[(key.LastIndexOf('/') + 1)..]);
        var content = from.Content.Headers;
        if (content.ContentLength is { } length)
        {
            to.ContentLength = length;
        }
        if (content.ContentRange is { } range)
        {
            to.Headers.ContentRange = range.ToString();
        }
        if (content.LastModified is { } modified)
        {
            to.Headers.LastModified = modified.ToString("R");
        }
        if (from.Headers.ETag is { } etag)
        {
            to.Headers.ETag = etag.ToString();
        }
        if (from.Headers.AcceptRanges.Contains("bytes"))
        {
            to.Headers.AcceptRanges = "bytes";
        }
    }

    private async Task CopyBodyAsync(HttpContext context, string dataset, string key, HttpResponseMessage response, long max, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        long total = 0;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
                if (total > max)
                {
                    // Headers are gone already: cutting the connection is the only way to say the answer is incomplete.
                    LogRefused(dataset, key, $"body exceeded {max} bytes");
                    context.Abort();
                    return;
                }
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                LogCut(dataset, key, e.Message);
                context.Abort();
            }
        }
    }

    private static IResult Failure(int status, string message) =>
        Results.Text(message + "\n", "text/plain", statusCode: status);
}
