using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Tests;

/// <summary>What the hub's log says about failed logins: the address, never the name tried (it is often a password typed in the wrong box).</summary>
public sealed class LoginLogTests
{
    [Fact]
    public async Task Failed_and_throttled_logins_never_log_the_user_name_tried()
    {
        var capture = new LogCapture();
        await using var hub = await HubInstance.StartWithAsync(b => b.Logging.AddProvider(capture), null,
            "Logging:LogLevel:Default=Debug", "Greyhub:Authenticator:FailedLoginLimit=2");
        const string Tried = "hunter2-canary-q7";
        using var browser = new Browser(hub);
        var xsrf = Browser.XsrfOf((await browser.GetAsync("hub/login")).Body);
        var statuses = new List<int>();
        foreach (var name in new[] { Tried, Tried, Tried, "Other-CANARY\u0001" })
        {
            statuses.Add((await browser.PostFormAsync("hub/login", ("username", name), ("password", "wrong-password"), ("_xsrf", xsrf))).Status);
        }

        Assert.Equal([403, 403, 429, 403], statuses);
        // The lines are there, with the client's address.
        Assert.Contains(capture.Lines, l => l.Id.Id == 201 && l.Text.Contains("127.0.0.1", StringComparison.Ordinal));
        Assert.Contains(capture.Lines, l => l.Id.Id == 202);
        Assert.DoesNotContain(capture.Lines, l => l.Text.Contains("canary", StringComparison.OrdinalIgnoreCase));
    }
}
