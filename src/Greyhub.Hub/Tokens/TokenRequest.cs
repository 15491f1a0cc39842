using System.Text.Json;
using Greyhub.Hub.Http;

namespace Greyhub.Hub.Tokens;

/// <summary>
/// What <c>POST /users/{name}/tokens</c> asks for, read from the body at the edge; the rules on it are
/// <see cref="TokenService.CreateForUserAsync"/>'s.
/// </summary>
/// <param name="Note">The token's note, or null for the default.</param>
/// <param name="ExpiresIn">The lifetime asked for; null when none (or "never") was given.</param>
/// <param name="NeverExpires">True when <c>expires_in</c> was an explicit 0.</param>
/// <param name="Scopes">The scopes asked for, or null.</param>
/// <param name="Roles">The roles whose scopes are asked for, or null.</param>
internal sealed record TokenRequest(string? Note = null, TimeSpan? ExpiresIn = null, bool NeverExpires = false,
    IReadOnlyList<string>? Scopes = null, IReadOnlyList<string>? Roles = null)
{
    /// <summary>Reads JupyterHub's token request body (none is the same as <c>{}</c>).</summary>
    public static TokenRequest Read(JsonElement? body)
    {
        if (body is not { } b)
        {
            return new TokenRequest();
        }
        // "auth" is the anonymous caller's proof of who it is (ApiPasswordLogin), not part of the request.
        JsonBody.OnlyKeys(b, "token", "expires_in", "note", "scopes", "roles", "auth");
        var note = JsonBody.String(b, "note", "token");
        if (note is not null && note.Contains('\0', StringComparison.Ordinal))
        {
            // PostgreSQL's text cannot hold U+0000 (SQLite's can): refused on every database alike.
            throw ApiException.BadRequest("token.note must not contain the NUL character");
        }
        var (expiresIn, never) = ReadExpiresIn(b);
        var scopes = JsonBody.StringList(b, "scopes", "token");
        var roles = JsonBody.StringList(b, "roles", "token");
        return new TokenRequest(note, expiresIn, never, scopes, roles);
    }

    private static (TimeSpan? ExpiresIn, bool Never) ReadExpiresIn(JsonElement body)
    {
        if (!body.TryGetProperty("expires_in", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return (null, false);
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var seconds))
        {
            throw ApiException.BadRequest($"token.expires_in must be int, not {JsonBody.TypeName(value)}");
        }
        if (seconds < 0 || seconds > (long)TimeSpan.FromDays(365 * 100).TotalSeconds)
        {
            throw ApiException.BadRequest($"token.expires_in must be a non-negative number of seconds, not {seconds}");
        }
        return seconds == 0 ? (null, true) : (TimeSpan.FromSeconds(seconds), false);
    }
}
