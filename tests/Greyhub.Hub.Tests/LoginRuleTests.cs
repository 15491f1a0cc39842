using Greyhub.Hub.Auth;
using Greyhub.Hub.Login;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Greyhub.Hub.Tests;

/// <summary>JupyterHub 5's allow/block rules and the failed-login throttle, on a fake clock.</summary>
public sealed class LoginRuleTests
{
    private static AccessPolicy Policy(Action<AuthenticatorOptions> configure)
    {
        var options = new HubOptions();
        configure(options.Authenticator);
        return new AccessPolicy(Options.Create(options));
    }

    [Fact]
    public void Blocked_users_never_log_in_even_when_admin_or_allowed()
    {
        var policy = Policy(a =>
        {
            a.AllowAll = true;
            a.AdminUsers = ["mallory"];
            a.AllowedUsers = ["mallory"];
            a.BlockedUsers = ["mallory"];
        });
        Assert.False(policy.MayLogIn("mallory", exists: true));
        Assert.True(policy.IsBlocked("mallory"));
        Assert.True(policy.MayLogIn("anyone", exists: false));
    }

    [Theory]
    [InlineData(false, null, "stranger", false, false)]
    [InlineData(false, null, "existing", true, true)]
    [InlineData(false, false, "existing", true, false)]
    [InlineData(false, false, "listed", false, true)]
    [InlineData(false, false, "root", false, true)]
    [InlineData(false, true, "existing", true, true)]
    [InlineData(true, false, "stranger", false, true)]
    public void Allow_rules(bool allowAll, bool? allowExisting, string name, bool exists, bool expected)
    {
        var policy = Policy(a =>
        {
            a.AllowAll = allowAll;
            a.AllowExistingUsers = allowExisting;
            a.AllowedUsers = ["listed"];
            a.AdminUsers = ["root"];
        });
        Assert.Equal(expected, policy.MayLogIn(name, exists));
        Assert.Equal(name == "root", policy.IsConfiguredAdmin(name));
    }

    private static (LoginThrottle Throttle, FakeTimeProvider Time) Throttle(int limit = 3, int windowSeconds = 60)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = new HubOptions();
        options.Authenticator.FailedLoginLimit = limit;
        options.Authenticator.FailedLoginWindow = TimeSpan.FromSeconds(windowSeconds);
        return (new LoginThrottle(time, Options.Create(options)), time);
    }

    [Fact]
    public void Throttle_blocks_a_user_name_after_the_limit_until_the_window_passes()
    {
        var (throttle, time) = Throttle();
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(throttle.RetryAfter("ann", "10.0.0.1"));
            throttle.Failed("ann", "10.0.0.1");
            time.Advance(TimeSpan.FromSeconds(1));
        }
        var wait = throttle.RetryAfter("ann", "10.0.0.2");
        Assert.NotNull(wait);
        // The oldest failure was 3 s ago in a 60 s window.
        Assert.Equal(57, wait);
        Assert.Null(throttle.RetryAfter("ben", "10.0.0.2"));
        time.Advance(TimeSpan.FromSeconds(57) + TimeSpan.FromMilliseconds(1));
        Assert.Null(throttle.RetryAfter("ann", "10.0.0.2"));
    }

    [Fact]
    public void Throttle_counts_a_client_address_across_user_names()
    {
        var (throttle, _) = Throttle(limit: 2);
        // Four times the per-user limit per address.
        for (var i = 0; i < 8; i++)
        {
            throttle.Failed("user" + i, "203.0.113.9");
        }
        Assert.NotNull(throttle.RetryAfter("fresh", "203.0.113.9"));
        Assert.Null(throttle.RetryAfter("fresh", "203.0.113.10"));
    }

    [Fact]
    public void Throttle_counts_an_ipv6_client_per_64_network_as_it_holds_all_of_it()
    {
        var (throttle, _) = Throttle(limit: 2);
        // Eight addresses of one /64: one client, four times the per-user limit.
        for (var i = 1; i <= 8; i++)
        {
            throttle.Failed("user" + i, $"2001:db8:0:1::{i:x}");
        }
        Assert.NotNull(throttle.RetryAfter("fresh", "2001:db8:0:1:ffff:ffff:ffff:ffff"));
        Assert.Null(throttle.RetryAfter("fresh", "2001:db8:0:2::1"));
        // An IPv4 client seen on a dual-stack socket is the IPv4 address.
        for (var i = 0; i < 8; i++)
        {
            throttle.Failed("other" + i, "::ffff:203.0.113.9");
        }
        Assert.NotNull(throttle.RetryAfter("fresh", "203.0.113.9"));
    }

    [Fact]
    public void A_flood_of_new_names_does_not_wipe_the_record_of_the_account_under_attack()
    {
        var (throttle, time) = Throttle(limit: 2);
        // 50,000 records (a name and an address each) from long ago, then the attack on one account.
        for (var i = 0; i < 25_000; i++)
        {
            throttle.Failed("junk" + i, "10.1." + (i / 256) + "." + (i % 256));
        }
        time.Advance(TimeSpan.FromMinutes(2));
        throttle.Failed("victim", "198.51.100.1");
        throttle.Failed("victim", "198.51.100.2");
        Assert.NotNull(throttle.RetryAfter("victim", "198.51.100.3"));
    }

    [Fact]
    public void Success_clears_the_user_name_record()
    {
        var (throttle, _) = Throttle();
        for (var i = 0; i < 3; i++)
        {
            throttle.Failed("ann", "10.0.0." + i);
        }
        Assert.NotNull(throttle.RetryAfter("ann", "10.0.0.9"));
        throttle.Succeeded("ann");
        Assert.Null(throttle.RetryAfter("ann", "10.0.0.9"));
    }
}
