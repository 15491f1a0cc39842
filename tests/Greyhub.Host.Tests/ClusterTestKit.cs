using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// A user's view of the hub's Dask Gateway API (with the <c>Authorization: jupyterhub</c> header the Gateway client
/// sends), Debian's Python running the <c>greyhub</c> module, and the processes of a cluster found by its name.
/// </summary>
internal sealed class ClusterTestKit : IDisposable
{
    private readonly HttpClient _http;

    public ClusterTestKit(Uri hub, string token)
    {
        Hub = hub;
        Token = token;
        _http = new HttpClient { BaseAddress = new Uri(hub, "services/dask-gateway/api/"), Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("jupyterhub", token);
    }

    public Uri Hub { get; }

    public string Token { get; }

    public HttpClient Http => _http;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Where the build put the <c>greyhub</c> Python package (next to the hub's binaries).</summary>
    public static string PythonPath => Path.Combine(AppContext.BaseDirectory, "python");

    public async Task<string> CreateAsync(object? options = null)
    {
        using var response = await _http.PostAsJsonAsync("v1/clusters/", new { cluster_options = options ?? new { } }, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("name").GetString()!;
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        using var response = await _http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async Task<JsonElement> GetAsync(string name)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "v1/clusters/" + name);
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        return body;
    }

    /// <summary>Polls the cluster until <paramref name="done"/> holds, failing with the last model after <paramref name="patience"/>.</summary>
    public async Task<JsonElement> WaitAsync(string name, Func<JsonElement, bool> done, TimeSpan patience, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var model = await GetAsync(name);
            if (done(model))
            {
                return model;
            }
            Assert.True(watch.Elapsed < patience, $"cluster {name} not {what} after {patience}: {model}");
            await Task.Delay(250, Ct);
        }
    }

    public Task<JsonElement> WaitRunningAsync(string name) =>
        WaitAsync(name, m => m.GetProperty("status").GetString() is "RUNNING" or "FAILED" or "STOPPED", TimeSpan.FromSeconds(60), "running");

    public Task<JsonElement> WaitWorkersAsync(string name, int count) =>
        WaitAsync(name, m => m.GetProperty("workers").GetInt32() == count && m.GetProperty("workers_requested").GetInt32() == count && WorkerPids(name).Count == count,
            TimeSpan.FromSeconds(90), $"at {count} workers");

    public Task<JsonElement> WaitEndedAsync(string name, TimeSpan patience) =>
        WaitAsync(name, m => m.GetProperty("status").GetString() is "STOPPED" or "FAILED", patience, "ended");

    /// <summary>Every live process whose command line names the cluster (its scheduler and workers).</summary>
    public static List<int> Pids(string name) => ProcessesMatching(name, null);

    /// <summary>The cluster's live worker processes.</summary>
    public static List<int> WorkerPids(string name) => ProcessesMatching(name, "dask-worker-" + name);

    private static List<int> ProcessesMatching(string name, string? also)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // A zombie (state Z) has ended; only its parent has not read its exit yet.
                var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
                if (cmdline.Contains(name, StringComparison.Ordinal) && (also is null || cmdline.Contains(also, StringComparison.Ordinal)) && state != "Z"
                    && !cmdline.Contains("-c ", StringComparison.Ordinal) && !IsContainerInit(cmdline))
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
                // Ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return pids;
    }

    // A container's init (PID 1 inside, forwarding signals) carries its job's command line: the job is its child.
    private static bool IsContainerInit(string cmdline) =>
        cmdline.Split(' ', 2)[0] is var program && (program.EndsWith("podman-init", StringComparison.Ordinal)
            || program.EndsWith("catatonit", StringComparison.Ordinal) || program.EndsWith("docker-init", StringComparison.Ordinal));

    /// <summary>Waits until no process of the cluster is left.</summary>
    public static async Task AssertGoneAsync(string name)
    {
        var watch = Stopwatch.StartNew();
        while (Pids(name) is { Count: > 0 } left)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"processes of cluster {name} still running: {string.Join(", ", left)}");
            await Task.Delay(200, Ct);
        }
    }

    /// <summary>Runs <paramref name="script"/> with Debian's Python as this user's notebook would (hub URL and token in the environment).</summary>
    public Process StartPython(string script)
    {
        Requires.Program(DebianPython.Path, "apt-get install -y python3-distributed");
        var psi = new ProcessStartInfo(DebianPython.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-u");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        psi.Environment["PYTHONPATH"] = PythonPath;
        psi.Environment["JUPYTERHUB_API_URL"] = new Uri(Hub, "hub/api").ToString();
        psi.Environment["JUPYTERHUB_API_TOKEN"] = Token;
        return Process.Start(psi)!;
    }

    public async Task<string> RunPythonAsync(string script, TimeSpan patience)
    {
        using var process = StartPython(script);
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"python did not finish within {patience}:\n{await stderr}\n{await stdout}");
        }
        Assert.True(process.ExitCode == 0, $"python exited with {process.ExitCode}:\n{await stderr}\n{await stdout}");
        return await stdout;
    }

    public void Dispose() => _http.Dispose();
}
