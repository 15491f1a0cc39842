using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data.Sqlite;

/// <summary>SQLite in WAL mode, by default the file <c>greyhub.sqlite</c> in the data folder.</summary>
internal sealed class SqliteDatabaseProvider : IHubDatabaseProvider
{
    /// <summary>The name <c>Greyhub:Database:Provider</c> gives.</summary>
    public const string ProviderName = "sqlite";

    // SQLITE_CONSTRAINT: unique, primary key, foreign key, not null and check failures (the extended code tells which).
    private const int SqliteConstraint = 19;

    public string Name => ProviderName;

    public void Configure(DbContextOptionsBuilder builder, DatabaseOptions options) =>
        Apply(builder, ConnectionString(options), options.CompiledModel);

    public bool IsConstraintViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteConstraint };

    /// <summary>The configured connection string, or the data folder's file with a private cache, pooling and a 30 s timeout.</summary>
    public static string ConnectionString(DatabaseOptions options) => options.ConnectionString is { Length: > 0 } cs
        ? cs
        : new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(options.DataDirectory, "greyhub.sqlite"),
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

    /// <summary>
    /// Everything but the connection: used by the hub and by the design-time factory alike. The hub uses the compiled
    /// model (<c>CompiledModel/</c>, from <c>dotnet ef dbcontext optimize</c>) instead of building the model from
    /// <c>OnModelCreating</c> at its first query, a large share of its start-up CPU; the design-time factory builds it,
    /// so that the tools (migrations, optimize itself) see the model as the code declares it.
    /// </summary>
    public static DbContextOptionsBuilder Apply(DbContextOptionsBuilder builder, string connectionString, bool compiledModel)
    {
        builder.UseSqlite(connectionString, s => s
                .MigrationsAssembly(typeof(SqliteDatabaseProvider).Assembly.GetName().Name)
                .UseQuerySplittingBehavior(QuerySplittingBehavior.SingleQuery))
            .AddInterceptors(SqlitePragmas.Instance);
        return compiledModel ? builder.UseModel(CompiledModel.HubDbContextModel.Instance) : builder;
    }
}
