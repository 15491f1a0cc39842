using Greyhub.Hub.Hosting;
using Microsoft.Extensions.Options;

namespace Greyhub.Host;

/// <summary><c>greyhub token</c> and <c>greyhub users add</c>: run against the database directly, no server needed, beside a live one too.</summary>
internal static class AdminCommands
{
    public static async Task<int> TokenAsync(string[] args, string name, bool admin, string? note, CancellationToken cancellationToken)
    {
        return await WithHubAsync(args, async (services, ct) =>
        {
            if (!HubAdmin.TryNormalizeUser(name, out name))
            {
                await Console.Error.WriteLineAsync($"greyhub: invalid user name '{name}'");
                return 2;
            }
            Console.WriteLine(await HubAdmin.IssueTokenAsync(services, name, admin, note, ct));
            return 0;
        }, cancellationToken);
    }

    public static async Task<int> AddUserAsync(string[] args, string name, bool admin, bool passwordFromStdin, CancellationToken cancellationToken)
    {
        return await WithHubAsync(args, async (services, ct) =>
        {
            if (!HubAdmin.TryNormalizeUser(name, out name))
            {
                await Console.Error.WriteLineAsync($"greyhub: invalid user name '{name}'");
                return 2;
            }
            var minimum = HubAdmin.MinimumPasswordLength(services);
            var password = passwordFromStdin ? (await Console.In.ReadLineAsync(ct))?.TrimEnd('\r', '\n') : PromptPassword(name);
            if (password is null || password.Length < minimum)
            {
                await Console.Error.WriteLineAsync($"greyhub: the password must have at least {minimum} characters");
                return 2;
            }
            var created = await HubAdmin.SetPasswordAsync(services, name, admin, password, ct);
            Console.WriteLine($"{(created ? "Created" : "Updated")} user {name}{(admin ? " (admin)" : "")}");
            return 0;
        }, cancellationToken);
    }

    private static string? PromptPassword(string name)
    {
        if (Console.IsInputRedirected)
        {
            return Console.ReadLine();
        }
        Console.Write($"Password for {name}: ");
        var first = ReadHidden();
        Console.Write("Repeat password: ");
        var second = ReadHidden();
        if (first != second)
        {
            Console.Error.WriteLine("greyhub: the passwords do not match");
            return null;
        }
        return first;
    }

    private static string ReadHidden()
    {
        var chars = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.WriteLine();
                return chars.ToString();
            }
            if (key.Key == ConsoleKey.Backspace)
            {
                if (chars.Length > 0)
                {
                    chars.Length--;
                }
                continue;
            }
            chars.Append(key.KeyChar);
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> against the hub's database alone: no web host, no hosted service, no server
    /// recovery, so it is safe beside a live hub (which owns its servers, its housekeeping and its start-up work).
    /// </summary>
    private static async Task<int> WithHubAsync(string[] args, Func<IServiceProvider, CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            var configuration = HubHost.Configuration(new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true),
                [.. args, "--Logging:LogLevel:Default=Warning"]).Build();
            var services = new ServiceCollection();
            services.AddSingleton<IConfiguration>(configuration);
            services.AddLogging(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
            services.AddGreyhubAdmin().UseSqlite().UsePostgres();
            await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
            await HubAdmin.MigrateAsync(provider, cancellationToken);
            await using var scope = provider.CreateAsyncScope();
            return await action(scope.ServiceProvider, cancellationToken);
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("greyhub: invalid configuration:\n  " + string.Join("\n  ", ex.Failures));
            return 2;
        }
    }
}
