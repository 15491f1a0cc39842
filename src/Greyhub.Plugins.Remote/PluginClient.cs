using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;

namespace Greyhub.Plugins.Remote;

/// <summary>
/// One plug-in's calls: the handshake (checked once per address), then JSON over HTTP with a timeout per attempt and
/// retries for calls that are safe to repeat. Every failure becomes a <see cref="PluginException"/> saying which
/// plug-in, which call and what went wrong.
/// </summary>
internal sealed partial class PluginClient(PluginEndpoint endpoint, RemoteEngineOptions options, IHttpClientFactory clients, TimeProvider time, ILogger logger)
{
    /// <summary>The named <see cref="HttpClient"/> every plug-in call uses.</summary>
    public const string HttpClientName = "greyhub-plugins";

    private volatile Handshake? _handshake;

    /// <summary>The plug-in's configured name.</summary>
    public string Name => endpoint.Name;

    /// <summary>What the last handshake said, if one succeeded.</summary>
    public HandshakeResponse? Known => _handshake?.Response;

    /// <summary>The handshake at the current address, made if not made yet; fails on a protocol version this hub does not speak.</summary>
    public async Task<HandshakeResponse> HandshakeAsync(bool fresh, CancellationToken cancellationToken)
    {
        var current = Current();
        if (!fresh && _handshake is { } known && known.Url == current.Url)
        {
            return known.Response;
        }
        var response = await AttemptAsync(HttpMethod.Get, "v1/handshake", current, null, PluginJson.Default.HandshakeResponse, options.Timeout, cancellationToken);
        if (response.Protocols is null || !response.Protocols.Contains(PluginProtocol.Version))
        {
            throw new PluginException(Name, PluginFailure.ProtocolMismatch,
                $"speaks protocol version(s) [{string.Join(", ", response.Protocols ?? [])}]; this hub speaks {PluginProtocol.Version}.");
        }
        var authenticator = response.AuthenticatorClass();
        if (_handshake?.Response.Engine != response.Engine || _handshake?.Response.AuthenticatorClass() != authenticator)
        {
            LogHandshake(logger, Name, response.Engine ?? "(none)", authenticator ?? "(none)", current.Url);
        }
        _handshake = new Handshake(current.Url, response);
        return response;
    }

    /// <summary>Sends a call; retried when <paramref name="retry"/> and the failure may pass.</summary>
    public async Task<TResponse> CallAsync<TRequest, TResponse>(
        string path, TRequest request, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType,
        bool retry, TimeSpan timeout, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await HandshakeAsync(fresh: false, cancellationToken);
                var content = JsonContent(request, requestType);
                return await AttemptAsync(HttpMethod.Post, path, Current(), content, responseType, timeout, cancellationToken);
            }
            catch (PluginException e) when (retry && attempt < options.Retries && Transient(e))
            {
                LogRetry(logger, Name, path, attempt + 1, e.Message);
                // A plug-in that went away may come back as another program (a restart, an upgrade): handshake again.
                _handshake = null;
                await Task.Delay(options.RetryDelay * (attempt + 1), time, cancellationToken);
            }
            catch (PluginException e) when (e.Kind is PluginFailure.Unreachable)
            {
                _handshake = null;
                throw;
            }
        }
    }

    /// <summary>Whether a failure may pass (unreachable, timed out, 502/503/504): a call that may be repeated is tried again.</summary>
    public static bool Transient(PluginException e) => e.Kind is PluginFailure.Unreachable or PluginFailure.Timeout
        || (e.Kind is PluginFailure.PluginError && e.Data["status"] is 502 or 503 or 504);

    private PluginEndpoint.Current Current() => endpoint.Value
        ?? throw new PluginException(Name, PluginFailure.Unreachable, "is not running yet (the hub is starting it).");

    private static ByteArrayContent JsonContent<T>(T value, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private async Task<TResponse> AttemptAsync<TResponse>(
        HttpMethod method, string path, PluginEndpoint.Current current, HttpContent? content, JsonTypeInfo<TResponse> responseType,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        using var request = NewRequest(method, path, current, content);
        var client = clients.CreateClient(HttpClientName);
        string body;
        HttpStatusCode status;
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token);
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync(linked.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PluginException(Name, PluginFailure.Timeout, $"did not answer {method} /{path} within {timeout.TotalSeconds:0.###} s (at {current.Url}).", e);
        }
        catch (HttpRequestException e)
        {
            throw new PluginException(Name, PluginFailure.Unreachable, $"could not be reached for {method} /{path} at {current.Url}: {Why(e)}.", e);
        }
        if (Refusal(method, path, status, body) is { } refused)
        {
            throw refused;
        }
        try
        {
            return JsonSerializer.Deserialize(body, responseType)
                ?? throw new JsonException("the answer is JSON null");
        }
        catch (JsonException e)
        {
            throw new PluginException(Name, PluginFailure.MalformedAnswer, $"answered {method} /{path} with malformed JSON ({e.Message}): {Excerpt(body)}", e);
        }
    }

    private static HttpRequestMessage NewRequest(HttpMethod method, string path, PluginEndpoint.Current current, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, new Uri(current.Url, path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", current.Secret);
        request.Headers.Add(PluginProtocol.VersionHeader, PluginProtocol.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return request;
    }

    /// <summary>The error an answer's status means (a wrong secret, the plug-in's own error), or null for a success.</summary>
    private PluginException? Refusal(HttpMethod method, string path, HttpStatusCode status, string body)
    {
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return new PluginException(Name, PluginFailure.Unauthorized,
                $"refused the hub's secret ({(int)status} on {method} /{path}); the plug-in and Greyhub:Compute:Remote:{Name}:Secret (Greyhub:Authenticator:Remote:{Name}:Secret for an authenticator) must hold the same secret.");
        }
        if ((int)status is < 200 or > 299)
        {
            var error = new PluginException(Name, PluginFailure.PluginError, $"failed {method} /{path} with {(int)status}: {ErrorText(body)}");
            error.Data["status"] = (int)status;
            return error;
        }
        return null;
    }

    private static string Why(HttpRequestException e) => e.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection refused (is the plug-in running?)",
        SocketException s => s.Message,
        IOException io => "the connection broke (" + io.Message + ")",
        _ => e.Message,
    };

    private static string ErrorText(string body)
    {
        try
        {
            if (JsonSerializer.Deserialize(body, PluginJson.Default.ErrorResponse)?.Error is { Length: > 0 } error)
            {
                return error;
            }
        }
        catch (JsonException)
        {
        }
        return Excerpt(body);
    }

    private static string Excerpt(string body)
    {
        var text = body.Length > 200 ? body[..200] + "…" : body;
        var clean = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            clean.Append(char.IsControl(c) ? ' ' : c);
        }
        return clean.Length == 0 ? "(empty)" : clean.ToString();
    }

    private sealed record Handshake(Uri Url, HandshakeResponse Response);

    [LoggerMessage(EventId = PluginEvents.Handshake, Level = LogLevel.Information, Message = "Plug-in {Plugin} is engine {Engine}, authenticator {Authenticator} at {Url}")]
    private static partial void LogHandshake(ILogger logger, string plugin, string engine, string authenticator, Uri url);

    [LoggerMessage(EventId = PluginEvents.Retry, Level = LogLevel.Warning, Message = "Plug-in {Plugin}: retrying {Path} (attempt {Attempt}) after: {Error}")]
    private static partial void LogRetry(ILogger logger, string plugin, string path, int attempt, string error);
}
