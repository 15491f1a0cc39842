using Greyhub.Scopes;

namespace Greyhub.Hub;

/// <summary>
/// What makes a service definition valid, the same for one from configuration (checked at start-up) and one added
/// through the API (refused with 400): JupyterHub's rules plus a few that keep URLs, client ids and secrets sound.
/// </summary>
internal static class ServiceRules
{
    /// <summary>Every OAuth client of a service has an id starting so (JupyterHub refuses others).</summary>
    public const string ClientIdPrefix = "service-";

    /// <summary>The shortest accepted API token (JupyterHub: 8).</summary>
    public const int MinimumTokenLength = 8;

    /// <summary>The default OAuth client id of a service.</summary>
    public static string DefaultClientId(string name) => ClientIdPrefix + name;

    /// <summary>Every problem of <paramref name="service"/>, each prefixed with <paramref name="where"/>.</summary>
    public static IEnumerable<string> Check(ServiceOptions service, ScopeDefinitions definitions, string where)
    {
        if (!Names.IsValid(service.Name))
        {
            yield return $"{where}: '{service.Name}' is not a valid service name (no '/', no spaces, at most 255 characters).";
        }
        if (service.ApiToken is { } token && token.Length < MinimumTokenLength)
        {
            yield return $"{where}: the api token of service '{service.Name}' must have at least {MinimumTokenLength} characters.";
        }
        if (service.Url is { Length: > 0 } url && !IsHttpUrl(url))
        {
            yield return $"{where}: the url of service '{service.Name}' is not an absolute http(s) URL: '{url}'.";
        }
        if (service.OauthClientId is { } clientId && (!clientId.StartsWith(ClientIdPrefix, StringComparison.Ordinal) || clientId.Length > 255
            || clientId.Length == ClientIdPrefix.Length || clientId.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            yield return $"{where}: service '{service.Name}' has oauth_client_id '{clientId}'; a service's client id must start with '{ClientIdPrefix}'.";
        }
        if (service.OauthRedirectUri is { } redirect && !IsValidRedirect(redirect))
        {
            yield return $"{where}: the oauth_redirect_uri of service '{service.Name}' must be a local path or an absolute http(s) URL, not '{redirect}'.";
        }
        foreach (var scope in service.OauthClientAllowedScopes)
        {
            if (definitions.Validate(scope, $"service {service.Name}") is { } problem)
            {
                yield return $"{where}: {problem}";
            }
        }
        if (service.Command.Count > 0 && service.Command.Any(string.IsNullOrWhiteSpace))
        {
            yield return $"{where}: the command of service '{service.Name}' has an empty part.";
        }
        if (service.Command.Count == 0 && (service.Environment.Count > 0 || service.User is { Length: > 0 } || service.Cwd is { Length: > 0 }))
        {
            yield return $"{where}: service '{service.Name}' sets environment, user or cwd but no command; only services the hub runs use them.";
        }
        if (service.User is { Length: > 0 } user && (user.Length > 32 || user.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or ':')))
        {
            yield return $"{where}: service '{service.Name}' names an invalid system user '{user}'.";
        }
        foreach (var key in service.Environment.Keys.Where(k => k.Length == 0 || k.Contains('=', StringComparison.Ordinal) || k.Contains('\0', StringComparison.Ordinal)))
        {
            yield return $"{where}: service '{service.Name}' has an invalid environment variable name '{key}'.";
        }
    }

    /// <summary>An absolute http or https URL.</summary>
    public static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>
    /// A redirect URI an OAuth client may register: a local absolute path (what a single-user server or a service behind
    /// the proxy sends) or an absolute http(s) URL without fragment.
    /// </summary>
    public static bool IsValidRedirect(string? uri)
    {
        if (string.IsNullOrEmpty(uri) || uri.Length > 2048 || uri.Contains('#', StringComparison.Ordinal) || uri.Any(char.IsControl))
        {
            return false;
        }
        if (uri[0] == '/')
        {
            return !uri.StartsWith("//", StringComparison.Ordinal) && !uri.Contains('\\', StringComparison.Ordinal);
        }
        return IsHttpUrl(uri);
    }
}
