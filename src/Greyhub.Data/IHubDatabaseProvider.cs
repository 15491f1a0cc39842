using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data;

/// <summary>
/// A database the hub can keep its state in. Every provider is registered (one project each); <see cref="DatabaseOptions.Provider"/>
/// picks one by <see cref="Name"/>, and an unknown name fails at start-up listing the registered ones.
/// </summary>
public interface IHubDatabaseProvider
{
    /// <summary>The name configuration uses, lower case (e.g. <c>sqlite</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Configures <see cref="HubDbContext"/> for this database: connection, the assembly holding this provider's own
    /// migrations, and whatever the provider needs so that the stores behave the same as on every other provider.
    /// </summary>
    void Configure(DbContextOptionsBuilder builder, DatabaseOptions options);

    /// <summary>Whether <paramref name="exception"/> is a broken integrity rule (a duplicate in a unique index, a missing referenced row).</summary>
    bool IsConstraintViolation(DbException exception);
}
