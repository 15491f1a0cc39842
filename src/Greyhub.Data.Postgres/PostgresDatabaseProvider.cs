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

    /// <summary>Statements each connection keeps prepared when the connection string does not say (<c>Max Auto Prepare</c>).</summary>
    public const int DefaultMaxAutoPrepare = 64;

    public void Configure(DbContextOptionsBuilder builder, DatabaseOptions options) =>
        Apply(builder, WithDefaults(options.ConnectionString ?? ""), options.CompiledModel);

    /// <summary>
    /// The configured connection string with the hub's defaults for what it leaves unsaid.
    /// <list type="bullet">
    /// <item><c>Max Auto Prepare=64</c>: the hub runs the same few statements over and over, and without it PostgreSQL
    /// parses and plans each one every time (measured on the uncached user list: about 3x the server's CPU per request,
    /// on a box where the server and the hub share the cores).</item>
    /// <item><c>No Reset On Close=true</c>: otherwise every connection handed back to the pool makes the server run
    /// <c>RESET ALL; CLOSE ALL; UNLISTEN *; ...; DISCARD TEMP</c> before its next query, which PostgreSQL's statement
    /// log showed costing more than the user list's three prepared statements together. The hub keeps no session
    /// state on pooled connections (no <c>SET</c>, temporary tables, <c>LISTEN</c> or session advisory locks; EF Core's
    /// migration lock is per transaction), so there is nothing to reset.</item>
    /// </list>
    /// </summary>
    public static string WithDefaults(string connectionString)
    {
        // Npgsql's own builder claims every keyword it knows (ContainsKey was true for a string without it); the plain
        // one holds only what the string says ("Max Auto Prepare" or "MaxAutoPrepare", in any case).
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }
        if (!given.Contains("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }
        return builder.ConnectionString;
    }

    // SQLSTATE class 23, integrity constraint violation: 23505 unique, 23503 foreign key, 23502 not null, 23514 check.
    public bool IsConstraintViolation(DbException exception) =>
        exception is PostgresException { SqlState: [ '2', '3', _, _, _ ] };

    /// <summary>
    /// Everything but the configured connection: used by the hub and by the design-time factory alike. The hub uses the
    /// compiled model (<c>CompiledModel/</c>, from <c>dotnet ef dbcontext optimize</c>, the collations of
    /// <see cref="PostgresModelCustomizer"/> included); the design-time factory builds the model from
    /// <c>OnModelCreating</c> and the customizer, as do migrations when one is pending.
    /// </summary>
    public static DbContextOptionsBuilder Apply(DbContextOptionsBuilder builder, string connectionString, bool compiledModel)
    {
        builder.UseNpgsql(connectionString, n => n
                // The hub's columns are all of PostgreSQL's built-in types (integer, bigint, boolean, text, timestamptz,
                // bytea, and arrays of them for IN lists), which Npgsql knows without asking: without this its first
                // connection reads the server's whole type catalogue, a query and its parsing on the start's critical path.
                .ConfigureDataSource(source => source.ConfigureTypeLoading(types => types.EnableTypeLoading(false)))
                .MigrationsAssembly(typeof(PostgresDatabaseProvider).Assembly.GetName().Name)
                .UseQuerySplittingBehavior(QuerySplittingBehavior.SingleQuery))
            .ReplaceService<IModelCustomizer, PostgresModelCustomizer>();
        return compiledModel ? builder.UseModel(CompiledModel.HubDbContextModel.Instance) : builder;
    }
}
