using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Greyhub.Hub.Login;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Upstream;

/// <summary>
/// Renews an upstream access token with its refresh token (RFC 6749 §6) at the provider's token endpoint: from discovery
/// for OpenID Connect, as configured for OAuth2. The client authenticates as the handlers do for the code exchange
/// (client_id and client_secret in the form), over the scheme's own backchannel.
/// </summary>
internal sealed class UpstreamTokenRefresh(
    IOptions<UpstreamLoginOptions> upstream, IOptionsMonitor<OpenIdConnectOptions> oidc, IOptionsMonitor<OAuthOptions> oauth, TimeProvider time)
{
    /// <summary>The renewed state, or null with why when the provider refused or could not be reached.</summary>
    public async Task<(JsonObject? State, string Failure)> RefreshAsync(UpstreamProviderOptions provider, JsonObject state, CancellationToken cancellationToken)
    {
        if (UpstreamAuthState.String(state, UpstreamAuthState.RefreshToken) is not { Length: > 0 } refreshToken)
        {
            return (null, "no refresh_token was stored");
        }
        var scheme = UpstreamSchemes.Scheme(provider.Name);
        string endpoint;
        HttpClient backchannel;
        try
        {
            if (upstream.Value.IsOAuth2(provider))
            {
                var options = oauth.Get(scheme);
                (endpoint, backchannel) = (options.TokenEndpoint, options.Backchannel);
            }
            else
            {
                var options = oidc.Get(scheme);
                var configuration = await options.ConfigurationManager!.GetConfigurationAsync(cancellationToken);
                (endpoint, backchannel) = (configuration.TokenEndpoint, options.Backchannel);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return (null, "discovery failed: " + ex.Message);
        }
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = provider.ClientId,
        };
        if (provider.ClientSecret.Length > 0)
        {
            form["client_secret"] = provider.ClientSecret;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await backchannel.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"the token endpoint answered {(int)response.StatusCode}");
            }
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty(UpstreamAuthState.AccessToken, out var access) || access.ValueKind != JsonValueKind.String)
            {
                return (null, "the token endpoint's answer has no access_token");
            }
            return (UpstreamAuthState.Refreshed(state, json.RootElement, time.GetUtcNow()), "");
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, ex.Message);
        }
    }
}
