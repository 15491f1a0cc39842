using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Greyhub.Data.Sqlite;

/// <summary>
/// Lets <c>dotnet ef migrations add Name --project src/Greyhub.Data.Sqlite</c> build the context without the host,
/// configured exactly as the hub configures it, but with the model built from <c>OnModelCreating</c> (never the compiled one,
/// which <c>dotnet ef dbcontext optimize</c> regenerates from it).
/// </summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<HubDbContext>
{
    public HubDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<HubDbContext>();
        SqliteDatabaseProvider.Apply(builder, "Data Source=design.sqlite", compiledModel: false);
        return new HubDbContext(builder.Options);
    }
}
