using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Greyhub.Data.Sqlite;

/// <summary>
/// Lets <c>dotnet ef migrations add Name --project src/Greyhub.Data.Sqlite</c> build the context without the host,
/// configured exactly as the hub configures it.
/// </summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<HubDbContext>
{
    public HubDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<HubDbContext>();
        SqliteDatabaseProvider.Apply(builder, "Data Source=design.sqlite");
        return new HubDbContext(builder.Options);
    }
}
