using Greyhub.Abstractions.Authentication;
using Greyhub.Data;
using Greyhub.Hub.Api;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Hosting;
using Greyhub.Hub.Housekeeping;
using Greyhub.Hub.OAuthProvider;
using Greyhub.Hub.Observability;
using Greyhub.Hub.Proxy;
using Greyhub.Hub.Servers;
using Greyhub.Hub.Services;
using Greyhub.Hub.Web;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the hub.</summary>
public static class HubServiceCollectionExtensions
{
    /// <summary>
    /// Adds the hub, its stores and built-in authentication, configured from <c>Greyhub</c>. The database provider is
    /// registered by the caller (<c>AddGreyhubSqlite()</c>, <c>AddGreyhubPostgres()</c>) and picked by <c>Greyhub:Database:Provider</c>.
    /// </summary>
    public static IServiceCollection AddGreyhubHub(this IServiceCollection services, IConfiguration configuration)
    {
        var hub = configuration.GetSection(HubOptions.Section).Get<HubOptions>() ?? new HubOptions();
        var dataDir = Path.GetFullPath(hub.DataDir);
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section)
            .PostConfigure(o => o.DataDir = Path.GetFullPath(o.DataDir))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<HubOptions>, HubOptionsValidator>();
        Directory.CreateDirectory(dataDir);
        // The provider itself (AddGreyhubSqlite, AddGreyhubPostgres, ...) is the composition root's choice; an embedded
        // one keeps its file in the data folder.
        services.AddGreyhubData();
        services.AddOptions<DatabaseOptions>().PostConfigure(o =>
        {
            if (o.DataDirectory.Length == 0)
            {
                o.DataDirectory = dataDir;
            }
        });

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
        services.AddHostedService<ServerMonitorService>();
        services.AddHostedService<ActivityFlushJob>();

        services.AddAuthentication(IdentityMiddleware.CookieScheme)
            .AddCookie(IdentityMiddleware.CookieScheme, o => LoginPages.Configure(o, hub));
        services.AddAntiforgery(o =>
        {
            o.FormFieldName = HubCookies.Xsrf;
            o.HeaderName = "X-XSRFToken";
            o.Cookie.Name = "greyhub-xsrf";
            o.Cookie.Path = "/";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = AspNetCore.Http.SameSiteMode.Strict;
            o.Cookie.SecurePolicy = AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
        });
        return services;
    }
}
