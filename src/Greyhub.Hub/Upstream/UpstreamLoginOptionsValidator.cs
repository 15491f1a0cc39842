using System.Net;
using System.Text.RegularExpressions;
using Greyhub.Hub.Login;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Upstream;

/// <summary>Checks the upstream providers at start-up and reports every problem at once.</summary>
internal sealed partial class UpstreamLoginOptionsValidator : IValidateOptions<UpstreamLoginOptions>
{
    private const string OidcPrefix = "Greyhub:Authentication:OpenIdConnect:Providers";
    private const string OAuth2Prefix = "Greyhub:Authentication:OAuth2:Providers";

    public ValidateOptionsResult Validate(string? name, UpstreamLoginOptions options)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in options.AllProviders())
        {
            var oauth2 = options.IsOAuth2(p);
            var prefix = oauth2 ? OAuth2Prefix : OidcPrefix;
            var at = $"{prefix}: provider '{p.Name}'";
            if (!NamePattern().IsMatch(p.Name))
            {
                errors.Add($"{prefix}: provider name '{p.Name}' must be 1 to 32 lowercase letters, digits or '-' (it is part of its URLs).");
            }
            else if (!names.Add(p.Name))
            {
                errors.Add($"{prefix}: provider name '{p.Name}' is repeated.");
            }
            if (oauth2)
            {
                CheckEndpoint(errors, at, "AuthorizationEndpoint", p.AuthorizationEndpoint, required: true);
                CheckEndpoint(errors, at, "TokenEndpoint", p.TokenEndpoint, required: true);
                CheckEndpoint(errors, at, "UserInfoEndpoint", p.UserInfoEndpoint, required: true);
                CheckEndpoint(errors, at, "GroupsEndpoint", p.GroupsEndpoint, required: false);
                if (p.ClientSecret.Length == 0)
                {
                    errors.Add($"{at}: ClientSecret is required for an OAuth2 provider.");
                }
                if (p.GroupsEndpoint.Length > 0 && p.GroupsClaim.Length == 0)
                {
                    errors.Add($"{at}: GroupsEndpoint needs a GroupsClaim (the claim its groups become).");
                }
                if (p.Issuer.Length > 0)
                {
                    errors.Add($"{at}: an OAuth2 provider has no Issuer (it is not OpenID Connect); give its endpoints instead.");
                }
            }
            else
            {
                CheckEndpoint(errors, at, "Issuer", p.Issuer, required: true);
                if (p.AuthorizationEndpoint.Length + p.TokenEndpoint.Length + p.UserInfoEndpoint.Length + p.GroupsEndpoint.Length > 0)
                {
                    errors.Add($"{at}: an OpenID Connect provider finds its endpoints by discovery; list it under {OAuth2Prefix} to give them.");
                }
            }
            if ((p.RefreshPreSpawn || p.SpawnerEnvironment.Count > 0) && !p.EnableAuthState)
            {
                errors.Add($"{at}: RefreshPreSpawn and SpawnerEnvironment need EnableAuthState (the tokens are kept in it).");
            }
            if (p.AuthRefreshAge < TimeSpan.Zero)
            {
                errors.Add($"{at}: AuthRefreshAge must not be negative.");
            }
            foreach (var (variable, path) in p.SpawnerEnvironment)
            {
                if (!VariablePattern().IsMatch(variable) || variable.StartsWith("JUPYTERHUB_", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"{at}: SpawnerEnvironment variable '{variable}' must be letters, digits and '_' and not a JUPYTERHUB_ one.");
                }
                if (path.Length == 0 || path.Split('.').Any(part => part.Length == 0))
                {
                    errors.Add($"{at}: SpawnerEnvironment '{variable}' needs a path in auth_state such as 'access_token' or 'oauth_user.email'.");
                }
            }
            if (p.ClientId.Length == 0)
            {
                errors.Add($"{at}: ClientId is required.");
            }
            if (p.UsernameClaim.Length == 0)
            {
                errors.Add($"{at}: UsernameClaim is required.");
            }
            if (p.Scopes.Any(s => s.Length == 0 || s.Any(char.IsWhiteSpace)))
            {
                errors.Add($"{at}: Scopes must be single words.");
            }
            if (p.StripDomains.Any(d => d.Length == 0 || d.Contains('@', StringComparison.Ordinal)))
            {
                errors.Add($"{at}: StripDomains lists domains such as 'uni.example', without '@'.");
            }
            if (p.AllowedGroups.Count > 0 || p.AdminGroups.Count > 0 || p.ManageGroups)
            {
                if (p.GroupsClaim.Length == 0)
                {
                    errors.Add($"{at}: AllowedGroups, AdminGroups and ManageGroups need a GroupsClaim.");
                }
            }
            foreach (var user in p.AllowedUsers.Concat(p.BlockedUsers).Where(u => !Names.IsValid(u) || Names.NormalizeUser(u) != u))
            {
                errors.Add($"{at}: '{user}' is not a normalised user name (lowercase, no '/', no spaces).");
            }
        }
        if (!options.BuiltInUsers && !options.AllProviders().Any())
        {
            errors.Add("Greyhub:Authentication:BuiltInUsers is false and no provider is configured: nobody could sign in.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckEndpoint(List<string> errors, string at, string setting, string value, bool required)
    {
        if (value.Length == 0 && !required)
        {
            return;
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Fragment.Length > 0 || (setting == "Issuer" && uri.Query.Length > 0))
        {
            errors.Add($"{at}: {setting} must be an absolute URL{(setting == "Issuer" ? " without query" : "")}, not '{value}'.");
        }
        else if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri)))
        {
            errors.Add($"{at}: {setting} must use https (http only on loopback), not '{value}'.");
        }
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariablePattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex NamePattern();
}
