namespace Greyhub.Hub.Login;

/// <summary>How people sign in: the hub's own users and upstream identity providers (<c>Greyhub:Authentication</c>).</summary>
public sealed class UpstreamLoginOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Greyhub:Authentication";

    /// <summary>Whether the login page offers the built-in user name and password form. Off: only the providers' buttons.</summary>
    public bool BuiltInUsers { get; set; } = true;

    /// <summary>OpenID Connect providers.</summary>
    public UpstreamProviderList OpenIdConnect { get; set; } = new();

    /// <summary>Plain OAuth2 providers without OpenID Connect (GitHub): endpoints given, the user from a userinfo JSON document.</summary>
    public UpstreamProviderList OAuth2 { get; set; } = new();

    /// <summary>Every provider of either protocol (names are unique across both).</summary>
    public IEnumerable<UpstreamProviderOptions> AllProviders() => OpenIdConnect.Providers.Concat(OAuth2.Providers);

    /// <summary>The provider named <paramref name="name"/>, or null.</summary>
    public UpstreamProviderOptions? Find(string name) => AllProviders().FirstOrDefault(p => p.Name == name);

    /// <summary>Whether <paramref name="provider"/> is one of the plain OAuth2 providers.</summary>
    public bool IsOAuth2(UpstreamProviderOptions provider) => OAuth2.Providers.Contains(provider);
}

/// <summary>Upstream providers of one protocol, each a button on the login page.</summary>
public sealed class UpstreamProviderList
{
    /// <summary>The providers, each under its own name.</summary>
    public List<UpstreamProviderOptions> Providers { get; set; } = [];
}

/// <summary>One upstream provider (OpenID Connect, or plain OAuth2) and how its users become Greyhub users.</summary>
public sealed class UpstreamProviderOptions
{
    /// <summary>Short name in URLs (<c>/hub/oidc/NAME/login</c>, callback <c>/hub/oidc/NAME/callback</c>): lowercase letters, digits, '-'.</summary>
    public string Name { get; set; } = "";

    /// <summary>The button's text after "Sign in with": <c>University SSO</c>. The name when empty.</summary>
    public string DisplayName { get; set; } = "";

    /// <summary>What the login page and messages call the provider: <see cref="DisplayName"/>, else <see cref="Name"/>.</summary>
    public string Label() => DisplayName.Length > 0 ? DisplayName : Name;

    /// <summary>The issuer; its discovery document is <c>{Issuer}/.well-known/openid-configuration</c>. https, or http on loopback.</summary>
    public string Issuer { get; set; } = "";

    /// <summary>The client id registered at the provider.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The client secret; empty for a public client (PKCE alone).</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>Scopes requested; <c>openid</c> is always added.</summary>
    public List<string> Scopes { get; set; } = ["openid", "profile", "email"];

    /// <summary>Also read claims from the userinfo endpoint (providers that keep groups out of the id_token).</summary>
    public bool GetClaimsFromUserInfo { get; set; } = true;

    /// <summary>The claim that names the user.</summary>
    public string UsernameClaim { get; set; } = "preferred_username";

    /// <summary>Domains stripped from user names: with <c>uni.example</c>, <c>Ada@Uni.Example</c> becomes <c>ada</c>. Other domains stay, so they cannot collide.</summary>
    public List<string> StripDomains { get; set; } = [];

    /// <summary>The claim with the user's display name.</summary>
    public string DisplayNameClaim { get; set; } = "name";

    /// <summary>The claim listing the user's groups (a JSON array or repeated claims); empty: none.</summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>Upstream groups whose members are Greyhub admins. When set, a member gets the admin flag at each login and a non-member loses it.</summary>
    public List<string> AdminGroups { get; set; } = [];

    /// <summary>Users allowed to sign in through this provider (names after normalisation).</summary>
    public List<string> AllowedUsers { get; set; } = [];

    /// <summary>Upstream groups whose members may sign in.</summary>
    public List<string> AllowedGroups { get; set; } = [];

    /// <summary>Users never allowed through this provider (beside the hub's <c>Authenticator:BlockedUsers</c>).</summary>
    public List<string> BlockedUsers { get; set; } = [];

    /// <summary>Everyone the provider authenticates may sign in.</summary>
    public bool AllowAll { get; set; }

    /// <summary>Users that already exist in the hub may sign in (off by default: a provider must not reach built-in accounts by name alone).</summary>
    public bool AllowExistingUsers { get; set; }

    /// <summary>Greyhub groups follow the upstream groups at each login (JupyterHub's <c>manage_groups</c>): missing groups are created, and the user leaves the groups not listed.</summary>
    public bool ManageGroups { get; set; }

    /// <summary>
    /// Store the provider's tokens and the user's claims as the user's <c>auth_state</c>, encrypted (JupyterHub's
    /// <c>Authenticator.enable_auth_state</c>). Needed by <see cref="RefreshPreSpawn"/> and <see cref="SpawnerEnvironment"/>.
    /// </summary>
    public bool EnableAuthState { get; set; }

    /// <summary>
    /// Before a server starts, renew an access token that has expired or is older than <see cref="AuthRefreshAge"/> with
    /// the refresh token (JupyterHub's <c>refresh_pre_spawn</c>); when renewal fails the start is refused and the user
    /// asked to sign in again.
    /// </summary>
    public bool RefreshPreSpawn { get; set; }

    /// <summary>How old an access token may be before a start renews it (JupyterHub's <c>auth_refresh_age</c>, 300 s).</summary>
    public TimeSpan AuthRefreshAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Environment variables given to the user's servers from the <c>auth_state</c>: variable name → path in it, with
    /// dots (<c>access_token</c>, <c>oauth_user.email</c>). A missing value leaves the variable out.
    /// </summary>
    public Dictionary<string, string> SpawnerEnvironment { get; set; } = [];

    /// <summary>
    /// Signing out of the hub also ends the session at the provider, when its discovery document has an
    /// <c>end_session_endpoint</c> (OpenID Connect only); the provider sends the browser back to the hub's login page.
    /// </summary>
    public bool EndSessionAtLogout { get; set; } = true;

    /// <summary>OAuth2 only: the provider's authorization endpoint (<c>https://github.com/login/oauth/authorize</c>).</summary>
    public string AuthorizationEndpoint { get; set; } = "";

    /// <summary>OAuth2 only: the token endpoint (<c>https://github.com/login/oauth/access_token</c>).</summary>
    public string TokenEndpoint { get; set; } = "";

    /// <summary>OAuth2 only: the endpoint answering the user's JSON document with the access token (<c>https://api.github.com/user</c>).</summary>
    public string UserInfoEndpoint { get; set; } = "";

    /// <summary>
    /// OAuth2 only: an endpoint answering a JSON array of the user's groups (strings, or objects whose
    /// <see cref="GroupsField"/> names them), such as GitHub's <c>https://api.github.com/user/orgs</c>; empty: groups come
    /// from <see cref="GroupsClaim"/> of the userinfo document.
    /// </summary>
    public string GroupsEndpoint { get; set; } = "";

    /// <summary>OAuth2 only: the field naming a group in each object of <see cref="GroupsEndpoint"/>'s array (GitHub: <c>login</c>).</summary>
    public string GroupsField { get; set; } = "login";
}
