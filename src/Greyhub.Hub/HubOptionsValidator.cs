using Greyhub.Proxy;
using Greyhub.Scopes;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub;

/// <summary>Checks the hub's configuration at start-up and reports every problem at once.</summary>
internal sealed class HubOptionsValidator : IValidateOptions<HubOptions>
{
    public ValidateOptionsResult Validate(string? name, HubOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDir))
        {
            errors.Add("Greyhub:DataDir must name a folder.");
        }
        if (!options.BaseUrl.StartsWith('/'))
        {
            errors.Add($"Greyhub:BaseUrl must start with '/', not '{options.BaseUrl}'.");
        }
        if (options.PublicUrl.Length > 0 && !Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out _))
        {
            errors.Add($"Greyhub:PublicUrl must be an absolute URL, not '{options.PublicUrl}'.");
        }
        if (options.ApiPageMaxLimit < 1 || options.ApiPageDefaultLimit < 1 || options.ApiPageDefaultLimit > options.ApiPageMaxLimit)
        {
            errors.Add("Greyhub:ApiPageDefaultLimit and ApiPageMaxLimit must be positive, default ≤ max.");
        }
        if (options.ActivityResolution < TimeSpan.Zero || options.CookieMaxAge <= TimeSpan.Zero || options.TokenExpiresInMax < TimeSpan.Zero)
        {
            errors.Add("Greyhub:ActivityResolution, CookieMaxAge and TokenExpiresInMax must not be negative (CookieMaxAge positive).");
        }
        if (options.OAuthTokenExpiresIn <= TimeSpan.Zero)
        {
            errors.Add("Greyhub:OAuthTokenExpiresIn must be positive.");
        }
        foreach (var (key, value) in new[] { ("ActivityFlushInterval", options.Servers.ActivityFlushInterval), ("CheckRoutesInterval", options.Servers.CheckRoutesInterval) })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"Greyhub:Servers:{key} must be longer than zero, not {value}.");
            }
        }
        var servers = options.Servers;
        if (servers.ConcurrentSpawnLimit < 0 || servers.ActiveServerLimit < 0 || servers.NamedServerLimitPerUser < 0)
        {
            errors.Add("Greyhub:Servers:ConcurrentSpawnLimit, ActiveServerLimit and NamedServerLimitPerUser must not be negative (0 = no limit).");
        }
        if (servers.HubAuthCacheMaxAge < TimeSpan.Zero || servers.HubAuthCacheMaxAge.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            errors.Add($"Greyhub:Servers:HubAuthCacheMaxAge must be whole seconds, zero or more (zero: the server's own default), not {servers.HubAuthCacheMaxAge}.");
        }
        if (!Enum.IsDefined(servers.ConcurrentSpawnLimitMode))
        {
            errors.Add($"Greyhub:Servers:ConcurrentSpawnLimitMode must be Queue or Reject, not {servers.ConcurrentSpawnLimitMode}.");
        }
        if (servers.SpawnThrottleRetryMin <= TimeSpan.Zero || servers.SpawnThrottleRetryMax < servers.SpawnThrottleRetryMin)
        {
            errors.Add("Greyhub:Servers:SpawnThrottleRetryMin must be positive and at most SpawnThrottleRetryMax.");
        }
        foreach (var (group, limit) in servers.ActiveServerLimitPerGroup.Where(g => g.Value < 0 || !Names.IsValid(g.Key)))
        {
            errors.Add($"Greyhub:Servers:ActiveServerLimitPerGroup: '{group}' = {limit} needs a valid group name and a limit of 0 or more.");
        }
        if (options.MaxApiBodyBytes < 1024)
        {
            errors.Add("Greyhub:MaxApiBodyBytes must be at least 1024.");
        }
        foreach (var proxy in options.TrustedProxies.Where(p => !TrustedProxies.TryParse(p, out _)))
        {
            errors.Add($"Greyhub:TrustedProxies: '{proxy}' is not an IP address or a CIDR network (e.g. 10.0.0.5 or 10.0.0.0/8).");
        }
        var auth = options.Authenticator;
        foreach (var user in auth.AdminUsers.Concat(auth.AllowedUsers).Concat(auth.BlockedUsers))
        {
            if (!Names.IsValid(user) || Names.NormalizeUser(user) != user)
            {
                errors.Add($"Greyhub:Authenticator lists an invalid user name '{user}' (lowercase, no '/', no spaces).");
            }
        }
        if (auth.InitialAdmin is { } admin)
        {
            if (!Names.IsValid(admin.Name) || Names.NormalizeUser(admin.Name) != admin.Name)
            {
                errors.Add($"Greyhub:Authenticator:InitialAdmin:Name '{admin.Name}' is not a valid user name.");
            }
            if (admin.Password.Length < auth.MinimumPasswordLength)
            {
                errors.Add($"Greyhub:Authenticator:InitialAdmin:Password must have at least {auth.MinimumPasswordLength} characters.");
            }
        }
        if (auth.FailedLoginLimit < 1 || auth.FailedLoginWindow <= TimeSpan.Zero)
        {
            errors.Add("Greyhub:Authenticator:FailedLoginLimit and FailedLoginWindow must be positive.");
        }
        ScopeDefinitions definitions = ScopeDefinitions.JupyterHub5;
        try
        {
            if (options.CustomScopes.Count > 0)
            {
                definitions = ScopeDefinitions.WithCustomScopes(options.CustomScopes.Select(scope => new ScopeDefinition(scope.Name, scope.Description, scope.Subscopes)));
            }
        }
        catch (ScopeConfigurationException ex)
        {
            errors.AddRange(ex.Errors.Count > 0 ? ex.Errors.Select(e => "Greyhub:CustomScopes: " + e) : ["Greyhub:CustomScopes: " + ex.Message]);
        }
        var serviceNames = new HashSet<string>(StringComparer.Ordinal);
        var clientIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in options.Services)
        {
            errors.AddRange(ServiceRules.Check(service, definitions, "Greyhub:Services"));
            if (!serviceNames.Add(service.Name))
            {
                errors.Add($"Greyhub:Services: service name '{service.Name}' is repeated.");
            }
            if (!clientIds.Add(service.OauthClientId ?? ServiceRules.DefaultClientId(service.Name)))
            {
                errors.Add($"Greyhub:Services: service '{service.Name}' has the OAuth client id of another service.");
            }
        }
        var restart = options.ServiceRestart;
        if (restart.Delay <= TimeSpan.Zero || restart.MaxDelay < restart.Delay || restart.StopGrace <= TimeSpan.Zero)
        {
            errors.Add("Greyhub:ServiceRestart: Delay and StopGrace must be positive and MaxDelay at least Delay.");
        }
        var roleNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var role in options.Roles)
        {
            if (RoleCatalog.ValidateName(role.Name) is { } invalid)
            {
                errors.Add("Greyhub:Roles: " + invalid);
            }
            else if (!roleNames.Add(role.Name))
            {
                errors.Add($"Greyhub:Roles: role name '{role.Name}' is repeated.");
            }
            if (role.Name is "admin" or "server" or "token")
            {
                errors.Add($"Greyhub:Roles: the default role '{role.Name}' cannot be redefined.");
            }
            foreach (var scope in role.Scopes)
            {
                if (definitions.Validate(scope, $"role {role.Name}") is { } problem)
                {
                    errors.Add("Greyhub:Roles: " + problem);
                }
            }
            foreach (var service in role.Services.Where(s => !serviceNames.Contains(s)))
            {
                errors.Add($"Greyhub:Roles: role '{role.Name}' names service '{service}', which is not defined in Greyhub:Services.");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
