using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Greyhub.Testing;

namespace Greyhub.Proxy.Sni.Tests;

/// <summary>
/// One Dask cluster as the clusters brick starts it: Debian's <c>dask-scheduler</c> and one <c>dask-worker</c>, both
/// speaking mutual TLS with the cluster's own certificate. Disposing kills both process trees.
/// </summary>
internal sealed class DaskScheduler : IAsyncDisposable
{
    private const string Install = "apt-get install python3-distributed";
    private readonly List<Process> _processes = [];
    private readonly StringBuilder _log = new();

    private DaskScheduler(string name, int port, (string Ca, string Cert, string Key) pem) => (Name, Port, Pem) = (name, port, pem);

    /// <summary>The cluster's name; its TLS server name is <c>daskgateway-NAME</c>.</summary>
    public string Name { get; }

    /// <summary>The scheduler's own TLS port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The cluster's CA, certificate and key files.</summary>
    public (string Ca, string Cert, string Key) Pem { get; }

    /// <summary>What the scheduler and worker printed, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<DaskScheduler> StartAsync(string name, ClusterCertificates certificates, string directory, CancellationToken cancellationToken)
    {
        var scheduler = Requires.Program("dask-scheduler", Install);
        var worker = Requires.Program("dask-worker", Install);
        var cluster = new DaskScheduler(name, FreePort.Next(), certificates.WritePem(Path.Combine(directory, name)));
        try
        {
            cluster.Start(scheduler, ["--protocol", "tls", "--host", "127.0.0.1", "--port", cluster.Port.ToString(), "--no-dashboard", .. cluster.TlsArguments]);
            await cluster.WaitForPortAsync(cancellationToken);
            cluster.Start(worker, [$"tls://127.0.0.1:{cluster.Port}", "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny", "--no-dashboard", .. cluster.TlsArguments]);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private string[] TlsArguments => ["--tls-ca-file", Pem.Ca, "--tls-cert", Pem.Cert, "--tls-key", Pem.Key];

    private void Start(string program, string[] arguments)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        psi.Environment["OMP_NUM_THREADS"] = "1";
        psi.Environment["DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION"] = "True";
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        _processes.Add(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    private async Task WaitForPortAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_processes[0].HasExited)
            {
                throw new InvalidOperationException($"dask-scheduler exited with {_processes[0].ExitCode}:\n{Log}");
            }
            using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync("127.0.0.1", Port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
        foreach (var process in _processes)
        {
            await process.WaitForExitAsync(CancellationToken.None);
            process.Dispose();
        }
    }
}
