using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;

namespace Greyhub.Hub.Upstream;

/// <summary>
/// The <c>auth_state</c> an upstream login leaves, in OAuthenticator's shape so JupyterHub hooks read it unchanged:
/// <c>access_token</c>, <c>refresh_token</c>, <c>id_token</c>, <c>token_type</c>, <c>scope</c>, <c>oauth_user</c> (the
/// claims or userinfo), plus <c>expires_at</c> and <c>issued_at</c> (Unix seconds) for renewing before a start.
/// </summary>
internal static class UpstreamAuthState
{
    public const string AccessToken = "access_token";
    public const string RefreshToken = "refresh_token";
    public const string IdToken = "id_token";
    public const string ExpiresAt = "expires_at";
    public const string IssuedAt = "issued_at";
    public const string User = "oauth_user";

    /// <summary>The item carrying an OAuth2 provider's userinfo document as it came (numbers stay numbers in <c>oauth_user</c>).</summary>
    public const string UserInfoItem = "greyhub.userinfo";

    /// <summary>From the handler's saved tokens (<c>SaveTokens</c>) and the validated principal.</summary>
    public static JsonObject From(AuthenticationProperties properties, ClaimsPrincipal principal, DateTimeOffset now)
    {
        var state = new JsonObject();
        foreach (var token in properties.GetTokens())
        {
            if (token.Name == ExpiresAt)
            {
                if (DateTimeOffset.TryParse(token.Value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expires))
                {
                    state[ExpiresAt] = expires.ToUnixTimeSeconds();
                }
            }
            else
            {
                state[token.Name] = token.Value;
            }
        }
        state[IssuedAt] = now.ToUnixTimeSeconds();
        state[User] = properties.Items.TryGetValue(UserInfoItem, out var userinfo) && userinfo is not null && JsonNode.Parse(userinfo) is JsonObject document
            ? document
            : Claims(principal);
        return state;
    }

    /// <summary>A copy of <paramref name="state"/> with what a refresh_token grant answered (tokens it did not renew are kept).</summary>
    public static JsonObject Refreshed(JsonObject state, JsonElement response, DateTimeOffset now)
    {
        var renewed = state.DeepClone().AsObject();
        foreach (var name in new[] { AccessToken, RefreshToken, IdToken, "token_type", "scope" })
        {
            if (response.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
            {
                renewed[name] = value.GetString();
            }
        }
        if (response.TryGetProperty("expires_in", out var expiresIn) && expiresIn.TryGetInt64(out var seconds))
        {
            renewed[ExpiresAt] = now.AddSeconds(seconds).ToUnixTimeSeconds();
        }
        else
        {
            renewed.Remove(ExpiresAt);
        }
        renewed[IssuedAt] = now.ToUnixTimeSeconds();
        return renewed;
    }

    /// <summary>
    /// Whether the access token needs renewing: expired, or issued at least <paramref name="maxAge"/> ago (JupyterHub's
    /// <c>auth_refresh_age</c>); <paramref name="written"/> stands in for a missing <c>issued_at</c>.
    /// </summary>
    public static bool IsStale(JsonObject state, DateTimeOffset now, TimeSpan maxAge, DateTime written)
    {
        if (Seconds(state, ExpiresAt) is { } expires && expires <= now.ToUnixTimeSeconds())
        {
            return true;
        }
        var issued = Seconds(state, IssuedAt) is { } at ? DateTimeOffset.FromUnixTimeSeconds(at) : new DateTimeOffset(written, TimeSpan.Zero);
        return now - issued >= maxAge;
    }

    /// <summary>A string in the state by dotted path (<c>oauth_user.email</c>): strings as they are, other values as JSON; null when absent.</summary>
    public static string? Lookup(JsonObject state, string path)
    {
        JsonNode? node = state;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o && o.TryGetPropertyValue(part, out var next) ? next : null;
            if (node is null)
            {
                return null;
            }
        }
        return node is JsonValue v && v.TryGetValue<string>(out var text) ? text : node!.ToJsonString();
    }

    public static string? String(JsonObject state, string name) =>
        state[name] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    private static long? Seconds(JsonObject state, string name) =>
        state[name] is JsonValue v && v.TryGetValue<long>(out var seconds) ? seconds
        : state[name] is JsonValue d && d.TryGetValue<double>(out var real) ? (long)real
        : null;

    /// <summary>The claims as one object: a claim once is its value, repeated claims an array; JSON-looking values parsed.</summary>
    private static JsonObject Claims(ClaimsPrincipal principal)
    {
        var user = new JsonObject();
        foreach (var group in principal.Claims.GroupBy(c => c.Type, StringComparer.Ordinal))
        {
            var values = group.Select(c => Value(c.Value)).ToList();
            user[group.Key] = values.Count == 1 ? values[0] : new JsonArray([.. values]);
        }
        return user;
    }

    private static JsonNode? Value(string value)
    {
        if (value.Length > 0 && value[0] is '[' or '{')
        {
            try
            {
                return JsonNode.Parse(value);
            }
            catch (JsonException)
            {
                // Text that only looks like JSON stays text.
            }
        }
        return JsonValue.Create(value);
    }
}
