using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// The real <c>greyhub serve</c> with a proxy in its own process that the hub starts (<c>Greyhub:Proxy:External</c>):
/// Debian's configurable-http-proxy unchanged, or <c>greyhub proxy</c>. Ports are free loopback ones; the token is the
/// test's, so the test can read the proxy's routes itself.
/// </summary>
internal sealed class ExternalProxy
{
    /// <summary>Debian's configurable-http-proxy.</summary>
    public const string ConfigurableHttpProxy = "/usr/bin/configurable-http-proxy";

    private const string Install = "apt-get install -y node-configurable-http-proxy";

    private ExternalProxy(IReadOnlyList<string> command)
    {
        Command = command;
        PublicUrl = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        ApiUrl = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
    }

    public IReadOnlyList<string> Command { get; }

    public Uri PublicUrl { get; }

    public Uri ApiUrl { get; }

    public string Token { get; } = Convert.ToHexString(Guid.NewGuid().ToByteArray());

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Debian's configurable-http-proxy (fails with how to install it when missing).</summary>
    public static ExternalProxy Chp() => new([Requires.Program(ConfigurableHttpProxy, Install)]);

    /// <summary>Any command as the proxy (one that fails, say).</summary>
    public static ExternalProxy Of(params string[] command) => new(command);

    /// <summary>Greyhub's own <c>greyhub proxy</c>, from the build next to the tests.</summary>
    public static ExternalProxy GreyhubVerb() => new([Requires.Program("dotnet", "the .NET 10 SDK (README)"), GreyhubProcess.Dll, "proxy"]);

    /// <summary>The hub's arguments for this proxy, plus <paramref name="extra"/>.</summary>
    public List<string> HubArgs(params string[] extra)
    {
        var args = new List<string>
        {
            "--Greyhub:Proxy:External:ApiUrl=" + ApiUrl,
            "--Greyhub:Proxy:External:PublicUrl=" + PublicUrl,
            "--Greyhub:Proxy:External:AuthToken=" + Token,
            // Restarts are noticed within a second (JupyterHub checks every 5).
            "--Greyhub:Proxy:External:CheckRunningInterval=00:00:01",
        };
        args.AddRange(Command.Select((c, i) => $"--Greyhub:Proxy:External:Command:{i}={c}"));
        args.AddRange(extra);
        return args;
    }

    /// <summary>Starts the hub with this proxy; Debian's CHP finds its node modules through NODE_PATH, as its package documents.</summary>
    public Task<GreyhubProcess> StartHubAsync(string? dataDir, int? port, params string[] extra) =>
        GreyhubProcess.StartAsync(new Dictionary<string, string> { ["NODE_PATH"] = "/usr/share/nodejs" }, dataDir, HubArgs(extra), port, Ct);

    /// <summary>The pid in the hub's proxy pid file, or null.</summary>
    public static int? Pid(GreyhubProcess hub)
    {
        var file = Path.Combine(hub.DataDir, "proxy.pid");
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    /// <summary>The proxy's routes, read from its REST API with the token.</summary>
    public async Task<JsonElement> RoutesAsync()
    {
        using var api = new HttpClient { BaseAddress = ApiUrl };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", Token);
        return await api.GetFromJsonAsync<JsonElement>("api/routes", Ct);
    }

    /// <summary>Waits until <paramref name="path"/> answers 200 through the proxy with <paramref name="token"/>; returns the time it took.</summary>
    public async Task<TimeSpan> WaitForOkAsync(string path, string? token, TimeSpan patience)
    {
        using var client = new HttpClient { BaseAddress = PublicUrl, Timeout = TimeSpan.FromSeconds(10) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", token);
        }
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var last = "";
        while (watch.Elapsed < patience)
        {
            try
            {
                using var response = await client.GetAsync(path, Ct);
                if (response.IsSuccessStatusCode)
                {
                    return watch.Elapsed;
                }
                last = response.StatusCode.ToString();
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            await Task.Delay(20, Ct);
        }
        Assert.Fail($"{path} did not answer 200 through the proxy within {patience}; last: {last}");
        return watch.Elapsed;
    }

    /// <summary>Whether a process runs (a zombie does not).</summary>
    public static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Waits until <paramref name="pid"/> has ended; false when it still runs after <paramref name="patience"/>.</summary>
    public static async Task<bool> EndedAsync(int pid, TimeSpan patience)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (Alive(pid))
        {
            if (watch.Elapsed > patience)
            {
                return false;
            }
            await Task.Delay(50, Ct);
        }
        return true;
    }

    /// <summary>Ends a process this test's hub started and left behind (a failed assertion midway), by its pid.</summary>
    public static void EndLeftover(int? pid)
    {
        if (pid is { } p && Alive(p))
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(p);
                process.Kill();
            }
            catch (ArgumentException)
            {
                // Gone meanwhile.
            }
        }
    }
}
