using Greyhub.Abstractions.Authentication;
using Greyhub.Abstractions.Hosting;
using Greyhub.Data;
using Greyhub.Hub;
using Greyhub.Hub.ApiModels;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Admission;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Background;
using Greyhub.Hub.Groups;
using Greyhub.Hub.Hosting;
using Greyhub.Hub.Http;
using Greyhub.Hub.Login;
using Greyhub.Hub.Observability;
using Greyhub.Hub.Proxy;
using Greyhub.Hub.Servers;
using Greyhub.Hub.Services;
using Greyhub.Hub.Sharing;
using Greyhub.Hub.Tokens;
using Greyhub.Hub.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the hub: <c>services.AddGreyhub(configuration).UseSqlite().UsePostgres()</c>.</summary>
public static class HubServiceCollectionExtensions
{
    /// <summary>
    /// Adds the hub (API, pages, authentication, servers, proxy, housekeeping), configured from <c>Greyhub</c>. Database
    /// providers are added to the returned builder (<c>.UseSqlite()</c>, <c>.UsePostgres()</c>) and
    /// <c>Greyhub:Database:Provider</c> picks one.
    /// </summary>
    public static IGreyhubBuilder AddGreyhub(this IServiceCollection services)
    {
        services.AddHubCore();
        services.AddDataProtection().SetApplicationName("greyhub");
        // The cookie keys live in the data folder (read from the validated options, not at registration).
        services.AddOptions<KeyManagementOptions>().Configure<HubSecrets, ILoggerFactory>((o, secrets, loggers) =>
            o.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(secrets.KeysDirectory), loggers));
        services.AddSingleton<HubUrls>();
        services.AddSingleton<AccessPolicy>();
        services.AddSingleton<IdentityResolver>();
        services.AddSingleton<IHubRequestAuthenticator, HubRequestAuthenticator>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<Models>();
        services.AddSingleton<ResponseCache>();
        // Authenticators by name; Greyhub:Authenticator:Type picks the one the login form uses.
        services.AddKeyedScoped<IPasswordAuthenticator, BuiltInAuthenticator>("builtin");
        services.AddScoped(sp => sp.GetRequiredKeyedService<IPasswordAuthenticator>(sp.GetRequiredService<IOptions<HubOptions>>().Value.Authenticator.Type));
        services.AddSingleton<IValidateOptions<HubOptions>, AuthenticatorTypeValidator>();
        services.AddScoped<AuthenticatedLogins>();
        services.AddSingleton<UserAuthRefresh>();
        services.AddSingleton<IUserAuthRefresh>(sp => sp.GetRequiredService<UserAuthRefresh>());
        services.AddScoped<IApiPasswordLogin, ApiPasswordLogin>();
        services.AddScoped<IServerStartHook, AuthenticatorStartHook>();
        services.AddSingleton<IServerStopHook, AuthenticatorStopHook>();
        services.AddScoped<PasswordChange>();
        services.AddScoped<AuthStates>();
        // Pages are Razor components rendered on the server (RazorComponentResult from the hub's own endpoints).
        services.AddRazorComponents();
        services.AddScoped<GroupService>();
        services.AddGreyhubOpenIdProvider();
        services.AddScoped<TokenPurge>();
        services.AddSingleton<ServiceCatalog>();
        services.AddSingleton<ServiceSecrets>();
        services.AddScoped<ServiceTokens>();
        services.AddScoped<ShareService>();
        services.AddScoped<ShareCodes>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.AspNetCore.Routing.MatcherPolicy, TrailingSlashMatcherPolicy>());
        services.AddScoped<ServiceRegistration>();
        services.AddSingleton<ServiceEnvironment>();
        services.AddSingleton<ManagedServices>();
        services.AddSingleton<IServiceProcesses>(sp => sp.GetRequiredService<ManagedServices>());
        services.AddHostedService(sp => sp.GetRequiredService<ManagedServices>());
        // The lease first: at a clean stop hosted services stop in reverse order, so it is given up after the jobs it guards.
        services.AddHousekeepingLease();
        services.AddHostedServiceAfterStart<TokenPurgeJob>();
        services.AddAuditLog();

        // The proxy brick in-process: the hub's routes go to it through IProxyRoutes (ServerRoutes). Its trusted
        // proxies are the hub's plus its own, and its error page links back to the hub's home. With an external proxy
        // (Greyhub:Proxy:External:ApiUrl) the routes go there instead and the hub's listener forwards nothing.
        services.AddGreyhubProxy();
        services.AddOptions<Greyhub.Proxy.ProxyOptions>().PostConfigure<IOptions<HubOptions>, HubUrls, IOptions<ExternalProxyOptions>>((proxy, hub, urls, external) =>
        {
            proxy.TrustedProxies = [.. proxy.TrustedProxies.Union(hub.Value.TrustedProxies)];
            proxy.HomeUrl ??= urls.Hub + "home";
            if (external.Value.IsExternal)
            {
                proxy.FastPath = false;
            }
        });
        services.AddOptions<ExternalProxyOptions>().BindConfiguration(ExternalProxyOptions.Section)
            .PostConfigure<IConfiguration>((o, configuration) =>
            {
                if (o.AuthToken.Length == 0)
                {
                    o.AuthToken = configuration[ExternalProxyOptions.AuthTokenVariable] ?? "";
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ExternalProxyOptions>, ExternalProxyOptionsValidator>();
        services.AddSingleton<HubAddress>();
        services.AddSingleton<HubProxy>();
        services.AddSingleton<RouteCheckSignal>();
        services.AddSingleton<ManagedProxy>();
        services.AddHostedService<ManagedProxyService>();
        services.AddSingleton<HubShutdown>();
        // After the proxy's service: hosted services stop in reverse order, so servers stop while the proxy still answers.
        services.AddHostedService<ServerShutdown>();
        services.AddSingleton<ServerRoutes>();
        services.AddSingleton<RouteCheck>();
        services.AddHostedService<RouteCheckJob>();
        services.AddSingleton<SpawnTracker>();
        services.AddSingleton<SpawnEstimate>();
        services.AddSingleton<SpawnLine>();
        services.AddSingleton<ActiveServerLimits>();
        services.AddSingleton<SpawnAdmission>();
        services.AddSingleton<ServerEnvironment>();
        services.AddSingleton<ReadinessProbe>();
        services.AddSingleton<SingleUserVersions>();
        services.AddSingleton<ServerStarter>();
        services.AddSingleton<ServerStopper>();
        services.AddSingleton<ServerMonitor>();
        services.AddSingleton<ServerChecks>();
        services.AddSingleton<ServerRecovery>();
        services.AddSingleton<FirstAnswer>();
        services.AddTransient<Microsoft.AspNetCore.Hosting.IStartupFilter, FirstAnswerStartupFilter>();
        services.AddHostedService<ServerRecoveryJob>();
        services.AddScoped<ServerCredentials>();
        services.AddScoped<ServerScope>();
        services.AddSingleton<IUserServers>(sp => sp.GetRequiredService<ServerStopper>());
        services.AddHostedServiceAfterStart<ServerMonitorService>();
        services.AddHostedServiceAfterStart<ActivityFlushJob>();
        services.AddIdleCuller();

        // Who is calling: a policy scheme picks the token handler when an Authorization token header is present, else
        // the login cookie. OpenID Connect login and an OpenIddict server arrive as more schemes, not rewrites.
        services.AddScoped<LoginCookieEvents>();
        services.AddAuthentication(HubAuthentication.Default)
            .AddPolicyScheme(HubAuthentication.Default, "Token or login cookie",
                o => o.ForwardDefaultSelector = c => HubAuthentication.HasTokenHeader(c.Request) ? HubAuthentication.Token : HubAuthentication.Cookie)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(HubAuthentication.Token, null)
            .AddCookie(HubAuthentication.Cookie);
        services.AddOptions<CookieAuthenticationOptions>(HubAuthentication.Cookie).Configure<IOptions<HubOptions>>((o, hub) => LoginCookie.Configure(o, hub.Value));
        services.AddGreyhubUpstreamLogin();
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
        return new GreyhubBuilder(services);
    }

    /// <summary>
    /// Adds what the command line's admin commands need (<c>greyhub token</c>, <c>greyhub users ...</c>): the
    /// options, the database, its secrets, token and password hashing, the token and user rules. No web host, hosted service
    /// or server monitor: the commands run beside a live hub, whose servers they must never touch.
    /// </summary>
    public static IGreyhubBuilder AddGreyhubAdmin(this IServiceCollection services)
    {
        services.AddHubCore();
        return new GreyhubBuilder(services);
    }

    /// <summary>
    /// The audit log: the queue features record into, its writer (which drains the queue after every other service has
    /// stopped) and its pruning, configured from <c>Greyhub:Audit</c>.
    /// </summary>
    private static void AddAuditLog(this IServiceCollection services)
    {
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>();
        services.AddSingleton<AuditLog>();
        services.AddHostedService<AuditWriter>();
        services.AddSingleton<AuditPruneJob>();
        services.AddHostedServiceAfterStart(sp => sp.GetRequiredService<AuditPruneJob>());
    }

    /// <summary>Options, database, secrets, hashing, token and user rules: what serving and the admin commands share.</summary>
    private static void AddHubCore(this IServiceCollection services)
    {
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section)
            .PostConfigure(o => o.DataDir = Path.GetFullPath(o.DataDir))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<HubOptions>, HubOptionsValidator>();
        // The provider itself (UseSqlite, UsePostgres, ...) is the composition root's choice; an embedded one keeps its
        // file in the data folder.
        services.AddGreyhubData();
        services.AddOptions<DatabaseOptions>().PostConfigure<IOptions<HubOptions>>((o, hub) =>
        {
            if (o.DataDirectory.Length == 0)
            {
                o.DataDirectory = hub.Value.DataDir;
            }
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new HubSecrets(sp.GetRequiredService<IOptions<HubOptions>>().Value.DataDir));
        services.AddSingleton<TokenHasher>();
        services.AddSingleton<HubState>();
        services.AddSingleton<HubRoles>();
        // HubMetrics reads its gauges through a scope: the admin commands' container must hold the runner too.
        services.AddSingleton<ScopedRunner>();
        services.AddSingleton<HubMetrics>();
        services.AddSingleton(new PasswordHasher<string>());
        services.AddScoped<TokenService>();
        // The users' rules, shared by the REST API and the command line's `users list` and `users remove`.
        services.AddScoped<UserService>();
    }

    private sealed class GreyhubBuilder(IServiceCollection services) : IGreyhubBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
