namespace Greyhub.Hub.Auth;

/// <summary>
/// A service the hub knows (JupyterHub's <c>Service</c>): from configuration or added through the API. Holds no secret:
/// the API token lives hashed in the database and, for a service the hub runs, in memory only.
/// </summary>
internal sealed record ServiceDefinition
{
    /// <summary>The service's name.</summary>
    public required string Name { get; init; }

    /// <summary>Where it listens, when it has a web endpoint (routed at <see cref="Prefix"/>).</summary>
    public string? Url { get; init; }

    /// <summary>The deprecated admin flag: the service holds the admin role.</summary>
    public bool Admin { get; init; }

    /// <summary>Listed on the home page (when it has a URL).</summary>
    public bool Display { get; init; } = true;

    /// <summary>Its OAuth client skips the confirmation page.</summary>
    public bool OauthNoConfirm { get; init; }

    /// <summary>Free-form information, a JSON object as text.</summary>
    public string Info { get; init; } = "{}";

    /// <summary>The command the hub runs it with; empty when someone else runs it.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>Extra environment of a managed service.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The system user a managed service runs as; null for the hub's own.</summary>
    public string? User { get; init; }

    /// <summary>The working folder of a managed service; null for the hub's own.</summary>
    public string? Cwd { get; init; }

    /// <summary>Its OAuth client id (<c>service-NAME</c> by default).</summary>
    public required string OauthClientId { get; init; }

    /// <summary>Where OAuth codes go (the configured URI, else <c>{prefix}oauth_callback</c> for a service with a URL); null: no OAuth client.</summary>
    public string? OauthRedirectUri { get; init; }

    /// <summary>Scopes its OAuth tokens may carry besides identifying the user and accessing the service.</summary>
    public IReadOnlyList<string> OauthClientAllowedScopes { get; init; } = [];

    /// <summary>Its path behind the proxy, <c>{base}services/NAME/</c>.</summary>
    public required string Prefix { get; init; }

    /// <summary>Defined in configuration (not removable through the API).</summary>
    public bool FromConfig { get; init; }

    /// <summary>Whether the hub runs it (it has a command).</summary>
    public bool IsManaged => Command.Count > 0;

    /// <summary>JupyterHub's <c>kind</c> of service: <c>managed</c> or <c>external</c>.</summary>
    public string Kind => IsManaged ? "managed" : "external";

    /// <summary>Whether it has an OAuth client (a URL, or a redirect URI of its own).</summary>
    public bool HasOAuthClient => OauthRedirectUri is not null;

    /// <summary>The raw scopes its OAuth client may grant: the configured ones plus access to the service itself.</summary>
    public IReadOnlyList<string> ClientScopes =>
        [.. OauthClientAllowedScopes.Append($"access:services!service={Name}").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>A service from configuration (<paramref name="options"/> validated at start-up).</summary>
    public static ServiceDefinition FromOptions(ServiceOptions options, HubUrls urls)
    {
        var prefix = urls.ServicePrefix(options.Name);
        var url = options.Url is { Length: > 0 } u ? u : null;
        return new ServiceDefinition
        {
            Name = options.Name,
            Url = url,
            Admin = options.Admin,
            Display = options.Display,
            OauthNoConfirm = options.OauthNoConfirm,
            Info = System.Text.Json.JsonSerializer.Serialize(options.Info, ServiceDefinitionJson.Default.DictionaryStringString),
            Command = [.. options.Command],
            Environment = new Dictionary<string, string>(options.Environment, StringComparer.Ordinal),
            User = options.User is { Length: > 0 } user ? user : null,
            Cwd = options.Cwd is { Length: > 0 } cwd ? cwd : null,
            OauthClientId = options.OauthClientId ?? ServiceRules.DefaultClientId(options.Name),
            OauthRedirectUri = options.OauthRedirectUri ?? (url is null ? null : prefix + "oauth_callback"),
            OauthClientAllowedScopes = [.. options.OauthClientAllowedScopes],
            Prefix = prefix,
            FromConfig = true,
        };
    }
}

/// <summary>Source-generated JSON for the definition's <c>info</c>.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ServiceDefinitionJson : System.Text.Json.Serialization.JsonSerializerContext;
