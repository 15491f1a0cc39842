using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Greyhub.Data.Postgres;

/// <summary>
/// The PostgreSQL specifics of the shared model: every text column uses the <c>C</c> collation, so that names compare
/// and sort by code point (case-sensitive, "B" before "a") exactly as SQLite's default <c>BINARY</c> collation does,
/// whatever the database's own locale. Unique indexes on names are thus case-sensitive too, as in JupyterHub.
/// </summary>
internal sealed class PostgresModelCustomizer(ModelCustomizerDependencies dependencies) : RelationalModelCustomizer(dependencies)
{
    /// <summary>The collation of every text column.</summary>
    public const string Collation = "C";

    public override void Customize(ModelBuilder modelBuilder, DbContext context)
    {
        base.Customize(modelBuilder, context);
        foreach (var property in modelBuilder.Model.GetEntityTypes().SelectMany(e => e.GetDeclaredProperties()))
        {
            if (property.ClrType == typeof(string))
            {
                property.SetCollation(Collation);
            }
        }
    }
}
