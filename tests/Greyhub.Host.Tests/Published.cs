using System.Diagnostics;

namespace Greyhub.Host.Tests;

/// <summary>
/// The release artifacts of <c>scripts/publish.sh</c> (the self-contained ReadyToRun tarball and the <c>dotnet tool</c>
/// package), built once per test run into a temporary folder and shared by the tests that install them.
/// </summary>
internal static class Published
{
    private static readonly Lazy<Task<Artifacts>> Once = new(BuildAsync);

    /// <summary>The artifacts, published on first use (a few minutes: a Release build of the hub, compiled ahead of time).</summary>
    public static Task<Artifacts> GetAsync() => Once.Value;

    /// <summary>The repository this test build comes from.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Greyhub.slnx")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException("Greyhub.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Runs <paramref name="program"/> to completion in <paramref name="workingDirectory"/>; fails the test on a non-zero exit.</summary>
    public static async Task<string> RunAsync(string workingDirectory, string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? patience = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(patience ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', psi.ArgumentList)} did not finish in time:\n{await stderr}");
        }
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', psi.ArgumentList)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        return await stdout;
    }

    private static async Task<Artifacts> BuildAsync()
    {
        var output = Directory.CreateTempSubdirectory("greyhub-publish-").FullName;
        // Shared by several tests, so it lives as long as the test process: its temp folder goes when the process ends
        // (tests/Shared/TestTempRoot.cs).
        var printed = await RunAsync(RepositoryRoot, "bash", [Path.Combine(RepositoryRoot, "scripts", "publish.sh"), "--output", output], patience: TimeSpan.FromMinutes(20));
        var paths = printed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var tarball = Assert.Single(paths, p => p.EndsWith("-linux-x64.tar.gz", StringComparison.Ordinal));
        var tool = Assert.Single(paths, p => p.EndsWith(".nupkg", StringComparison.Ordinal));
        return new Artifacts(output, tarball, Path.GetDirectoryName(tool)!);
    }

    /// <summary>Where <c>scripts/publish.sh</c> put its artifacts.</summary>
    public sealed record Artifacts(string Folder, string Tarball, string ToolSource);
}
