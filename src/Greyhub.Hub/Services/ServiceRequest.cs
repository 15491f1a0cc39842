using System.Text.Json;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Scopes;

namespace Greyhub.Hub.Services;

/// <summary>
/// The body of <c>POST /hub/api/services/{name}</c> (JupyterHub 5): the fields of a configured service, checked as
/// JupyterHub checks a service model (known keys, JSON types), then by <see cref="ServiceRules"/>.
/// </summary>
internal static class ServiceRequest
{
    // JupyterHub's _service_model_types: the keys a service model may have.
    private static readonly string[] Keys =
    [
        "name", "admin", "url", "oauth_client_allowed_scopes", "api_token", "info", "display", "oauth_no_confirm", "command", "cwd",
        "environment", "user", "oauth_client_id", "oauth_redirect_uri",
    ];

    /// <summary>Reads the definition and token of service <paramref name="name"/> from <paramref name="body"/>; every problem is a 400.</summary>
    public static (ServiceDefinition Service, string? ApiToken) Read(string name, JsonElement body, ScopeDefinitions definitions, HubUrls urls)
    {
        JsonBody.OnlyKeys(body, "service", Keys);
        var options = new ServiceOptions
        {
            Name = name,
            Url = JsonBody.String(body, "url", "service"),
            ApiToken = JsonBody.String(body, "api_token", "service"),
            Admin = JsonBody.Bool(body, "admin", "service") ?? false,
            Display = JsonBody.Bool(body, "display", "service") ?? true,
            OauthNoConfirm = JsonBody.Bool(body, "oauth_no_confirm", "service") ?? false,
            Command = JsonBody.StringList(body, "command", "service") ?? [],
            Environment = StringMap(body, "environment"),
            User = JsonBody.String(body, "user", "service"),
            Cwd = JsonBody.String(body, "cwd", "service"),
            OauthClientId = JsonBody.String(body, "oauth_client_id", "service"),
            OauthRedirectUri = JsonBody.String(body, "oauth_redirect_uri", "service"),
            OauthClientAllowedScopes = JsonBody.StringList(body, "oauth_client_allowed_scopes", "service") ?? [],
        };
        var info = "{}";
        if (body.TryGetProperty("info", out var given) && given.ValueKind != JsonValueKind.Null)
        {
            info = given.ValueKind == JsonValueKind.Object ? given.GetRawText() : throw HubException.Invalid($"service.info must be dict, not {JsonBody.TypeName(given)}");
        }
        if (options.Command.Count > 0)
        {
            // As JupyterHub 5: only services someone else runs can be added while the hub runs.
            throw HubException.Invalid($"Can not create managed service {name} at runtime");
        }
        var problems = ServiceRules.Check(options, definitions, "service").ToList();
        if (problems.Count > 0)
        {
            throw HubException.Invalid(string.Join(" ", problems));
        }
        var definition = ServiceDefinition.FromOptions(options, urls) with { Info = info, FromConfig = false };
        return (definition, options.ApiToken);
    }

    private static Dictionary<string, string> StringMap(JsonElement body, string name)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return map;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw HubException.Invalid($"service.{name} must be dict, not {JsonBody.TypeName(value)}");
        }
        foreach (var property in value.EnumerateObject())
        {
            map[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw HubException.Invalid($"service.{name}.{property.Name} must be str, not {JsonBody.TypeName(property.Value)}");
        }
        return map;
    }
}
