using Greyhub.Data.Stores;
using Greyhub.Hub.Tokens;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Hosting;

/// <summary>Administration used by the command line (<c>greyhub token</c>, <c>greyhub users add</c>): direct, no server needed.</summary>
public static class HubAdmin
{
    /// <summary>
    /// Applies pending migrations (none when a hub has run this version; needed when <c>users add</c> comes before the
    /// first <c>serve</c>). Nothing else of the hub's start-up runs: no recovery, no housekeeping, no configured accounts.
    /// </summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        // The secrets create the data folder (owner-only) that an embedded database's file lives in; serve gets it
        // from the key ring, a first admin command before any serve must ask for it.
        _ = services.GetRequiredService<Greyhub.Hub.Auth.HubSecrets>();
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Greyhub.Data.HubDbContext>().Database.MigrateAsync(cancellationToken);
    }

    /// <summary>Whether <paramref name="name"/> is a valid user name once normalised.</summary>
    public static bool TryNormalizeUser(string name, out string normalized)
    {
        normalized = Names.NormalizeUser(name);
        return Names.IsValid(normalized);
    }

    /// <summary>Issues a token with the owner's full permissions, creating the user if needed.</summary>
    public static async Task<string> IssueTokenAsync(IServiceProvider services, string name, bool admin, string? note, CancellationToken cancellationToken)
    {
        var users = services.GetRequiredService<UserStore>();
        var time = services.GetRequiredService<TimeProvider>();
        await users.EnsureAsync(name, admin ? true : null, time.GetUtcNow().UtcDateTime, cancellationToken);
        var user = (await users.FindAsync(name, cancellationToken))!;
        var issued = await services.GetRequiredService<TokenService>().IssueAsync(user.Id, ["inherit"], note ?? "Requested via greyhub token", null, null, cancellationToken);
        return issued.Secret;
    }

    /// <summary>The shortest accepted password.</summary>
    public static int MinimumPasswordLength(IServiceProvider services) =>
        services.GetRequiredService<IOptions<HubOptions>>().Value.Authenticator.MinimumPasswordLength;

    /// <summary>Creates or updates a user and sets their password; true when created.</summary>
    public static async Task<bool> SetPasswordAsync(IServiceProvider services, string name, bool admin, string password, CancellationToken cancellationToken)
    {
        var users = services.GetRequiredService<UserStore>();
        var time = services.GetRequiredService<TimeProvider>();
        var created = await users.EnsureAsync(name, admin ? true : null, time.GetUtcNow().UtcDateTime, cancellationToken);
        var hasher = services.GetRequiredService<PasswordHasher<string>>();
        await users.SetPasswordHashAsync(name, hasher.HashPassword(name, password), cancellationToken);
        return created;
    }
}
