using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Tests;

/// <summary>
/// OpenIddict's request handling stays off the hub's own endpoints (issue 15's leftover: it ran on every request):
/// OpenIddict's dispatcher, logging each event it processes at Debug, processes no request event for a call routed to
/// one of the hub's own endpoints (even the provider's userinfo, which the hub serves itself), and still processes its
/// own requests (discovery, the token endpoint), which land on the hub's catch-alls.
/// </summary>
public sealed class ProviderRequestGateTests
{
    private const string Dispatcher = "OpenIddict.Server.OpenIddictServerDispatcher";

    [Fact]
    public async Task OpenIddict_processes_its_own_requests_and_none_of_the_hubs_api()
    {
        var capture = new LogCapture();
        await using var hub = await HubInstance.StartWithAsync(b => b.Logging.AddProvider(capture), null, "Logging:LogLevel:OpenIddict=Debug");
        var admin = hub.Client(hub.AdminToken);

        var before = capture.Lines.Count;
        (await admin.GetApiAsync("hub/api/user")).Is(200);
        (await admin.GetApiAsync("hub/api/users")).Is(200);
        (await admin.GetApiAsync("hub/api/oauth2/userinfo")).Is(200);
        Assert.DoesNotContain(capture.Lines.Skip(before), l => l.Category == Dispatcher);

        before = capture.Lines.Count;
        var discovery = (await admin.GetApiAsync("hub/.well-known/openid-configuration")).Is(200).Root;
        Assert.Equal(new Uri(hub.Address, "hub/").ToString(), discovery.GetProperty("issuer").GetString());
        Assert.Equal(new Uri(hub.Address, "hub/api/oauth2/token").ToString(), discovery.GetProperty("token_endpoint").GetString());
        Assert.Contains(capture.Lines.Skip(before), l => l.Category == Dispatcher && l.Text.Contains("ProcessRequestContext", StringComparison.Ordinal));

        // The token endpoint is OpenIddict's: a request without a grant is refused in OAuth's words, not the API fallback's 404.
        before = capture.Lines.Count;
        using var token = await hub.Client().PostAsync("hub/api/oauth2/token", new FormUrlEncodedContent([]), TestContext.Current.CancellationToken);
        Assert.Equal(400, (int)token.StatusCode);
        using var error = System.Text.Json.JsonDocument.Parse(await token.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("invalid_request", error.RootElement.GetProperty("error").GetString());
        Assert.Contains(capture.Lines.Skip(before), l => l.Category == Dispatcher && l.Text.Contains("ProcessRequestContext", StringComparison.Ordinal));
    }
}
