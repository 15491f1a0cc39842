using System.Runtime.CompilerServices;
using Greyhub.Abstractions.Hosting;
using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Tokens;
using Greyhub.Hub.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Hosting;

/// <summary>
/// Administration used by the command line (<c>greyhub token</c>, <c>greyhub users ...</c>): direct, no server needed,
/// through the same services as the REST API.
/// </summary>
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
        var database = scope.ServiceProvider.GetRequiredService<Greyhub.Data.HubDbContext>().Database;
        StartupTimeline.Mark("secrets read, database context made");
        // A database already at the latest migration (every start but the first after an upgrade) needs only the
        // history table read: Migrate itself would also build the migrations' model and compare it with the current
        // one, a large part of a start's CPU, for nothing.
        if ((await database.GetPendingMigrationsAsync(cancellationToken)).Any())
        {
            await database.MigrateAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Whether the database exists, without creating it or the data folder: commands that read or change existing
    /// users refuse to start an empty hub in the wrong folder.
    /// </summary>
    public static async Task<bool> DatabaseExistsAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        return await db.Database.GetService<IRelationalDatabaseCreator>().ExistsAsync(cancellationToken);
    }

    /// <summary>A user by name, or null.</summary>
    public static Task<UserRecord?> FindUserAsync(IServiceProvider services, string name, CancellationToken cancellationToken) =>
        services.GetRequiredService<UserService>().FindAsync(name, cancellationToken);

    /// <summary>Every user, by name, read a page at a time as <c>GET /hub/api/users</c> reads them.</summary>
    public static async IAsyncEnumerable<UserRecord> ListUsersAsync(IServiceProvider services, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var users = services.GetRequiredService<UserService>();
        const int PageSize = 500;
        for (var offset = 0; ; offset += PageSize)
        {
            var page = await users.ListAsync(new UserQuery { Offset = offset, Limit = PageSize, Sort = "name", CountTotal = false }, cancellationToken);
            foreach (var user in page.Items)
            {
                yield return user;
            }
            if (page.Items.Count < PageSize)
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// Deletes a user with their tokens and memberships, as <c>DELETE /hub/api/users/{name}</c> does; false when there
    /// is no such user.
    /// </summary>
    /// <exception cref="InvalidOperationException">The hub refuses: the user has a server running or pending, which
    /// only the live hub can stop (the command line never touches servers).</exception>
    public static async Task<bool> RemoveUserAsync(IServiceProvider services, string name, CancellationToken cancellationToken)
    {
        var users = services.GetRequiredService<UserService>();
        if (await users.FindAsync(name, cancellationToken) is not { } user)
        {
            return false;
        }
        try
        {
            await users.DeleteAsync(user, CommandLineCaller(services), cancellationToken);
            return true;
        }
        catch (HubException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
    }

    /// <summary>Sets an existing user's password; false when there is no such user.</summary>
    public static async Task<bool> ChangePasswordAsync(IServiceProvider services, string name, string password, CancellationToken cancellationToken)
    {
        try
        {
            await SetPasswordHashAsync(services, name, password, cancellationToken);
            // Every login session of the user ends: their cookies carry the old password's stamp (a running hub reads the
            // new one within IdentityResolver.CacheLifetime), and the OAuth tokens they authorized are deleted here.
            if (await services.GetRequiredService<UserStore>().FindAsync(name, cancellationToken) is { } user)
            {
                await services.GetRequiredService<OAuthStore>().DeleteOtherSessionsTokensAsync(user.Id, keepSessionId: null, cancellationToken);
            }
            return true;
        }
        catch (NotFoundException)
        {
            return false;
        }
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
        await SetPasswordHashAsync(services, name, password, cancellationToken);
        return created;
    }

    private static Task SetPasswordHashAsync(IServiceProvider services, string name, string password, CancellationToken cancellationToken) =>
        services.GetRequiredService<UserStore>().SetPasswordHashAsync(name, services.GetRequiredService<PasswordHasher<string>>().HashPassword(name, password), cancellationToken);

    /// <summary>The command line acts as an admin service: whoever can run it can read the database and the keys anyway.</summary>
    private static RequestIdentity CommandLineCaller(IServiceProvider services)
    {
        // Only its name and admin flag decide its scopes; it has no client or route.
        var cli = new ServiceDefinition { Name = "greyhub-command-line", Admin = true, OauthClientId = "", Prefix = "" };
        return new RequestIdentity { Kind = "service", Name = cli.Name, Admin = true, Scopes = services.GetRequiredService<HubRoles>().ScopesOfService(cli) };
    }
}
