using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary><c>greyhub proxy</c> run as JupyterHub 3.0's <c>ConfigurableHTTPProxy.start()</c> runs configurable-http-proxy.</summary>
public sealed class ProxyCliTests
{
    [Fact]
    public async Task Proxy_takes_jupyterhubs_command_line_serves_the_api_and_stops_cleanly_on_sigterm()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Next();
        var apiPort = FreePort.Next();
        var pidFile = Path.Combine(Path.GetTempPath(), $"greyhub-proxy-{Guid.NewGuid():N}.pid");
        // Exactly the flags JupyterHub 3.0 passes (proxy.py), plus one it passes with subdomains, which is ignored.
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var arg in new[]
        {
            GreyhubProcess.Dll, "proxy", "--ip", "127.0.0.1", "--port", $"{port}", "--api-ip", "127.0.0.1", "--api-port", $"{apiPort}",
            "--error-target", "http://127.0.0.1:8081/hub/error", "--log-level", "info", "--host-routing", "--pid-file", pidFile,
        })
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment["CONFIGPROXY_AUTH_TOKEN"] = "cli-secret";
        using var process = Process.Start(psi)!;
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}/") };
            api.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "token cli-secret");
            await WaitForAsync(api, process, stderr, ct);

            using var added = await api.PostAsync("api/routes/user/alice",
                new StringContent($$"""{"user": "alice", "server_name": "", "target": "http://127.0.0.1:{{apiPort}}", "jupyterhub": true}""", Encoding.UTF8, "application/json"), ct);
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
            var routes = JsonDocument.Parse(await api.GetStringAsync("api/routes", ct)).RootElement;
            Assert.Equal($"http://127.0.0.1:{apiPort}", routes.GetProperty("/user/alice").GetProperty("target").GetString());
            Assert.Equal(process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), (await File.ReadAllTextAsync(pidFile, ct)).Trim());

            // The route leads to the API itself here (any server would do): the path arrives as sent.
            using var browser = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            using var forwarded = await browser.GetAsync("user/alice/api/routes", ct);
            Assert.Equal(HttpStatusCode.NotFound, forwarded.StatusCode);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(ct);
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.False(File.Exists(pidFile));
            lock (stderr)
            {
                Assert.Contains("--host-routing is accepted for configurable-http-proxy compatibility but ignored", stderr.ToString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Proxy_help_names_the_accepted_but_ignored_flags()
    {
        var (code, stdout, stderr) = await GreyhubProcess.RunAsync(["proxy", "--help"], cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(code == 0, stderr);
        Assert.Contains("--default-target", stdout, StringComparison.Ordinal);
        Assert.Contains("Accepted but ignored:", stdout, StringComparison.Ordinal);
        Assert.Contains("--api-ssl-request-cert", stdout, StringComparison.Ordinal);
    }

    private static async Task WaitForAsync(HttpClient api, Process process, StringBuilder stderr, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                lock (stderr)
                {
                    throw new InvalidOperationException($"greyhub proxy exited with {process.ExitCode}:\n{stderr}");
                }
            }
            try
            {
                using var response = await api.GetAsync("api/routes", ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100, ct);
        }
        throw new TimeoutException("greyhub proxy did not answer within 60 s");
    }
}
