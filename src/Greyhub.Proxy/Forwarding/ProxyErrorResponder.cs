using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Proxy;

/// <summary>An error response's parts, as both forwarding paths write them.</summary>
internal sealed record ProxyErrorContent(string ContentType, string? ContentEncoding, byte[] Body);

/// <summary>
/// What the proxy answers for no route (404) and a server that cannot answer (502, 503, 504): as CHP, the page of
/// <see cref="ProxyOptions.ErrorTarget"/> (<c>GET {target}/{status}?url={request target}</c>, its content type and encoding
/// kept, the status ours), or the built-in page when there is none or it fails.
/// </summary>
internal sealed partial class ProxyErrorResponder : IDisposable
{
    private readonly string? _errorTarget;
    private readonly string? _home;
    private readonly HttpClient? _client;
    private readonly ILogger _logger;

    public ProxyErrorResponder(IOptions<ProxyOptions> options, ILogger<ProxyErrorResponder> logger)
    {
        _logger = logger;
        _home = options.Value.HomeUrl;
        if (options.Value.ErrorTarget is { } target)
        {
            // CHP appends the status to the target with a slash between.
            var text = target.ToString();
            _errorTarget = text.EndsWith('/') ? text : text + "/";
            _client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = DecompressionMethods.None })
            {
                Timeout = options.Value.ConnectTimeout,
            };
        }
    }

    /// <summary>The response for <paramref name="status"/> on a request whose target was <paramref name="rawTarget"/>.</summary>
    public async ValueTask<ProxyErrorContent> RenderAsync(int status, string rawTarget, CancellationToken cancellationToken)
    {
        if (_client is not null)
        {
            try
            {
                var url = _errorTarget + status.ToString(System.Globalization.CultureInfo.InvariantCulture) + "?url=" + Uri.EscapeDataString(rawTarget);
                using var response = await _client.GetAsync(url, cancellationToken);
                var headers = response.Content.Headers;
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                return new ProxyErrorContent(headers.ContentType?.ToString() ?? "text/html", headers.ContentEncoding.Count > 0 ? string.Join(", ", headers.ContentEncoding) : null, body);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Log.ErrorTargetFailed(_logger, _errorTarget!, e.Message);
            }
        }
        var path = Uri.UnescapeDataString(rawTarget.Split('?')[0]);
        return new ProxyErrorContent("text/html; charset=utf-8", null, Encoding.UTF8.GetBytes(ProxyErrorPage.Html(status, path, _home)));
    }

    public void Dispose() => _client?.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventId = ProxyEvents.ErrorTargetFailed, Level = LogLevel.Warning, Message = "Proxy: the error target {Target} did not answer ({Error}); the built-in page is sent")]
        public static partial void ErrorTargetFailed(ILogger logger, string target, string error);
    }
}
