using Microsoft.AspNetCore.Builder;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>The end of every test that runs a hub: stop it (which ends its managed plug-ins), then remove its data folder.</summary>
internal static class HubTeardown
{
    public static async Task StopAsync(WebApplication app, string data)
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
            // A process the hub started may still be closing a file in it; the test root is swept later.
        }
    }
}
