using Greyhub.Abstractions.Authentication;

namespace Greyhub.Authentication.TestKit;

/// <summary>
/// What every <see cref="IPasswordAuthenticator"/> must do, as tests each authenticator's test class inherits: the right
/// password gives the user, a wrong one, an unknown user and an empty password give null (never an exception), answers
/// do not mix under concurrent logins, and <see cref="IPasswordAuthenticator.PreSpawnStartAsync"/> answers a dictionary.
/// </summary>
public abstract class PasswordAuthenticatorConformance : IAsyncLifetime
{
    /// <summary>The authenticator under test.</summary>
    protected abstract IPasswordAuthenticator CreateAuthenticator();

    /// <summary>Users the authenticator knows, with their passwords (at least two).</summary>
    protected abstract IReadOnlyList<(string User, string Password)> KnownUsers { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task The_right_password_gives_the_user()
    {
        var (user, password) = KnownUsers[0];
        var authenticated = await CreateAuthenticator().AuthenticateAsync(user, password, Ct);
        Assert.NotNull(authenticated);
        Assert.Equal(user, authenticated.Name);
    }

    [Fact]
    public async Task A_wrong_password_an_unknown_user_and_an_empty_password_give_null()
    {
        var authenticator = CreateAuthenticator();
        var (user, password) = KnownUsers[0];
        Assert.Null(await authenticator.AuthenticateAsync(user, password + "-wrong", Ct));
        Assert.Null(await authenticator.AuthenticateAsync("nobody-" + Guid.NewGuid().ToString("N")[..8], password, Ct));
        Assert.Null(await authenticator.AuthenticateAsync(user, "", Ct));
        // Another user's password is not this user's.
        Assert.Null(await authenticator.AuthenticateAsync(user, KnownUsers[1].Password, Ct));
    }

    [Fact]
    public async Task Concurrent_logins_get_their_own_answers()
    {
        var authenticator = CreateAuthenticator();
        var attempts = Enumerable.Range(0, 12).Select(i =>
        {
            var (user, password) = KnownUsers[i % KnownUsers.Count];
            var right = i % 3 != 0;
            return (User: user, Right: right, Task: authenticator.AuthenticateAsync(user, right ? password : password + "-no", Ct));
        }).ToList();
        await Task.WhenAll(attempts.Select(a => a.Task));
        foreach (var (user, right, task) in attempts)
        {
            Assert.Equal(right ? user : null, (await task)?.Name);
        }
    }

    [Fact]
    public async Task Pre_spawn_start_answers_an_environment()
    {
        var authenticator = CreateAuthenticator();
        var (user, password) = KnownUsers[0];
        var authenticated = await authenticator.AuthenticateAsync(user, password, Ct);
        Assert.NotNull(authenticated);
        var environment = await authenticator.PreSpawnStartAsync(authenticated with { Admin = authenticated.Admin ?? false, Groups = authenticated.Groups ?? [] }, "", Ct);
        Assert.NotNull(environment);
        Assert.All(environment, e => Assert.False(string.IsNullOrEmpty(e.Key), "an environment variable without a name"));
    }
}
