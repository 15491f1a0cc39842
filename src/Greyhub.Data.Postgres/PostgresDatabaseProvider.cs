using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

namespace Greyhub.Data.Postgres;

/// <summary>PostgreSQL through Npgsql: timestamps as <c>timestamptz</c>, text compared and sorted byte-wise as on SQLite.</summary>
internal sealed class PostgresDatabaseProvider : IHubDatabaseProvider
{
    /// <summary>The name <c>Greyhub:Database:Provider</c> gives.</summary>
    public const string ProviderName = "postgres";

    public string Name => ProviderName;

    public void Configure(DbContextOptionsBuilder builder, DatabaseOptions options) =>
        Apply(builder, options.ConnectionString ?? "");

    // SQLSTATE class 23, integrity constraint violation: 23505 unique, 23503 foreign key, 23502 not null, 23514 check.
    public bool IsConstraintViolation(DbException exception) =>
        exception is PostgresException { SqlState: [ '2', '3', _, _, _ ] };

    /// <summary>Everything but the configured connection: used by the hub and by the design-time factory alike.</summary>
    public static DbContextOptionsBuilder Apply(DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseNpgsql(connectionString, n => n
                .MigrationsAssembly(typeof(PostgresDatabaseProvider).Assembly.GetName().Name)
                .UseQuerySplittingBehavior(QuerySplittingBehavior.SingleQuery))
            .ReplaceService<IModelCustomizer, PostgresModelCustomizer>();
}
