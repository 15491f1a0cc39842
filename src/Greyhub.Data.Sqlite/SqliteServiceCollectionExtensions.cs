using Greyhub.Abstractions.Hosting;
using Greyhub.Data;
using Greyhub.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite database provider.</summary>
public static class SqliteServiceCollectionExtensions
{
    /// <summary>
    /// Makes SQLite available as <c>Greyhub:Database:Provider=sqlite</c> (the default): WAL mode, the file
    /// <c>greyhub.sqlite</c> in the data folder unless <c>Greyhub:Database:ConnectionString</c> says otherwise, and
    /// the SQLite migrations. Adds the shared data services too.
    /// </summary>
    public static IServiceCollection AddGreyhubSqlite(this IServiceCollection services)
    {
        services.AddGreyhubDatabaseProvider<SqliteDatabaseProvider>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DatabaseOptions>, SqliteOptionsValidator>());
        return services;
    }

    /// <summary>Adds SQLite to the hub being composed (see <see cref="AddGreyhubSqlite"/>).</summary>
    public static IGreyhubBuilder UseSqlite(this IGreyhubBuilder builder)
    {
        builder.Services.AddGreyhubSqlite();
        return builder;
    }
}
