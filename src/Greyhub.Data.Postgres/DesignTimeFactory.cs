using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Greyhub.Data.Postgres;

/// <summary>
/// Lets <c>dotnet ef migrations add Name --project src/Greyhub.Data.Postgres</c> build the context without the host,
/// configured exactly as the hub configures it (no server is contacted to add a migration), but with the model built from
/// <c>OnModelCreating</c> (never the compiled one, which <c>dotnet ef dbcontext optimize</c> regenerates from it).
/// </summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<HubDbContext>
{
    public HubDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<HubDbContext>();
        PostgresDatabaseProvider.Apply(builder, "Host=127.0.0.1;Database=greyhub_design", compiledModel: false);
        return new HubDbContext(builder.Options);
    }
}
