using System.Net;
using Greyhub.Hub.Servers;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Tests;

/// <summary>
/// jupyterhub-singleuser warns when its version differs from the hub's <c>X-JupyterHub-Version</c>; the hub, which keeps
/// saying the API version it implements, reads the server's own header when it first answers and explains that warning
/// in its log once per version (or warns, for servers older than 2.0).
/// </summary>
public sealed class SingleUserVersionTests
{
    /// <summary>A stand-in server sending the version header jupyterhub-singleuser sends on every response.</summary>
    private const string Server = "import http.server, os, urllib.parse\n"
        + "u = urllib.parse.urlparse(os.environ['JUPYTERHUB_SERVICE_URL'])\n"
        + "class H(http.server.BaseHTTPRequestHandler):\n"
        + "    def do_GET(self):\n"
        + "        self.send_response(200); self.send_header('X-JupyterHub-Version', os.environ['SINGLEUSER_VERSION']); self.send_header('Content-Length', '0'); self.end_headers()\n"
        + "    def log_message(self, *a): pass\n"
        + "http.server.HTTPServer((u.hostname, u.port), H).serve_forever()\n";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_started_server_older_than_the_api_is_explained_once_per_version()
    {
        var capture = new LogCapture();
        await using var hub = await HubInstance.StartWithAsync(b => b.Logging.AddProvider(capture), null,
            "Greyhub:Spawner:Command:0=/usr/bin/python3", "Greyhub:Spawner:Command:1=-c", "Greyhub:Spawner:Command:2=" + Server,
            "Greyhub:Spawner:Environment:SINGLEUSER_VERSION=3.0.0", "Logging:LogLevel:Greyhub.Hub.Servers=Information");
        using var admin = hub.Client(hub.AdminToken);
        foreach (var user in new[] { "ann", "ben" })
        {
            await hub.TokenForAsync(user);
            using var started = await admin.PostAsync($"hub/api/users/{user}/server", null, Ct);
            Assert.True(started.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted, started.StatusCode.ToString());
            // The progress stream ends once the server is ready.
            Assert.Contains("\"ready\": true", await admin.GetStringAsync($"hub/api/users/{user}/server/progress", Ct), StringComparison.Ordinal);
        }
        var explained = Assert.Single(capture.Lines, l => l.Id.Id == HubEvents.SingleUserVersionDiffers);
        Assert.Contains("jupyterhub-singleuser 3.0.0", explained.Text, StringComparison.Ordinal);
        Assert.Contains("\"jupyterhub version 5.4.3 != jupyterhub-singleuser version 3.0.0\"", explained.Text, StringComparison.Ordinal);
        Assert.Contains("implements the JupyterHub 5.4.3 REST API", explained.Text, StringComparison.Ordinal);
        // The hub still tells servers the truth about itself.
        using var root = await admin.GetAsync("hub/api/", Ct);
        Assert.Equal("5.4.3", Assert.Single(root.Headers.GetValues("X-JupyterHub-Version")));
        foreach (var user in new[] { "ann", "ben" })
        {
            using var _ = await admin.DeleteAsync($"hub/api/users/{user}/server", CancellationToken.None);
        }
    }

    [Fact]
    public void Only_a_different_major_minor_is_explained_and_before_2_0_it_is_a_warning()
    {
        var capture = new LogCapture();
        using var factory = LoggerFactory.Create(b => b.AddProvider(capture));
        var versions = new SingleUserVersions(factory.CreateLogger<SingleUserVersions>());
        var url = new Uri("http://127.0.0.1:1/user/x/");
        versions.Seen(url, null);
        versions.Seen(url, "5.4.0");
        versions.Seen(url, "5.4.3");
        Assert.Empty(capture.Lines);
        versions.Seen(url, "4.1.0b1");
        versions.Seen(url, "4.1.0b1");
        versions.Seen(url, "1.5.0");
        versions.Seen(url, "not a version");
        Assert.Equal([HubEvents.SingleUserVersionDiffers, HubEvents.SingleUserTooOld], capture.Lines.Select(l => l.Id.Id));
        Assert.Equal((5, 2), SingleUserVersions.MajorMinor("5.2.0.dev"));
        Assert.Equal((4, 1), SingleUserVersions.MajorMinor("4.1b1"));
        Assert.Null(SingleUserVersions.MajorMinor("5"));
    }
}
