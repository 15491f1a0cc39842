using Greyhub.Abstractions.Hosting;
using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Services;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Hosting;

/// <summary>
/// What runs before the hub serves: migrations, configured admins, the first admin, service tokens, and reading the
/// servers to re-adopt (checked in the background once the hub listens).
/// Each step is idempotent, so a hub killed at any point starts cleanly next time.
/// </summary>
public static partial class HubStartup
{
    /// <summary>Prepares the database and configured accounts.</summary>
    public static async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        var options = provider.GetRequiredService<IOptions<HubOptions>>().Value;
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("Greyhub.Startup");
        // The data folder (through the secrets) and the schema, exactly as the admin commands prepare them.
        await HubAdmin.MigrateAsync(services, cancellationToken);
        StartupTimeline.Mark("migrations checked");
        var db = provider.GetRequiredService<HubDbContext>();
        var users = provider.GetRequiredService<UserStore>();
        var time = provider.GetRequiredService<TimeProvider>();
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var admin in options.Authenticator.AdminUsers)
        {
            await users.EnsureAsync(admin, admin: true, now, cancellationToken);
        }
        if (options.Authenticator.InitialAdmin is { Name.Length: > 0 } initial)
        {
            await users.EnsureAsync(initial.Name, admin: true, now, cancellationToken);
            if (await users.GetPasswordHashAsync(initial.Name, cancellationToken) is null)
            {
                var hasher = provider.GetRequiredService<PasswordHasher<string>>();
                await users.SetPasswordHashAsync(initial.Name, hasher.HashPassword(initial.Name, initial.Password), cancellationToken);
                LogInitialAdmin(logger, initial.Name);
            }
        }
        StartupTimeline.Mark("configured admins ensured (first model use)");
        // Configured and stored services: tokens, OAuth clients (their routes follow with the first route check).
        await provider.GetRequiredService<ServiceRegistration>().StartAsync(cancellationToken);
        // Third-party OpenID clients from configuration join the same registry.
        await provider.GetRequiredService<OAuth.ProviderClients>().SyncAsync(cancellationToken);
        StartupTimeline.Mark("services and OpenID clients registered");
        var purged = await provider.GetRequiredService<TokenStore>().PurgeExpiredAsync(now, cancellationToken);
        LogReady(logger, db.Database.ProviderName ?? "?", options.DataDir, purged);
        // A new hub nobody can sign in to is the first dead end: say how to get in (after the configured admins).
        if (!await users.AnyAsync(cancellationToken))
        {
            LogNoUsers(logger, options.DataDir);
        }
        // Only servers that are not stopped are read, and they are checked once the hub listens (ServerRecoveryJob):
        // start-up costs time for running servers, never for all users.
        StartupTimeline.Mark("expired tokens purged, users counted");
        await provider.GetRequiredService<Servers.ServerRecovery>().PrepareAsync(cancellationToken);
        StartupTimeline.Mark("servers to re-adopt read");
    }

    [LoggerMessage(EventId = HubEvents.InitialAdminCreated, Level = LogLevel.Information, Message = "Created the first admin '{Name}' from configuration")]
    private static partial void LogInitialAdmin(ILogger logger, string name);

    [LoggerMessage(EventId = HubEvents.NoUsersYet, Level = LogLevel.Warning,
        Message = "No users yet. Create the first admin with `greyhub users add --admin NAME --data-dir {DataDir}` (without the installed greyhub command: `dotnet run --project src/Greyhub.Host -- users add --admin NAME --data-dir {DataDir}` in the repository; it prompts for a password; safe while the hub runs), or set Greyhub:Authenticator:InitialAdmin:Name and :Password; then sign in.")]
    private static partial void LogNoUsers(ILogger logger, string dataDir);

    [LoggerMessage(EventId = HubEvents.DatabaseReady, Level = LogLevel.Information, Message = "Database ready ({Provider}, migrated), data in {DataDir} ({Purged} expired tokens purged)")]
    private static partial void LogReady(ILogger logger, string provider, string dataDir, int purged);
}
