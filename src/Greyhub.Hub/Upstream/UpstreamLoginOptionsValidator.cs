using System.Net;
using System.Text.RegularExpressions;
using Greyhub.Hub.Login;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Upstream;

/// <summary>Checks the upstream providers at start-up and reports every problem at once.</summary>
internal sealed partial class UpstreamLoginOptionsValidator : IValidateOptions<UpstreamLoginOptions>
{
    private const string Prefix = "Greyhub:Authentication:OpenIdConnect:Providers";

    public ValidateOptionsResult Validate(string? name, UpstreamLoginOptions options)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in options.OpenIdConnect.Providers)
        {
            var at = $"{Prefix}: provider '{p.Name}'";
            if (!NamePattern().IsMatch(p.Name))
            {
                errors.Add($"{Prefix}: provider name '{p.Name}' must be 1 to 32 lowercase letters, digits or '-' (it is part of its URLs).");
            }
            else if (!names.Add(p.Name))
            {
                errors.Add($"{Prefix}: provider name '{p.Name}' is repeated.");
            }
            if (!Uri.TryCreate(p.Issuer, UriKind.Absolute, out var issuer) || issuer.Query.Length > 0 || issuer.Fragment.Length > 0)
            {
                errors.Add($"{at}: Issuer must be an absolute URL without query, not '{p.Issuer}'.");
            }
            else if (issuer.Scheme != Uri.UriSchemeHttps && !(issuer.Scheme == Uri.UriSchemeHttp && IsLoopback(issuer)))
            {
                errors.Add($"{at}: Issuer must use https (http only on loopback), not '{p.Issuer}'.");
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
        if (!options.BuiltInUsers && options.OpenIdConnect.Providers.Count == 0)
        {
            errors.Add("Greyhub:Authentication:BuiltInUsers is false and no provider is configured: nobody could sign in.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex NamePattern();
}
