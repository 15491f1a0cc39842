namespace Greyhub.Hub;

/// <summary>The hub's options, bound from the <c>Greyhub</c> configuration section.</summary>
public sealed class HubOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Greyhub";

    /// <summary>Folder for the database, keys and logs. Relative paths are relative to the working folder.</summary>
    public string DataDir { get; set; } = "greyhub-data";

    /// <summary>Base URL prefix of the whole hub (JupyterHub's <c>base_url</c>); ends with '/'.</summary>
    public string BaseUrl { get; set; } = "/";

    /// <summary>Public URL of the hub, e.g. <c>https://hub.example.org</c>; empty when unknown.</summary>
    public string PublicUrl { get; set; } = "";

    /// <summary>
    /// Proxies in front of the hub, as IP addresses or CIDR networks (<c>10.0.0.0/8</c>), whose <c>X-Forwarded-For</c> and
    /// <c>X-Forwarded-Proto</c> the hub believes (the client address of the login throttle, Secure cookies behind TLS).
    /// Empty (the default): nobody's, loopback included, since users' servers and kernels of the local engine connect
    /// from loopback too.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Default page size of list endpoints (<c>api_page_default_limit</c>).</summary>
    public int ApiPageDefaultLimit { get; set; } = 50;

    /// <summary>Largest page size of list endpoints (<c>api_page_max_limit</c>).</summary>
    public int ApiPageMaxLimit { get; set; } = 200;

    /// <summary>Activity updates closer than this to the stored value are not written (<c>activity_resolution</c>).</summary>
    public TimeSpan ActivityResolution { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Login cookie lifetime (<c>cookie_max_age_days</c>).</summary>
    public TimeSpan CookieMaxAge { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Longest lifetime a new API token may have; zero means tokens may never expire (<c>token_expires_in_max_seconds</c>).</summary>
    public TimeSpan TokenExpiresInMax { get; set; } = TimeSpan.Zero;

    /// <summary>Lifetime of the access tokens the OAuth provider issues (<c>oauth_token_expires_in</c>); capped by <see cref="TokenExpiresInMax"/>.</summary>
    public TimeSpan OAuthTokenExpiresIn { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Largest accepted request body on the API, in bytes.</summary>
    public long MaxApiBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Require <c>read:metrics</c> for <c>/hub/metrics</c> (<c>authenticate_prometheus</c>).</summary>
    public bool AuthenticatePrometheus { get; set; } = true;

    /// <summary>Users' servers: named servers, timeouts, polling.</summary>
    public ServersOptions Servers { get; set; } = new();

    /// <summary>Who may log in and who is admin.</summary>
    public AuthenticatorOptions Authenticator { get; set; } = new();

    /// <summary>Services known to the hub (externally managed; JupyterHub's <c>services</c>).</summary>
    public List<ServiceOptions> Services { get; set; } = [];

    /// <summary>Custom roles (JupyterHub's <c>load_roles</c>).</summary>
    public List<RoleOptions> Roles { get; set; } = [];

    /// <summary>
    /// Custom scopes (<c>custom_scopes</c>). A list with names, not JupyterHub's dictionary by name: configuration keys
    /// cannot hold the colons of <c>custom:...</c> names (a key <c>custom:grades:read</c> binds as nested sections).
    /// </summary>
    public List<CustomScopeOptions> CustomScopes { get; set; } = [];
}

/// <summary>Who may log in (JupyterHub 5's allow/block semantics).</summary>
public sealed class AuthenticatorOptions
{
    /// <summary>Users who are admins; they may always log in.</summary>
    public List<string> AdminUsers { get; set; } = [];

    /// <summary>Users allowed to log in.</summary>
    public List<string> AllowedUsers { get; set; } = [];

    /// <summary>Users never allowed to log in, even if allowed or admin.</summary>
    public List<string> BlockedUsers { get; set; } = [];

    /// <summary>Allow every user who authenticates (default false since JupyterHub 5).</summary>
    public bool AllowAll { get; set; }

    /// <summary>Allow users that exist in the database; defaults to true when <see cref="AllowedUsers"/> is set.</summary>
    public bool? AllowExistingUsers { get; set; }

    /// <summary>First admin created at start-up if missing; its password is set only when the user has none.</summary>
    public InitialAdminOptions? InitialAdmin { get; set; }

    /// <summary>Failed logins allowed per user name or client address in <see cref="FailedLoginWindow"/>.</summary>
    public int FailedLoginLimit { get; set; } = 5;

    /// <summary>Window for <see cref="FailedLoginLimit"/>.</summary>
    public TimeSpan FailedLoginWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Shortest accepted password for the built-in authenticator.</summary>
    public int MinimumPasswordLength { get; set; } = 8;
}

/// <summary>The first admin account.</summary>
public sealed class InitialAdminOptions
{
    /// <summary>User name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Password (set only when the user has none yet).</summary>
    public string Password { get; set; } = "";
}

/// <summary>A service defined in configuration.</summary>
public sealed class ServiceOptions
{
    /// <summary>Service name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Where the service listens, if it has a web endpoint.</summary>
    public string? Url { get; set; }

    /// <summary>The service's API token (stored hashed at start-up).</summary>
    public string? ApiToken { get; set; }

    /// <summary>Deprecated JupyterHub flag; grants the admin role.</summary>
    public bool Admin { get; set; }

    /// <summary>Whether to show the service on the home page.</summary>
    public bool Display { get; set; } = true;

    /// <summary>Skip the OAuth confirmation page.</summary>
    public bool OauthNoConfirm { get; set; }

    /// <summary>Free-form information shown in the API.</summary>
    public Dictionary<string, string> Info { get; set; } = [];
}

/// <summary>A custom role (JupyterHub's <c>load_roles</c> entry).</summary>
public sealed class RoleOptions
{
    /// <summary>Role name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Description.</summary>
    public string Description { get; set; } = "";

    /// <summary>Scopes the role grants.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>Users holding the role.</summary>
    public List<string> Users { get; set; } = [];

    /// <summary>Groups holding the role.</summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>Services holding the role.</summary>
    public List<string> Services { get; set; } = [];
}

/// <summary>A custom scope definition.</summary>
public sealed class CustomScopeOptions
{
    /// <summary>The scope's name, <c>custom:...</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>Required description.</summary>
    public string Description { get; set; } = "";

    /// <summary>Subscopes (other custom scopes).</summary>
    public List<string> Subscopes { get; set; } = [];
}
