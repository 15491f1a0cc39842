using Greyhub.Abstractions.Authentication;
using Greyhub.Authentication.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The authenticator conformance kit against the hub's own built-in users (passwords hashed in the database), as a
/// running hub resolves it: one instance per request scope, so each call here gets its own scope, as each login does.
/// </summary>
public sealed class BuiltInAuthenticatorConformanceTests : PasswordAuthenticatorConformance
{
    private HubInstance? _hub;

    protected override IReadOnlyList<(string User, string Password)> KnownUsers { get; } =
        [(Api.Unique("kit"), "kit-password-one"), (Api.Unique("kit"), "kit-password-two")];

    protected override IPasswordAuthenticator CreateAuthenticator() => new PerRequest(_hub!.Services);

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _hub = await HubInstance.StartAsync();
        foreach (var (user, password) in KnownUsers)
        {
            await _hub.SetPasswordAsync(user, password);
        }
        Assert.Equal("builtin", new PerRequest(_hub.Services).Name);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }
    }

    /// <summary>The hub's <see cref="IPasswordAuthenticator"/>, resolved in a scope of its own for each call (as per request).</summary>
    private sealed class PerRequest(IServiceProvider services) : IPasswordAuthenticator
    {
        public string Name => Use(a => a.Name);

        public async Task<AuthenticatedUser?> AuthenticateAsync(string userName, string password, CancellationToken cancellationToken)
        {
            await using var scope = services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<IPasswordAuthenticator>().AuthenticateAsync(userName, password, cancellationToken);
        }

        public async Task<IReadOnlyDictionary<string, string>> PreSpawnStartAsync(AuthenticatedUser user, string serverName, CancellationToken cancellationToken)
        {
            await using var scope = services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<IPasswordAuthenticator>().PreSpawnStartAsync(user, serverName, cancellationToken);
        }

        private T Use<T>(Func<IPasswordAuthenticator, T> use)
        {
            using var scope = services.CreateScope();
            return use(scope.ServiceProvider.GetRequiredService<IPasswordAuthenticator>());
        }
    }
}
