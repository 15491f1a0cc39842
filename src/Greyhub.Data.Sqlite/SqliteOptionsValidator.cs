using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Greyhub.Data.Sqlite;

/// <summary>When SQLite is picked: a connection string, if given, must parse.</summary>
internal sealed class SqliteOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        if (!string.Equals(options.Provider?.Trim(), SqliteDatabaseProvider.ProviderName, StringComparison.OrdinalIgnoreCase)
            || options.ConnectionString is not { Length: > 0 } cs)
        {
            return ValidateOptionsResult.Success;
        }
        try
        {
            _ = new SqliteConnectionStringBuilder(cs);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"{DatabaseOptions.Section}:ConnectionString is not a valid SQLite connection string: {ex.Message}");
        }
    }
}
