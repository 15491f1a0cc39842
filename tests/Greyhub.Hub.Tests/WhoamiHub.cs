using System.Diagnostics;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Hub.Tests;

/// <summary>
/// A hub running the test service <c>whoami</c> (JupyterHub's <c>HubOAuth</c>/<c>HubAuth</c> in Python) as a managed
/// service behind its proxy, with <c>oauth_client_allowed_scopes</c> [<c>read:users:activity!user</c>, <c>read:groups</c>];
/// every user may access it (the <c>user</c> role adds <c>access:services!service=whoami</c>, as JupyterHub's example).
/// </summary>
public sealed class WhoamiHub : IAsyncLifetime
{
    public const string Password = "correct-horse-1";
    public const string Name = "whoami";

    public HubInstance Hub { get; private set; } = null!;

    /// <summary>Where the service listens (the hub's proxy routes <c>/services/whoami/</c> there).</summary>
    public Uri ServiceUrl { get; } = new($"http://127.0.0.1:{FreePort.Next()}");

    public async ValueTask InitializeAsync()
    {
        WhoamiService.Require();
        Hub = await HubInstance.StartAsync(
        [
            .. WhoamiService.Config(0, Name, ServiceUrl,
                "OauthClientAllowedScopes:0=read:users:activity!user", "OauthClientAllowedScopes:1=read:groups",
                "Environment:GREYHUB_TEST_MARK=from configuration"),
            "Greyhub:Roles:0:Name=user", "Greyhub:Roles:0:Scopes:0=self", $"Greyhub:Roles:0:Scopes:1=access:services!service={Name}",
        ]);
        await WaitUpAsync(Hub, Name);
    }

    public async ValueTask DisposeAsync() => await Hub.DisposeAsync();

    /// <summary>Waits until the service answers through the hub's proxy; returns what it tells of itself.</summary>
    public static async Task<JsonElement> WaitUpAsync(HubInstance hub, string service, int? notPid = null)
    {
        var client = hub.Client();
        var waited = Stopwatch.StartNew();
        ApiResponse? last = null;
        while (waited.Elapsed < TimeSpan.FromSeconds(90))
        {
            try
            {
                last = await client.GetApiAsync($"services/{service}/env");
                if (last.Code == 200 && last.Root.GetProperty("pid").GetInt32() != notPid)
                {
                    return last.Root;
                }
            }
            catch (HttpRequestException)
            {
                // The hub is restarting its proxy path or the service; ask again.
            }
            await Task.Delay(200, Api.Ct);
        }
        throw new Xunit.Sdk.XunitException($"service {service} did not answer through the hub within 90 s; last answer: {last}");
    }

    public Task<string> UserAsync(string prefix, bool admin = false) => OAuthTesting.UserAsync(Hub, prefix, admin);
}
