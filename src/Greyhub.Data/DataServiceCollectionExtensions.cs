using Greyhub.Data;
using Greyhub.Data.Stores;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the hub's database and stores, whatever the provider.</summary>
public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="HubDbContext"/> (pooled) on the provider <see cref="DatabaseOptions.Provider"/> names, the options
    /// bound from <c>Greyhub:Database</c> and validated at start-up, and the stores. Providers call this themselves
    /// (<c>AddGreyhubSqlite()</c>, <c>AddGreyhubPostgres()</c>); calling it again changes nothing.
    /// </summary>
    public static IServiceCollection AddGreyhubData(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(HubDatabase)))
        {
            return services;
        }
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>());
        services.AddSingleton<HubDatabase>();
        services.AddDbContextPool<HubDbContext>((provider, builder) =>
        {
            var database = provider.GetRequiredService<HubDatabase>();
            database.Provider.Configure(builder, provider.GetRequiredService<IOptions<DatabaseOptions>>().Value);
        });
        services.AddScoped<UserStore>();
        services.AddScoped<GroupStore>();
        services.AddScoped<TokenStore>();
        services.AddScoped<ServerStore>();
        services.AddScoped<OAuthStore>();
        services.AddScoped<ServiceStore>();
        services.AddScoped<ShareStore>();
        services.AddScoped<AuditStore>();
        services.AddScoped<AuthStateStore>();
        services.AddScoped<LeaseStore>();
        services.AddScoped<DatasetStore>();
        services.AddScoped<DaskClusterStore>();
        return services;
    }

    /// <summary>
    /// Registers <typeparamref name="TProvider"/> as a database provider configuration may pick, with the shared data
    /// services; for provider projects' own <c>AddGreyhubXxx()</c>.
    /// </summary>
    public static IServiceCollection AddGreyhubDatabaseProvider<TProvider>(this IServiceCollection services)
        where TProvider : class, IHubDatabaseProvider
    {
        services.AddGreyhubData();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHubDatabaseProvider, TProvider>());
        return services;
    }
}
