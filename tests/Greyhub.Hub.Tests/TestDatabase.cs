using System.Security.Cryptography;
using System.Text;
using Greyhub.Testing;
using Npgsql;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The database provider the hub tests run on, from <c>GREYHUB_TEST_DATABASE</c>: <c>sqlite</c> (default: the file in
/// each hub's data folder) or <c>postgres</c> (each data folder gets its own database on the server
/// <c>GREYHUB_TEST_POSTGRES</c> names, created by the hub's migrations and dropped with the folder).
/// </summary>
public static class TestDatabase
{
    /// <summary>The variable that picks the provider.</summary>
    public const string ProviderVariable = "GREYHUB_TEST_DATABASE";

    /// <summary>The variable with a PostgreSQL superuser's (or CREATEDB role's) connection string, without a database.</summary>
    public const string PostgresVariable = "GREYHUB_TEST_POSTGRES";

    /// <summary>The provider the tests run on: <c>sqlite</c> or <c>postgres</c>.</summary>
    public static string Provider { get; } = (Environment.GetEnvironmentVariable(ProviderVariable) is { Length: > 0 } p ? p : "sqlite").Trim().ToLowerInvariant();

    /// <summary>Whether the tests run on PostgreSQL.</summary>
    public static bool IsPostgres => Provider == "postgres";

    /// <summary>
    /// The <c>Greyhub:Database:...</c> settings for a hub in <paramref name="dataDir"/>: none on SQLite (its default is
    /// the data folder's file); on PostgreSQL the data folder's own database, so that a hub restarted in the same folder
    /// finds its data.
    /// </summary>
    public static IReadOnlyList<string> SettingsFor(string dataDir) => Provider switch
    {
        "sqlite" => [],
        "postgres" => ["Greyhub:Database:Provider=postgres", "Greyhub:Database:ConnectionString=" + ConnectionStringFor(dataDir)],
        _ => throw new InvalidOperationException($"{ProviderVariable}='{Provider}' is unknown; use sqlite or postgres."),
    };

    /// <summary>The connection string of <paramref name="dataDir"/>'s database on the test server.</summary>
    public static string ConnectionStringFor(string dataDir) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString()) { Database = DatabaseName(dataDir) }.ConnectionString;

    /// <summary>Drops <paramref name="dataDir"/>'s database, if the tests run on PostgreSQL (closing what still uses it).</summary>
    public static async Task DropAsync(string dataDir)
    {
        if (!IsPostgres)
        {
            return;
        }
        // The hub is stopped; its pooled connections are the only ones left.
        await using (var pooled = new NpgsqlConnection(ConnectionStringFor(dataDir)))
        {
            NpgsqlConnection.ClearPool(pooled);
        }
        var server = new NpgsqlConnectionStringBuilder(ServerConnectionString()) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var drop = connection.CreateCommand();
        drop.CommandText = $"DROP DATABASE IF EXISTS \"{DatabaseName(dataDir)}\" WITH (FORCE)";
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Whether <paramref name="dataDir"/>'s database exists on the test server.</summary>
    public static async Task<bool> ExistsAsync(string dataDir)
    {
        await using var connection = new NpgsqlConnection(
            new NpgsqlConnectionStringBuilder(ServerConnectionString()) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var query = connection.CreateCommand();
        query.CommandText = "SELECT count(*) FROM pg_database WHERE datname = $1";
        query.Parameters.Add(new NpgsqlParameter { Value = DatabaseName(dataDir) });
        return (long)(await query.ExecuteScalarAsync())! == 1;
    }

    /// <summary>One database per data folder: the same name whenever a hub starts in that folder.</summary>
    public static string DatabaseName(string dataDir) =>
        "greyhub_test_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDir))))[..20];

    private static string ServerConnectionString()
    {
        var value = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            Requires.Missing($"{ProviderVariable}=postgres needs a PostgreSQL server in {PostgresVariable}; start one with: " +
                "bash scripts/postgres-local.sh start && eval \"$(bash scripts/postgres-local.sh env)\"");
        }
        return value;
    }
}
