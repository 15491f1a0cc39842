using Greyhub.Data;
using Greyhub.Data.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the hub's database and stores.</summary>
public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// Adds the database (SQLite in WAL mode at <paramref name="dataDir"/> unless configured otherwise) and the stores.
    /// </summary>
    public static IServiceCollection AddGreyhubData(this IServiceCollection services, DatabaseOptions options, string dataDir)
    {
        switch (options.Provider.ToLowerInvariant())
        {
            case "sqlite":
                var connection = options.ConnectionString is { Length: > 0 } cs
                    ? cs
                    : new SqliteConnectionStringBuilder
                    {
                        DataSource = Path.Combine(dataDir, "greyhub.sqlite"),
                        Cache = SqliteCacheMode.Private,
                        Pooling = true,
                        DefaultTimeout = 30,
                    }.ToString();
                services.AddDbContextPool<HubDbContext>(o => o.UseSqlite(connection, s => s.UseQuerySplittingBehavior(QuerySplittingBehavior.SingleQuery))
                    .AddInterceptors(SqlitePragmas.Instance));
                break;
            default:
                throw new InvalidOperationException(
                    $"Unknown database provider '{options.Provider}'. Valid providers: sqlite.");
        }
        services.AddScoped<UserStore>();
        services.AddScoped<GroupStore>();
        services.AddScoped<TokenStore>();
        services.AddScoped<ServerStore>();
        services.AddScoped<OAuthStore>();
        return services;
    }
}
