using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Json;
using Greyhub.Hub.Login;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Upstream;

/// <summary>
/// The OAuth2 handler's events for providers without OpenID Connect (GitHub): after the code exchange, the user's JSON
/// document from the userinfo endpoint becomes claims (each top-level field one claim, arrays repeated), and the groups
/// endpoint, when set, adds the groups claim; then the same end of login as OpenID Connect.
/// </summary>
internal sealed class UpstreamOAuthEvents(UpstreamLoginFlow flow, IOptions<UpstreamLoginOptions> upstream) : OAuthEvents
{
    public override async Task CreatingTicket(OAuthCreatingTicketContext context)
    {
        var provider = UpstreamSchemes.Provider(upstream.Value, context.Scheme.Name)!;
        var ct = context.HttpContext.RequestAborted;
        using (var user = await GetJsonAsync(context, provider.UserInfoEndpoint, ct))
        {
            if (user.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new AuthenticationFailureException($"The userinfo endpoint of {provider.Name} did not answer a JSON object.");
            }
            context.Properties.Items[UpstreamAuthState.UserInfoItem] = user.RootElement.GetRawText();
            foreach (var field in user.RootElement.EnumerateObject())
            {
                AddClaims(context.Identity!, field.Name, field.Value, context.Options.ClaimsIssuer ?? provider.Name);
            }
        }
        if (provider.GroupsEndpoint.Length > 0)
        {
            using var groups = await GetJsonAsync(context, provider.GroupsEndpoint, ct);
            if (groups.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new AuthenticationFailureException($"The groups endpoint of {provider.Name} did not answer a JSON array.");
            }
            foreach (var item in groups.RootElement.EnumerateArray())
            {
                var group = item.ValueKind == JsonValueKind.String ? item.GetString()
                    : item.ValueKind == JsonValueKind.Object && item.TryGetProperty(provider.GroupsField, out var named) && named.ValueKind == JsonValueKind.String ? named.GetString()
                    : null;
                if (group is not null)
                {
                    context.Identity!.AddClaim(new Claim(provider.GroupsClaim, group));
                }
            }
        }
    }

    public override Task TicketReceived(TicketReceivedContext context) => flow.CompleteAsync(context);

    public override Task AccessDenied(AccessDeniedContext context) => flow.DeniedAsync(context);

    public override Task RemoteFailure(RemoteFailureContext context) => flow.FailedAsync(context);

    private static async Task<JsonDocument> GetJsonAsync(OAuthCreatingTicketContext context, string url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", context.AccessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        // GitHub's API refuses requests without a User-Agent.
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Greyhub", "1.0"));
        using var response = await context.Backchannel.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new AuthenticationFailureException($"{url} answered {(int)response.StatusCode}.");
        }
        try
        {
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new AuthenticationFailureException($"{url} did not answer JSON.", ex);
        }
    }

    private static void AddClaims(ClaimsIdentity identity, string type, JsonElement value, string issuer)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                break;
            case JsonValueKind.String:
                identity.AddClaim(new Claim(type, value.GetString()!, ClaimValueTypes.String, issuer));
                break;
            case JsonValueKind.Array when value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String):
                foreach (var item in value.EnumerateArray())
                {
                    identity.AddClaim(new Claim(type, item.GetString()!, ClaimValueTypes.String, issuer));
                }
                break;
            default:
                identity.AddClaim(new Claim(type, value.GetRawText(), ClaimValueTypes.String, issuer));
                break;
        }
    }
}
