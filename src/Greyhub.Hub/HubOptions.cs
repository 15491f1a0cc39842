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

    /// <summary>Services known to the hub (JupyterHub's <c>services</c>); more may be added at run time through the API.</summary>
    public List<ServiceOptions> Services { get; set; } = [];

    /// <summary>How services the hub runs are restarted and stopped.</summary>
    public ServiceRestartOptions ServiceRestart { get; set; } = new();

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
    /// <summary>
    /// Which password authenticator checks the login form (JupyterHub's <c>authenticator_class</c>): <c>builtin</c>
    /// (users and passwords in the hub's database) or the name of a plug-in under <c>Greyhub:Authenticator:Remote</c>.
    /// </summary>
    public string Type { get; set; } = "builtin";

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

/// <summary>
/// A service defined in configuration (JupyterHub's <c>c.JupyterHub.services</c> entry). With a <see cref="Url"/> the
/// proxy routes <c>/services/NAME/</c> to it and it gets an OAuth client; with a <see cref="Command"/> the hub runs it.
/// </summary>
public sealed class ServiceOptions
{
    /// <summary>Service name (<c>name</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>Where the service listens (<c>url</c>), if it has a web endpoint: the proxy routes <c>/services/NAME/</c> there.</summary>
    public string? Url { get; set; }

    /// <summary>The service's API token (<c>api_token</c>; stored hashed), also its OAuth client secret. A managed service without one gets a new token at each start.</summary>
    public string? ApiToken { get; set; }

    /// <summary>Deprecated JupyterHub flag (<c>admin</c>); grants the admin role.</summary>
    public bool Admin { get; set; }

    /// <summary>Whether to list the service on the home page (<c>display</c>; only services with a URL are listed).</summary>
    public bool Display { get; set; } = true;

    /// <summary>Skip the OAuth confirmation page (<c>oauth_no_confirm</c>).</summary>
    public bool OauthNoConfirm { get; set; }

    /// <summary>Free-form information shown in the API (<c>info</c>).</summary>
    public Dictionary<string, string> Info { get; set; } = [];

    /// <summary>The command the hub runs the service with (<c>command</c>); empty for a service run by someone else.</summary>
    public List<string> Command { get; set; } = [];

    /// <summary>Extra environment variables of a managed service (<c>environment</c>); they win over the hub's own.</summary>
    public Dictionary<string, string> Environment { get; set; } = [];

    /// <summary>The system user a managed service runs as (<c>user</c>); the hub must run as root to switch. Empty: the hub's own.</summary>
    public string? User { get; set; }

    /// <summary>The working folder of a managed service (<c>cwd</c>); the hub's own when empty.</summary>
    public string? Cwd { get; set; }

    /// <summary>The OAuth client id (<c>oauth_client_id</c>); <c>service-NAME</c> by default, and it must start with <c>service-</c>.</summary>
    public string? OauthClientId { get; set; }

    /// <summary>The OAuth redirect URI (<c>oauth_redirect_uri</c>); <c>/services/NAME/oauth_callback</c> by default when the service has a URL.</summary>
    public string? OauthRedirectUri { get; set; }

    /// <summary>
    /// Scopes the service's OAuth tokens may carry beyond identifying the user and accessing the service
    /// (<c>oauth_client_allowed_scopes</c>); each is cut to what the authorizing user holds.
    /// </summary>
    public List<string> OauthClientAllowedScopes { get; set; } = [];
}

/// <summary>How the hub restarts the services it runs when they die.</summary>
public sealed class ServiceRestartOptions
{
    /// <summary>Wait before the first restart; each further restart waits twice as long, up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between restarts; a service that ran this long counts as healthy again and restarts after <see cref="Delay"/>.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a stopping service may take after SIGTERM before it is killed.</summary>
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(10);
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
