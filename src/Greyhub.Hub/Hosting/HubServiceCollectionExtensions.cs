using Greyhub.Abstractions.Authentication;
using Greyhub.Data;
using Greyhub.Hub;
using Greyhub.Hub.ApiModels;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Background;
using Greyhub.Hub.Groups;
using Greyhub.Hub.Http;
using Greyhub.Hub.Login;
using Greyhub.Hub.OAuth;
using Greyhub.Hub.Observability;
using Greyhub.Hub.Proxy;
using Greyhub.Hub.Servers;
using Greyhub.Hub.Tokens;
using Greyhub.Hub.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the hub.</summary>
public static class HubServiceCollectionExtensions
{
    /// <summary>Adds the hub, its database and built-in authentication, configured from <c>Greyhub</c>.</summary>
    public static IServiceCollection AddGreyhubHub(this IServiceCollection services, IConfiguration configuration)
    {
        var hub = configuration.GetSection(HubOptions.Section).Get<HubOptions>() ?? new HubOptions();
        var dataDir = Path.GetFullPath(hub.DataDir);
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section)
            .PostConfigure(o => o.DataDir = Path.GetFullPath(o.DataDir))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<HubOptions>, HubOptionsValidator>();
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        Directory.CreateDirectory(dataDir);
        services.AddGreyhubData(database, dataDir);

        services.AddSingleton(TimeProvider.System);
        var secrets = new HubSecrets(dataDir);
        services.AddSingleton(secrets);
        services.AddDataProtection().SetApplicationName("greyhub").PersistKeysToFileSystem(new DirectoryInfo(secrets.KeysDirectory));
        services.AddSingleton<TokenHasher>();
        services.AddSingleton<HubState>();
        services.AddSingleton<HubRoles>();
        services.AddSingleton<HubUrls>();
        services.AddSingleton<AccessPolicy>();
        services.AddSingleton<IdentityResolver>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<HubMetrics>();
        services.AddSingleton<Models>();
        services.AddSingleton<ResponseCache>();
        services.AddSingleton(new PasswordHasher<string>());
        services.AddScoped<IPasswordAuthenticator, BuiltInAuthenticator>();
        services.AddScoped<UserService>();
        services.AddScoped<GroupService>();
        services.AddScoped<TokenService>();
        services.AddScoped<OAuthClients>();
        services.AddScoped<OAuthGrants>();
        services.AddScoped<ClientAccess>();
        services.AddSingleton<ScopedRunner>();
        services.AddScoped<TokenPurge>();
        services.AddHostedService<TokenPurgeJob>();

        services.AddHttpForwarder();
        services.AddOptions<ProxyOptions>().BindConfiguration(ProxyOptions.Section)
            .Validate(o => o.ConnectTimeout > TimeSpan.Zero && o.ActivityTimeout > TimeSpan.Zero && o.IdleConnectionTimeout > TimeSpan.Zero,
                "Greyhub:Proxy: ConnectTimeout, ActivityTimeout and IdleConnectionTimeout must be longer than zero.")
            .ValidateOnStart();
        services.AddSingleton<ProxyConnectionMiddleware>();
        services.AddSingleton<ProxyClientConnections>();
        services.AddSingleton<ProxyCounters>();
        services.AddSingleton<YarpUpstream>();
        services.AddHostedService<ProxyConnectionSweeper>();
        services.AddSingleton<ProxyRouteTable>();
        services.AddSingleton<SpawnTracker>();
        services.AddSingleton<ServerEnvironment>();
        services.AddSingleton<ReadinessProbe>();
        services.AddSingleton<ServerStarter>();
        services.AddSingleton<ServerStopper>();
        services.AddSingleton<ServerMonitor>();
        services.AddScoped<ServerCredentials>();
        services.AddScoped<ServerScope>();
        services.AddSingleton<IUserServers>(sp => sp.GetRequiredService<ServerStopper>());
        services.AddHostedService<ServerMonitorService>();
        services.AddHostedService<ActivityFlushJob>();

        // Who is calling: a policy scheme picks the token handler when an Authorization token header is present, else
        // the login cookie. OpenID Connect login and an OpenIddict server arrive as more schemes, not rewrites.
        services.AddScoped<LoginCookieEvents>();
        services.AddAuthentication(HubAuthentication.Default)
            .AddPolicyScheme(HubAuthentication.Default, "Token or login cookie",
                o => o.ForwardDefaultSelector = c => HubAuthentication.HasTokenHeader(c.Request) ? HubAuthentication.Token : HubAuthentication.Cookie)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(HubAuthentication.Token, null)
            .AddCookie(HubAuthentication.Cookie, o => LoginCookie.Configure(o, hub));
        // What they may do: scopes as endpoint metadata (.RequireScope); an endpoint that declares nothing is closed.
        services.AddScoped<IAuthorizationHandler, ScopeAuthorizationHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, HubAuthorizationResultHandler>();
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAssertion(_ => false).Build());
        services.AddAntiforgery(o =>
        {
            o.FormFieldName = HubCookies.Xsrf;
            o.HeaderName = "X-XSRFToken";
            o.Cookie.Name = "greyhub-xsrf";
            // Every form and cookie-authenticated API call is under /hub/; at / users' servers would receive it (JupyterHub 4.1+).
            o.Cookie.Path = "/hub/";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = AspNetCore.Http.SameSiteMode.Strict;
            o.Cookie.SecurePolicy = AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
        });
        return services;
    }
}
