using System.Text.Json;
using Greyhub.Hub.Http;
using Greyhub.Scopes;

namespace Greyhub.Hub.Sharing;

/// <summary>
/// What a sharing request asks for (JupyterHub 5's <c>ShareGrantRequest</c>, <c>ShareRevokeRequest</c>,
/// <c>ShareCodeGrantRequest</c>): exactly one of a user or a group for a share; scopes that exist; a code's lifetime.
/// </summary>
internal sealed record ShareRequest(string? User, string? Group, IReadOnlyList<string>? Scopes, TimeSpan ExpiresIn)
{
    /// <summary>A share code lives one day unless asked otherwise, at least a minute and at most a year.</summary>
    public static readonly TimeSpan DefaultCodeLifetime = TimeSpan.FromDays(1);

    /// <summary>Reads a grant or revoke: extra keys, a missing or double target and unknown scopes are a 400.</summary>
    public static ShareRequest ReadShare(JsonElement? body, ScopeDefinitions definitions)
    {
        var model = Object(body);
        JsonBody.OnlyKeys(model, "share", "user", "group", "scopes");
        var user = JsonBody.String(model, "user", "share");
        var group = JsonBody.String(model, "group", "share");
        if (user is { Length: > 0 } && group is { Length: > 0 })
        {
            throw HubException.Invalid("Expected exactly one of `user` or `group`, not both.");
        }
        if (user is not { Length: > 0 } && group is not { Length: > 0 })
        {
            throw HubException.Invalid("Specify exactly one of `user` or `group`");
        }
        return new ShareRequest(user is { Length: > 0 } ? user : null, group is { Length: > 0 } ? group : null, ReadScopes(model, definitions), TimeSpan.Zero);
    }

    /// <summary>Reads a share code request: scopes and <c>expires_in</c> seconds (60 to one year).</summary>
    public static ShareRequest ReadCode(JsonElement? body, ScopeDefinitions definitions)
    {
        var model = Object(body);
        JsonBody.OnlyKeys(model, "share code", "scopes", "expires_in");
        var expiresIn = DefaultCodeLifetime;
        if (model.TryGetProperty("expires_in", out var given) && given.ValueKind != JsonValueKind.Null)
        {
            if (given.ValueKind != JsonValueKind.Number || !given.TryGetInt64(out var seconds))
            {
                throw HubException.Invalid($"expires_in must be an integer, not {JsonBody.TypeName(given)}");
            }
            if (seconds < 60 || seconds > 525600L * 60)
            {
                throw HubException.Invalid("expires_in must be at least 60 seconds and at most one year (31536000 seconds)");
            }
            expiresIn = TimeSpan.FromSeconds(seconds);
        }
        return new ShareRequest(null, null, ReadScopes(model, definitions), expiresIn);
    }

    /// <summary>
    /// JupyterHub's <c>Share._apply_filter</c>: every scope is for this server only. A scope without a filter gets
    /// <c>!server=owner/name</c>; one with that filter stays; any other filter is a 400. No scopes: the server's access scope.
    /// </summary>
    public IReadOnlyList<string> ScopesFor(string owner, string server)
    {
        var filter = $"server={owner}/{server}";
        if (Scopes is not { Count: > 0 } requested)
        {
            return [$"access:servers!{filter}"];
        }
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var scope in requested)
        {
            var bang = scope.IndexOf('!', StringComparison.Ordinal);
            if (bang >= 0 && scope[(bang + 1)..] != filter)
            {
                throw HubException.Invalid($"!{scope[(bang + 1)..]} not allowed on sharing {scope}, only !{filter}");
            }
            result.Add((bang >= 0 ? scope[..bang] : scope) + "!" + filter);
        }
        return [.. result];
    }

    private static JsonElement Object(JsonElement? body) =>
        body is null ? JsonDocument.Parse("{}").RootElement
        : body.Value.ValueKind == JsonValueKind.Object ? body.Value
        : throw HubException.Invalid("Request body must be a JSON object");

    private static IReadOnlyList<string>? ReadScopes(JsonElement model, ScopeDefinitions definitions)
    {
        var scopes = JsonBody.StringList(model, "scopes", "share");
        if (scopes is not { Count: > 0 })
        {
            return null;
        }
        var problems = scopes.Select(s => definitions.Validate(s.Split('!')[0], "share")).OfType<string>().ToList();
        return problems.Count > 0 ? throw HubException.Invalid(string.Join("; ", problems)) : scopes;
    }
}
