using System.Diagnostics;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// An OpenID provider in node on 127.0.0.1 for the upstream-login tests (scripts in <c>oidc/</c>): the real
/// oidc-provider, or the deliberately broken one. The script prints one JSON line once it listens; disposing kills it.
/// </summary>
public sealed class OidcProviderProcess : IAsyncDisposable
{
    private const string Install = "npm ci --prefix tests/Greyhub.Host.Tests/oidc --no-audit --no-fund (test.sh does it)";
    private readonly Process _process;

    private OidcProviderProcess(Process process, JsonElement ready)
    {
        _process = process;
        Ready = ready;
    }

    /// <summary>What the script printed once listening (<c>issuer</c> or <c>base</c>).</summary>
    public JsonElement Ready { get; }

    /// <summary>Starts <c>oidc/SCRIPT</c> with <paramref name="args"/> and waits for its first line.</summary>
    public static async Task<OidcProviderProcess> StartAsync(string script, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var node = Requires.Program("node", "apt-get install -y nodejs npm");
        var folder = Folder();
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "oidc-provider")))
        {
            Requires.Missing($"oidc-provider is not installed in {folder}; install it with: {Install}");
        }
        var psi = new ProcessStartInfo(node) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(folder, script));
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        var process = Process.Start(psi)!;
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            line = null;
        }
        if (line is null)
        {
            process.Kill(entireProcessTree: true);
            lock (errors)
            {
                Assert.Fail($"node {script} did not start: {errors}");
            }
        }
        // Keep draining stdout so the script never blocks on a full pipe.
        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        return new OidcProviderProcess(process, JsonDocument.Parse(line!).RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static string Folder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Greyhub.slnx")))
            {
                return Path.Combine(dir.FullName, "tests", "Greyhub.Host.Tests", "oidc");
            }
        }
        throw new InvalidOperationException("Greyhub.slnx not found above " + AppContext.BaseDirectory);
    }
}
