using Greyhub.Data;
using Greyhub.Data.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Tests;

/// <summary>
/// Where SQLite and PostgreSQL could differ, the hub must not: collation, uniqueness, NULL ordering, timestamps,
/// configuration. Runs on whichever provider <c>GREYHUB_TEST_DATABASE</c> picks (CI runs both).
/// </summary>
public sealed class DatabaseProviderTests
{
    [Fact]
    public async Task Group_names_are_case_sensitive_and_sort_by_code_point()
    {
        await using var hub = await HubInstance.StartAsync();
        var admin = hub.Client(hub.AdminToken);
        (await admin.PostApiAsync("hub/api/users", new { usernames = new[] { "x-1", "x_1", "xa" } })).Is(201);
        string[] groups = ["beta", "Alpha", "alpha", "_x", "Beta"];
        foreach (var group in groups)
        {
            (await admin.PostApiAsync($"hub/api/groups/{group}", new { users = new[] { "x_1", "x-1", "xa" } })).Is(201);
        }
        // The same name again, in the same case, is taken; "ALPHA" is another group.
        (await admin.PostApiAsync("hub/api/groups/alpha", new { users = Array.Empty<string>() })).Is(409);
        (await admin.GetApiAsync("hub/api/groups/ALPHA")).Is(404);
        Assert.Equal(["x-1", "x_1", "xa"], (await admin.GetApiAsync("hub/api/groups/Alpha")).Is(200).Root.GetProperty("users").Strings());

        // Byte order, as SQLite's BINARY collation: "A" < "B" < "_" < "a" and "-" < "_" (a linguistic collation says otherwise).
        var user = (await admin.GetApiAsync("hub/api/users/xa")).Is(200).Root;
        Assert.Equal(groups.Order(StringComparer.Ordinal), user.GetProperty("groups").Strings());
        Assert.Equal(["Alpha", "Beta", "_x", "alpha", "beta"], user.GetProperty("groups").Strings());
        var byName = (await admin.GetApiAsync("hub/api/users?sort=name")).Is(200).Root.Names();
        Assert.Equal(byName.Order(StringComparer.Ordinal), byName);
        Assert.True(byName.ToList().IndexOf("x-1") < byName.ToList().IndexOf("x_1"));
    }

    [Fact]
    public async Task A_duplicate_caught_by_the_unique_index_is_a_conflict_and_case_makes_another_name()
    {
        await using var hub = await HubInstance.StartAsync();
        await using var scope = hub.Services.CreateAsyncScope();
        var groups = scope.ServiceProvider.GetRequiredService<GroupStore>();
        await groups.CreateAsync(["Lab"], [], Api.Ct);
        // The store writes without looking first: only the database's unique index can refuse this.
        await Assert.ThrowsAsync<ConflictException>(() => groups.CreateAsync(["Lab"], [], Api.Ct));
        await groups.CreateAsync(["lab"], [], Api.Ct);
        Assert.Equal(["Lab", "lab"], (await groups.ExistingAsync(["Lab", "lab", "LAB"], Api.Ct)).Order(StringComparer.Ordinal));
        // The failed write left nothing behind: the context goes on working.
        Assert.NotNull(await groups.FindAsync("lab", Api.Ct));
    }

    [Fact]
    public async Task Concurrent_creations_of_one_user_give_one_201_and_409s_never_a_500()
    {
        await using var hub = await HubInstance.StartAsync();
        var name = Api.Unique("racer");
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => hub.Client(hub.AdminToken).PostApiAsync($"hub/api/users/{name}")));
        Assert.Single(responses, r => r.Code == 201);
        Assert.All(responses.Where(r => r.Code != 201), r => Assert.Equal(409, r.Code));
    }

    [Fact]
    public async Task Timestamps_come_back_as_utc_at_microseconds()
    {
        await using var hub = await HubInstance.StartAsync();
        var admin = hub.Client(hub.AdminToken);
        (await admin.PostApiAsync("hub/api/users/tia")).Is(201);
        // An offset is converted to UTC; the seventh fractional digit is below the resolution every provider keeps.
        (await admin.PostApiAsync("hub/api/users/tia/activity", new { last_activity = "2026-01-02T03:04:05.1234567+02:00" })).Is(200);
        Assert.Equal("2026-01-02T01:04:05.123456Z", (await admin.GetApiAsync("hub/api/users/tia")).Is(200).Root.GetProperty("last_activity").GetString());

        await using var scope = hub.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserStore>();
        var naive = new DateTime(2030, 5, 6, 7, 8, 9, DateTimeKind.Unspecified).AddTicks(1234567);
        await users.CreateAsync(["naive"], admin: false, naive, Api.Ct);
        var stored = await users.FindAsync("naive", Api.Ct);
        Assert.NotNull(stored);
        Assert.Equal(DateTimeKind.Utc, stored.Created.Kind);
        Assert.Equal(new DateTime(2030, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1234560), stored.Created);
        Assert.Equal(DateTimeKind.Utc, (await users.FindAsync("tia", Api.Ct))!.LastActivity!.Value.Kind);
    }

    [Fact]
    public async Task Timestamps_round_trip_at_every_precision_and_sqlite_keeps_its_text_format()
    {
        await using var hub = await HubInstance.StartAsync();
        await using var scope = hub.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserStore>();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        var second = new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        DateTime[] times =
        [
            second, second.AddTicks(1_000_000), second.AddTicks(1_234_560), second.AddTicks(10),
            new DateTime(2028, 2, 29, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_990), new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        ];
        for (var i = 0; i < times.Length; i++)
        {
            var name = "ts" + i;
            await users.CreateAsync([name], admin: false, times[i], Api.Ct);
            var read = (await users.FindAsync(name, Api.Ct))!.Created;
            Assert.Equal(times[i], read);
            Assert.Equal(DateTimeKind.Utc, read.Kind);
            if (!TestDatabase.IsPostgres)
            {
                // The text Microsoft.Data.Sqlite itself writes for a DateTime: stored values compare and sort as before.
                var text = await db.Database.SqlQuery<string>($"SELECT Created AS Value FROM users WHERE Name = {name}").SingleAsync(Api.Ct);
                Assert.Equal(times[i].ToString(@"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture), text);
            }
        }
        if (!TestDatabase.IsPostgres)
        {
            // Text in another form (written by hand or another tool) still reads as the general parser reads it.
            await db.Database.ExecuteSqlAsync($"UPDATE users SET Created = '2030-01-02T03:04:05.5' WHERE Name = 'ts0'", Api.Ct);
            Assert.Equal(second.AddTicks(5_000_000), (await users.FindAsync("ts0", Api.Ct))!.Created);
        }
    }

    [Fact]
    public async Task A_note_with_a_nul_character_is_refused_on_every_database()
    {
        await using var hub = await HubInstance.StartAsync();
        var admin = hub.Client(hub.AdminToken);
        var refused = (await admin.PostApiAsync("hub/api/users/admin/tokens", new { note = "a\u0000b" })).Is(400);
        Assert.Contains("NUL", refused.Message());
        var kept = (await admin.PostApiAsync("hub/api/users/admin/tokens", new { note = "tab\there, é, 😀" })).Is(201).Root;
        Assert.Equal("tab\there, é, 😀", kept.GetProperty("note").GetString());
    }

    [Fact]
    public async Task Never_active_users_sort_first_by_last_activity_and_last_descending()
    {
        await using var hub = await HubInstance.StartAsync();
        var admin = hub.Client(hub.AdminToken);
        (await admin.PostApiAsync("hub/api/users", new { usernames = new[] { "early", "idle", "late" } })).Is(201);
        (await admin.PostApiAsync("hub/api/users/early/activity", new { last_activity = "2026-01-01T00:00:00Z" })).Is(200);
        (await admin.PostApiAsync("hub/api/users/late/activity", new { last_activity = "2026-02-01T00:00:00Z" })).Is(200);
        // The admin's token use may have stamped "admin"; only the three matter here.
        string[] ours = ["early", "idle", "late"];
        var ascending = (await admin.GetApiAsync("hub/api/users?sort=last_activity")).Is(200).Root.Names().Where(ours.Contains).ToList();
        Assert.Equal(["idle", "early", "late"], ascending);
        var descending = (await admin.GetApiAsync("hub/api/users?sort=-last_activity")).Is(200).Root.Names().Where(ours.Contains).ToList();
        Assert.Equal(["late", "early", "idle"], descending);
    }

    [Fact]
    public async Task An_unknown_provider_fails_at_start_listing_the_valid_ones()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => HubInstance.StartAsync("Greyhub:Database:Provider=mongodb"));
        var message = Flatten(ex);
        Assert.Contains("Greyhub:Database:Provider 'mongodb' is unknown; choose one of: postgres, sqlite.", message);
    }

    [Fact]
    public async Task Postgres_without_a_connection_string_fails_at_start_saying_so()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => HubInstance.StartAsync("Greyhub:Database:Provider=postgres"));
        Assert.Contains("Greyhub:Database:ConnectionString is required with the postgres provider", Flatten(ex));
    }

    [Fact]
    public async Task The_configured_provider_is_the_one_in_use()
    {
        await using var hub = await HubInstance.StartAsync();
        var options = hub.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        Assert.Equal(TestDatabase.Provider, options.Provider);
        await using var scope = hub.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        Assert.Equal(TestDatabase.IsPostgres ? "Npgsql.EntityFrameworkCore.PostgreSQL" : "Microsoft.EntityFrameworkCore.Sqlite", db.Database.ProviderName);
    }

    [Theory]
    [InlineData("sqlite", "Data Source=:memory:")]
    [InlineData("postgres", "Host=127.0.0.1;Database=unused")]
    public async Task Each_providers_migrations_match_the_model(string provider, string connectionString)
    {
        // A model change needs a migration in both provider projects; no database is opened to tell.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Greyhub:Database:Provider"] = provider,
            ["Greyhub:Database:ConnectionString"] = connectionString,
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddGreyhubSqlite().AddGreyhubPostgres();
        await using var root = services.BuildServiceProvider();
        await using var scope = root.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        Assert.Equal(provider == "postgres" ? "Npgsql.EntityFrameworkCore.PostgreSQL" : "Microsoft.EntityFrameworkCore.Sqlite", db.Database.ProviderName);
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(), $"the {provider} migrations lag behind the model: add one with dotnet ef migrations add");
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Database=unused", 64, true)]
    [InlineData("Host=127.0.0.1;Database=unused;Max Auto Prepare=0", 0, true)]
    [InlineData("Host=127.0.0.1;Database=unused;max auto prepare=7", 7, true)]
    [InlineData("Host=127.0.0.1;Database=unused;MaxAutoPrepare=0;No Reset On Close=false", 0, false)]
    [InlineData("Host=127.0.0.1;Database=unused;noresetonclose=False", 64, false)]
    public async Task Postgres_prepares_statements_and_skips_the_pool_reset_unless_the_connection_string_says_otherwise(string connectionString, int expected, bool noReset)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Greyhub:Database:Provider"] = "postgres",
            ["Greyhub:Database:ConnectionString"] = connectionString,
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddGreyhubPostgres();
        await using var root = services.BuildServiceProvider();
        await using var scope = root.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        var used = new Npgsql.NpgsqlConnectionStringBuilder(db.Database.GetConnectionString());
        Assert.Equal(expected, used.MaxAutoPrepare);
        Assert.Equal(noReset, used.NoResetOnClose);
        Assert.Equal("unused", used.Database);
    }

    private static string Flatten(Exception ex)
    {
        var parts = new List<string>();
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            parts.Add(e.Message);
            if (e is OptionsValidationException validation)
            {
                parts.AddRange(validation.Failures);
            }
        }
        return string.Join("\n", parts);
    }
}
