using System.Diagnostics;
using System.Reflection;

namespace Greyhub.Host.Tests;

/// <summary>
/// A newcomer's first hour on the command line (issue #13): the README's commands read <c>greyhub.json</c> and write
/// <c>greyhub-data</c> where they are run, the log says what it read and how to get in, <c>--help</c> shows what
/// matters, and an installed <c>greyhub</c> answers without <c>dotnet run</c>.
/// </summary>
public sealed class FirstHourTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Greyhub.slnx")))
            {
                dir = dir.Parent;
            }
            Assert.NotNull(dir);
            return dir!.FullName;
        }
    }

    /// <summary>The configuration these tests were built in (Debug, Release): greyhub was built in it too.</summary>
    private static string BuildConfiguration =>
        typeof(FirstHourTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;

    [Fact]
    public async Task Dotnet_run_reads_greyhub_json_and_writes_data_in_the_folder_it_is_run_from()
    {
        var folder = Directory.CreateTempSubdirectory("greyhub-run-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "greyhub.json"), """{ "Greyhub": { "DataDir": "data-from-json" } }""");
            // The README's command, from another folder (the SDK used to run it in src/Greyhub.Host).
            var psi = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = folder,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var arg in new[] { "run", "--project", Path.Combine(RepositoryRoot, "src", "Greyhub.Host"), "--no-build", "-c", BuildConfiguration,
                "--", "users", "add", "--password-stdin", "ada" })
            {
                psi.ArgumentList.Add(arg);
            }
            psi.Environment["DOTNET_NOLOGO"] = "1";
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync(Ct);
            var stderr = process.StandardError.ReadToEndAsync(Ct);
            await process.StandardInput.WriteLineAsync("a fine password");
            process.StandardInput.Close();
            await process.WaitForExitAsync(Ct);
            Assert.True(process.ExitCode == 0, await stdout + await stderr);
            Assert.Contains("Created user ada", await stdout, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(folder, "data-from-json", "greyhub.sqlite")),
                "no database in the folder greyhub.json names: " + string.Join(", ", Directory.EnumerateFileSystemEntries(folder)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Without_options_the_data_goes_to_greyhub_data_in_the_current_folder()
    {
        var folder = Directory.CreateTempSubdirectory("greyhub-cwd-").FullName;
        try
        {
            var (code, _, stderr) = await GreyhubProcess.RunInAsync(folder, ["users", "add", "ada"], "a fine password\n", Ct);
            Assert.True(code == 0, stderr);
            Assert.True(File.Exists(Path.Combine(folder, "greyhub-data", "greyhub.sqlite")));
            (code, var stdout, stderr) = await GreyhubProcess.RunInAsync(folder, ["users", "list"], cancellationToken: Ct);
            Assert.True(code == 0, stderr);
            Assert.Contains("ada", stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_log_names_the_configuration_file_and_the_data_folder_and_how_to_create_the_first_admin()
    {
        var folder = Directory.CreateTempSubdirectory("greyhub-log-").FullName;
        try
        {
            var configuration = Path.Combine(folder, "greyhub.json");
            File.WriteAllText(configuration, """{ "Greyhub": { "Servers": { "CheckRoutesInterval": "01:00:00" } } }""");
            var dataDir = Path.Combine(folder, "data");
            string log;
            await using (var hub = await GreyhubProcess.StartInAsync(folder, new Dictionary<string, string>(), dataDir, null, null, Ct))
            {
                log = await LogUntilStartedAsync(hub);
            }
            Assert.Contains($"Configuration from {configuration}", log, StringComparison.Ordinal);
            Assert.Contains($"data in {dataDir}", log, StringComparison.Ordinal);
            Assert.Contains($"No users yet. Create the first admin with `greyhub users add --admin NAME --data-dir {dataDir}`", log, StringComparison.Ordinal);

            // Without greyhub.json the log says where it looked; with a user, no first-admin hint.
            File.Delete(configuration);
            dataDir = Path.Combine(folder, "data2");
            var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--admin", "--data-dir", dataDir, "alice"], "a fine password\n", Ct);
            Assert.True(code == 0, stderr);
            await using (var hub = await GreyhubProcess.StartInAsync(folder, new Dictionary<string, string>(), dataDir, null, null, Ct))
            {
                log = await LogUntilStartedAsync(hub);
            }
            Assert.Contains($"No greyhub.json in {folder} (the folder greyhub runs in)", log, StringComparison.Ordinal);
            Assert.Contains($"data in {dataDir}", log, StringComparison.Ordinal);
            Assert.DoesNotContain("No users yet", log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Help_shows_urls_and_data_dir_with_their_defaults()
    {
        var (code, stdout, stderr) = await GreyhubProcess.RunAsync(["--help"], cancellationToken: Ct);
        Assert.True(code == 0, stderr);
        var urls = stdout.Split('\n').Single(l => l.TrimStart().StartsWith("--urls", StringComparison.Ordinal));
        Assert.Contains("default: http://127.0.0.1:8000", urls, StringComparison.Ordinal);
        var dataDir = stdout.Split('\n').Single(l => l.TrimStart().StartsWith("--data-dir", StringComparison.Ordinal));
        Assert.Contains("default: greyhub-data in the current folder", dataDir, StringComparison.Ordinal);
        Assert.Contains("greyhub.json", stdout, StringComparison.Ordinal);
        // Every hub GreyhubProcess starts is given `serve --urls ...`: the declared option still reaches Kestrel.
    }

    [Fact]
    public async Task Misspelt_commands_are_refused_with_a_suggestion_and_start_nothing()
    {
        var folder = Directory.CreateTempSubdirectory("greyhub-typo-").FullName;
        try
        {
            var (code, _, stderr) = await GreyhubProcess.RunInAsync(folder, ["tokne", "alice"], cancellationToken: Ct);
            Assert.Equal(2, code);
            Assert.Contains("unknown command 'tokne'. Did you mean 'token'?", stderr, StringComparison.Ordinal);

            // After an option too, and after serve: a stray word is not configuration.
            (code, _, stderr) = await GreyhubProcess.RunInAsync(folder, ["--urls", "http://127.0.0.1:0", "srve"], cancellationToken: Ct);
            Assert.Equal(2, code);
            Assert.Contains("Did you mean 'serve'?", stderr, StringComparison.Ordinal);
            (code, _, stderr) = await GreyhubProcess.RunInAsync(folder, ["serve", "--urls", "http://127.0.0.1:0", "foo"], cancellationToken: Ct);
            Assert.Equal(2, code);
            Assert.Contains("unexpected argument 'foo'", stderr, StringComparison.Ordinal);

            (code, var stdout, stderr) = await GreyhubProcess.RunInAsync(folder, ["users", "lst"], cancellationToken: Ct);
            Assert.NotEqual(0, code);
            Assert.Contains("'lst' was not matched. Did you mean one of the following?", stdout + stderr, StringComparison.Ordinal);
            Assert.Contains("list", stdout + stderr, StringComparison.Ordinal);

            Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_install_script_gives_a_greyhub_command_that_runs_without_dotnet_run()
    {
        var prefix = Directory.CreateTempSubdirectory("greyhub-install-").FullName;
        var folder = Directory.CreateTempSubdirectory("greyhub-installed-").FullName;
        try
        {
            // --no-build: publish what the tests' own build of greyhub left (a real install builds Release first).
            var install = await RunAsync(folder, Path.Combine(RepositoryRoot, "scripts", "install.sh"), "--no-build", "--configuration", BuildConfiguration, "--prefix", prefix);
            Assert.True(install.ExitCode == 0, install.Output);
            Assert.Contains($"launcher {prefix}/bin/greyhub", install.Output, StringComparison.Ordinal);

            var greyhub = Path.Combine(prefix, "bin", "greyhub");
            var help = await RunAsync(folder, greyhub, "--help");
            Assert.True(help.ExitCode == 0, help.Output);
            Assert.Contains("--data-dir", help.Output, StringComparison.Ordinal);
            var add = await RunAsync(folder, "/bin/sh", "-c", $"echo 'a fine password' | '{greyhub}' users add --admin ada");
            Assert.True(add.ExitCode == 0, add.Output);
            var list = await RunAsync(folder, greyhub, "users", "list");
            Assert.True(list.ExitCode == 0, list.Output);
            Assert.Matches(@"\nada\s+yes\s", list.Output);
            Assert.True(File.Exists(Path.Combine(folder, "greyhub-data", "greyhub.sqlite")));

            var uninstall = await RunAsync(folder, Path.Combine(RepositoryRoot, "scripts", "install.sh"), "--uninstall", "--prefix", prefix);
            Assert.True(uninstall.ExitCode == 0, uninstall.Output);
            Assert.False(File.Exists(greyhub));
        }
        finally
        {
            Directory.Delete(prefix, recursive: true);
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The hub's log once it has started (log lines are written asynchronously, after it answers).</summary>
    private static async Task<string> LogUntilStartedAsync(GreyhubProcess hub)
    {
        var watch = Stopwatch.StartNew();
        while (!hub.Log.Contains("Application started", StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50, Ct);
        }
        return hub.Log;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, "\n" + await stdout + await stderr);
    }
}
