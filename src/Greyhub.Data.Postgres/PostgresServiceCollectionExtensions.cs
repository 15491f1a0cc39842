using Greyhub.Abstractions.Hosting;
using Greyhub.Data;
using Greyhub.Data.Postgres;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL database provider.</summary>
public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Makes PostgreSQL available as <c>Greyhub:Database:Provider=postgres</c>, connecting with
    /// <c>Greyhub:Database:ConnectionString</c> (required) and applying the PostgreSQL migrations. Adds the shared data
    /// services too.
    /// </summary>
    public static IServiceCollection AddGreyhubPostgres(this IServiceCollection services)
    {
        services.AddGreyhubDatabaseProvider<PostgresDatabaseProvider>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DatabaseOptions>, PostgresOptionsValidator>());
        return services;
    }

    /// <summary>Adds PostgreSQL to the hub being composed (see <see cref="AddGreyhubPostgres"/>).</summary>
    public static IGreyhubBuilder UsePostgres(this IGreyhubBuilder builder)
    {
        builder.Services.AddGreyhubPostgres();
        return builder;
    }
}
