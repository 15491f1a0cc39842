using Microsoft.Extensions.Options;
using Npgsql;

namespace Greyhub.Data.Postgres;

/// <summary>When PostgreSQL is picked: a connection string is required and must parse.</summary>
internal sealed class PostgresOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        if (!string.Equals(options.Provider?.Trim(), PostgresDatabaseProvider.ProviderName, StringComparison.OrdinalIgnoreCase))
        {
            return ValidateOptionsResult.Success;
        }
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail(
                $"{DatabaseOptions.Section}:ConnectionString is required with the postgres provider, e.g. 'Host=db.example.org;Database=greyhub;Username=greyhub;Password=...'.");
        }
        try
        {
            _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"{DatabaseOptions.Section}:ConnectionString is not a valid PostgreSQL connection string: {ex.Message}");
        }
    }
}
