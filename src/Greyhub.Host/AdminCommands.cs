using System.Globalization;
using Greyhub.Hub;
using Greyhub.Hub.Hosting;
using Microsoft.Extensions.Options;

namespace Greyhub.Host;

/// <summary>
/// <c>greyhub token</c> and <c>greyhub users ...</c>: run against the database directly, no server needed, beside a
/// live one too. Exit codes: 0 done, 1 refused (no such user, not confirmed, a server still running), 2 invalid input
/// or configuration.
/// </summary>
internal static class AdminCommands
{
    public static async Task<int> TokenAsync(string[] args, string name, bool admin, string? note, CancellationToken cancellationToken)
    {
        if (!ValidName(ref name))
        {
            return 2;
        }
        return await WithHubAsync(args, existingDatabase: false, async (services, ct) =>
        {
            Console.WriteLine(await HubAdmin.IssueTokenAsync(services, name, admin, note, ct));
            return 0;
        }, cancellationToken);
    }

    public static async Task<int> AddUserAsync(string[] args, string name, bool admin, bool passwordFromStdin, CancellationToken cancellationToken)
    {
        if (!ValidName(ref name))
        {
            return 2;
        }
        return await WithHubAsync(args, existingDatabase: false, async (services, ct) =>
        {
            if (await ReadPasswordAsync(services, name, passwordFromStdin, ct) is not { } password)
            {
                return 2;
            }
            var created = await HubAdmin.SetPasswordAsync(services, name, admin, password, ct);
            Console.WriteLine($"{(created ? "Created" : "Updated")} user {name}{(admin ? " (admin)" : "")}");
            return 0;
        }, cancellationToken);
    }

    public static async Task<int> ListUsersAsync(string[] args, CancellationToken cancellationToken)
    {
        return await WithHubAsync(args, existingDatabase: true, async (services, ct) =>
        {
            var rows = new List<string[]>();
            await foreach (var user in HubAdmin.ListUsersAsync(services, ct))
            {
                rows.Add([user.Name, user.Admin ? "yes" : "no", Time(user.Created), user.LastActivity is { } last ? Time(last) : "never"]);
            }
            if (rows.Count == 0)
            {
                await Console.Error.WriteLineAsync("No users yet. Create the first admin: greyhub users add --admin NAME");
                return 0;
            }
            rows.Insert(0, ["NAME", "ADMIN", "CREATED", "LAST ACTIVITY"]);
            var widths = Enumerable.Range(0, 4).Select(c => rows.Max(r => r[c].Length)).ToArray();
            foreach (var row in rows)
            {
                Console.WriteLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))));
            }
            return 0;
        }, cancellationToken);
    }

    public static async Task<int> RemoveUserAsync(string[] args, string name, bool yes, CancellationToken cancellationToken)
    {
        if (!ValidName(ref name))
        {
            return 2;
        }
        return await WithHubAsync(args, existingDatabase: true, async (services, ct) =>
        {
            if (await HubAdmin.FindUserAsync(services, name, ct) is null)
            {
                await Console.Error.WriteLineAsync($"greyhub: no user '{name}' (greyhub users list shows them).");
                return 1;
            }
            if (!yes && !await Prompts.ConfirmAsync($"Remove user {name} with their tokens and group memberships?", ct))
            {
                await Console.Error.WriteLineAsync($"greyhub: {name} was not removed (answer y, or pass --yes).");
                return 1;
            }
            try
            {
                if (!await HubAdmin.RemoveUserAsync(services, name, ct))
                {
                    await Console.Error.WriteLineAsync($"greyhub: no user '{name}' (removed meanwhile).");
                    return 1;
                }
            }
            catch (InvalidOperationException ex)
            {
                await Console.Error.WriteLineAsync($"greyhub: {ex.Message} (from the hub: the Stop button on its pages, or DELETE /hub/api/users/{name}/server).");
                return 1;
            }
            Console.WriteLine($"Removed user {name}");
            return 0;
        }, cancellationToken);
    }

    public static async Task<int> ChangePasswordAsync(string[] args, string name, bool passwordFromStdin, CancellationToken cancellationToken)
    {
        if (!ValidName(ref name))
        {
            return 2;
        }
        return await WithHubAsync(args, existingDatabase: true, async (services, ct) =>
        {
            if (await HubAdmin.FindUserAsync(services, name, ct) is null)
            {
                await Console.Error.WriteLineAsync($"greyhub: no user '{name}'; create one with greyhub users add {name}.");
                return 1;
            }
            if (await ReadPasswordAsync(services, name, passwordFromStdin, ct) is not { } password)
            {
                return 2;
            }
            if (!await HubAdmin.ChangePasswordAsync(services, name, password, ct))
            {
                await Console.Error.WriteLineAsync($"greyhub: no user '{name}' (removed meanwhile).");
                return 1;
            }
            Console.WriteLine($"Changed the password of {name}");
            return 0;
        }, cancellationToken);
    }

    private static bool ValidName(ref string name)
    {
        if (HubAdmin.TryNormalizeUser(name, out var normalized))
        {
            name = normalized;
            return true;
        }
        Console.Error.WriteLine($"greyhub: invalid user name '{name}'");
        return false;
    }

    /// <summary>A new password, at least as long as the hub requires; null (reported) otherwise.</summary>
    private static async Task<string?> ReadPasswordAsync(IServiceProvider services, string name, bool fromStdin, CancellationToken cancellationToken)
    {
        var minimum = HubAdmin.MinimumPasswordLength(services);
        var password = await Prompts.NewPasswordAsync(name, fromStdin, cancellationToken);
        if (password is not null && password.Length < minimum)
        {
            await Console.Error.WriteLineAsync($"greyhub: the password must have at least {minimum} characters");
            return null;
        }
        return password;
    }

    private static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Runs <paramref name="action"/> against the hub's database alone: no web host, no hosted service, no server
    /// recovery, so it is safe beside a live hub (which owns its servers, its housekeeping and its start-up work).
    /// With <paramref name="existingDatabase"/>, a missing database is an error rather than created: reading users in
    /// the wrong folder must not leave an empty hub there.
    /// </summary>
    internal static async Task<int> WithHubAsync(string[] args, bool existingDatabase, Func<IServiceProvider, CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            var configuration = HubHost.Configuration(new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true),
                [.. args, "--Logging:LogLevel:Default=Warning"]).Build();
            HubHost.CheckSettings(configuration);
            var services = new ServiceCollection();
            services.AddSingleton<IConfiguration>(configuration);
            services.AddLogging(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
            services.AddGreyhubAdmin().UseSqlite().UsePostgres();
            services.AddGreyhubDatasets();
            await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
            if (existingDatabase && !await HubAdmin.DatabaseExistsAsync(provider, cancellationToken))
            {
                var dataDir = provider.GetRequiredService<IOptions<HubOptions>>().Value.DataDir;
                await Console.Error.WriteLineAsync($"greyhub: no hub database for the data folder {dataDir} {HubHost.ConfigurationFileNote()}. "
                    + "Run greyhub in the folder the hub runs in, or pass --data-dir (the hub's log names its data folder at start).");
                return 1;
            }
            await HubAdmin.MigrateAsync(provider, cancellationToken);
            await using var scope = provider.CreateAsyncScope();
            return await action(scope.ServiceProvider, cancellationToken);
        }
        catch (SettingsException ex)
        {
            await Console.Error.WriteLineAsync(SettingsCheck.Format(ex.Problems) + "\n" + HubHost.ConfigurationFileNote());
            return 2;
        }
        catch (InvalidDataException ex)
        {
            await Console.Error.WriteLineAsync(HubHost.Unreadable(ex));
            return 2;
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("greyhub: invalid configuration:\n  " + string.Join("\n  ", ex.Failures) + "\n" + HubHost.ConfigurationFileNote());
            return 2;
        }
    }
}
