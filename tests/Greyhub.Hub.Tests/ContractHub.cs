using Greyhub.Data;
using Greyhub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>One hub shared by the contract tests of a class, with a service that has a role and one that has none.</summary>
public sealed class ContractHub : IAsyncLifetime
{
    public const string CullerToken = "culler-token-0123456789abcdef0123";
    public const string LonelyToken = "lonely-token-0123456789abcdef0123";

    public HubInstance Hub { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Hub = await HubInstance.StartAsync(
            "Greyhub:Services:0:Name=culler",
            "Greyhub:Services:0:ApiToken=" + CullerToken,
            "Greyhub:Services:0:Url=http://127.0.0.1:10101",
            "Greyhub:Services:0:Info:purpose=culling",
            "Greyhub:Services:1:Name=lonely",
            "Greyhub:Services:1:ApiToken=" + LonelyToken,
            "Greyhub:Roles:0:Name=idle-culler",
            "Greyhub:Roles:0:Scopes:0=list:users",
            "Greyhub:Roles:0:Scopes:1=read:users:activity",
            "Greyhub:Roles:0:Scopes:2=read:servers",
            "Greyhub:Roles:0:Scopes:3=delete:servers",
            "Greyhub:Roles:0:Services:0=culler",
            "Greyhub:Roles:1:Name=prometheus",
            "Greyhub:Roles:1:Scopes:0=read:metrics",
            "Greyhub:Roles:1:Users:0=prom");
        Admin = Hub.Client(Hub.AdminToken);
    }

    public async ValueTask DisposeAsync() => await Hub.DisposeAsync();

    /// <summary>Creates users through the API (as admin); returns their names.</summary>
    public async Task<string[]> UsersAsync(params string[] names)
    {
        (await Admin.PostApiAsync("hub/api/users", new { usernames = names })).Is(201);
        return names;
    }

    /// <summary>Gives a user a server record directly in the database (no spawner exists yet).</summary>
    public async Task AddServerAsync(string user, string serverName, string phase)
    {
        await using var scope = Hub.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        var id = await db.Users.Where(u => u.Name == user).Select(u => u.Id).SingleAsync(Api.Ct);
        db.Servers.Add(new ServerEntity { UserId = id, Name = serverName, Phase = phase });
        await db.SaveChangesAsync(Api.Ct);
    }
}
