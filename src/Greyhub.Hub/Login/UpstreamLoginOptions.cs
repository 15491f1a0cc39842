namespace Greyhub.Hub.Login;

/// <summary>How people sign in: the hub's own users and upstream identity providers (<c>Greyhub:Authentication</c>).</summary>
public sealed class UpstreamLoginOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Greyhub:Authentication";

    /// <summary>Whether the login page offers the built-in user name and password form. Off: only the providers' buttons.</summary>
    public bool BuiltInUsers { get; set; } = true;

    /// <summary>OpenID Connect providers.</summary>
    public OpenIdConnectLoginOptions OpenIdConnect { get; set; } = new();
}

/// <summary>Upstream OpenID Connect providers, each a button on the login page.</summary>
public sealed class OpenIdConnectLoginOptions
{
    /// <summary>The providers, each under its own name.</summary>
    public List<OpenIdConnectProviderOptions> Providers { get; set; } = [];
}

/// <summary>One upstream OpenID Connect provider and how its users become Greyhub users.</summary>
public sealed class OpenIdConnectProviderOptions
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
}
