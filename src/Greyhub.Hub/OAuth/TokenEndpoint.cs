using System.Net;
using System.Text;
using Greyhub.Hub.Http;
using Greyhub.Hub.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Greyhub.Hub.OAuth;

/// <summary>
/// <c>POST /hub/api/oauth2/token</c> (RFC 6749 §4.1.3, errors §5.2): the client authenticates with
/// <c>client_id</c>+<c>client_secret</c> in the form or with HTTP Basic. Any <c>Authorization: token</c> header (the
/// single-user server sends its own) plays no part: only the client's credentials count.
/// </summary>
internal static class TokenEndpoint
{
    public static async Task<IResult> PostAsync(HttpContext context, OAuthClients clients, OAuthGrants grants, ILoggerFactory loggers)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return Error(400, "invalid_request", "The token request must be an application/x-www-form-urlencoded form");
        }
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(context.RequestAborted);
        }
        catch (InvalidDataException)
        {
            return Error(400, "invalid_request", "The form could not be read");
        }
        if (form.FirstOrDefault(p => p.Value.Count > 1) is { Key: { } repeated })
        {
            return Error(400, "invalid_request", $"The parameter {repeated} is repeated");
        }
        var grantType = form["grant_type"].ToString();
        if (grantType.Length == 0)
        {
            return Error(400, "invalid_request", "grant_type is required");
        }
        var basic = ParseBasic(request);
        if (basic is { Valid: false } || basic is not null && (form.ContainsKey("client_secret") || form.ContainsKey("client_id") && form["client_id"] != basic.Id))
        {
            return Error(400, "invalid_request", "Use one client authentication method: HTTP Basic or client_id and client_secret in the form");
        }
        var clientId = basic?.Id ?? form["client_id"].ToString();
        var secret = basic?.Secret ?? form["client_secret"].ToString();
        var client = clientId.Length == 0 || secret.Length == 0 ? null : await clients.FindAsync(clientId, context.RequestAborted);
        if (client is null || !clients.SecretMatches(client, secret))
        {
            var logger = loggers.CreateLogger("Greyhub.OAuth");
            OAuthLog.ClientAuthenticationFailed(logger, HubLog.Bounded(clientId));
            if (basic is not null)
            {
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"greyhub\"";
            }
            return Error(401, "invalid_client", "Client authentication failed");
        }
        if (grantType != "authorization_code")
        {
            return Error(400, "unsupported_grant_type", $"grant_type {grantType} is not supported; use authorization_code");
        }
        var code = form["code"].ToString();
        var redirectUri = form["redirect_uri"].ToString();
        if (code.Length == 0 || redirectUri.Length == 0)
        {
            return Error(400, "invalid_request", "code and redirect_uri are required");
        }
        var exchange = await grants.ExchangeAsync(client, code, redirectUri, context.RequestAborted);
        if (!exchange.Succeeded)
        {
            return Error(400, "invalid_grant", exchange.Refusal ?? "Invalid authorization code");
        }
        var scopes = string.Join(' ', exchange.Token?.Scopes ?? []);
        return JsonResult.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("access_token", exchange.AccessToken);
            w.WriteString("token_type", "Bearer");
            w.WriteNumber("expires_in", (long)exchange.ExpiresIn.TotalSeconds);
            w.WriteString("scope", scopes);
            w.WriteEndObject();
        });
    }

    /// <summary>An RFC 6749 §5.2 error that also carries JupyterHub's <c>status</c> and <c>message</c>.</summary>
    private static JsonResult Error(int status, string error, string description) => new(status, w =>
    {
        w.WriteStartObject();
        w.WriteString("error", error);
        w.WriteString("error_description", description);
        w.WriteNumber("status", status);
        w.WriteString("message", description);
        w.WriteEndObject();
    });

    private sealed record BasicCredentials(string Id, string Secret, bool Valid);

    /// <summary>HTTP Basic with form-encoded id and secret (RFC 6749 §2.3.1); null when the header is not Basic.</summary>
    private static BasicCredentials? ParseBasic(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon <= 0
                ? new BasicCredentials("", "", false)
                : new BasicCredentials(WebUtility.UrlDecode(decoded[..colon]), WebUtility.UrlDecode(decoded[(colon + 1)..]), true);
        }
        catch (FormatException)
        {
            return new BasicCredentials("", "", false);
        }
    }
}
