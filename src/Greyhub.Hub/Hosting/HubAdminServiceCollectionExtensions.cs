using Greyhub.Hub.Auth;
using Greyhub.Hub.Hosting;
using Greyhub.Hub.Observability;
using Greyhub.Hub.Proxy;
using Greyhub.Hub.Tokens;
using Greyhub.Hub;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers what <see cref="HubAdmin"/> needs: the database, its keys and the token rules, nothing that runs.</summary>
public static class HubAdminServiceCollectionExtensions
{
    /// <summary>
    /// Adds the database, token hashing and password hashing for the command line (<c>greyhub token</c>,
    /// <c>greyhub users add</c>), configured from <c>Greyhub</c>. No web host, hosted service or server monitor: the
    /// commands run beside a live hub, whose servers they must never touch.
    /// </summary>
    public static IServiceCollection AddGreyhubAdmin(this IServiceCollection services, IConfiguration configuration)
    {
        var hub = configuration.GetSection(HubOptions.Section).Get<HubOptions>() ?? new HubOptions();
        var dataDir = Path.GetFullPath(hub.DataDir);
        services.AddOptions<HubOptions>().BindConfiguration(HubOptions.Section).PostConfigure(o => o.DataDir = Path.GetFullPath(o.DataDir));
        services.AddSingleton<IValidateOptions<HubOptions>, HubOptionsValidator>();
        Directory.CreateDirectory(dataDir);
        services.AddGreyhubData(configuration.GetSection(Greyhub.Data.DatabaseOptions.Section).Get<Greyhub.Data.DatabaseOptions>() ?? new(), dataDir);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new HubSecrets(dataDir));
        services.AddSingleton<TokenHasher>();
        services.AddSingleton<HubState>();
        services.AddSingleton<HubRoles>();
        services.AddSingleton<ProxyCounters>();
        services.AddSingleton<HubMetrics>();
        services.AddSingleton(new PasswordHasher<string>());
        services.AddScoped<TokenService>();
        return services;
    }
}
