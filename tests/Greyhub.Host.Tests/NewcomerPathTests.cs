using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// The newcomer's path (issue #13), exactly as the README tells it: a fresh clone of this repository's committed HEAD,
/// the README's run command in the folder it names, the first admin made with the README's CLI command, then in
/// headless Chromium: sign in, Start on the home page, the notebook opens, a cell runs, Stop on the home page, the
/// server shows as stopped. The commands are read out of README.md, so the test fails when the README and reality drift.
/// Screenshots of every step go to <see cref="PageChecks.ScreenshotFolder"/> (prefix <c>newcomer-</c>).
/// </summary>
public sealed partial class NewcomerPathTests
{
    private const string Admin = "alice";
    private const string Password = "a newcomer's password";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_fresh_clone_following_the_readme_runs_a_cell_and_stops_the_server()
    {
        Requires.Program("/usr/bin/git", "apt-get install -y git");
        Requires.Program("/usr/bin/jupyterhub-singleuser", "apt-get install -y jupyterhub python3-ipykernel");
        File.Delete(TimingsFile);
        var total = Stopwatch.StartNew();
        var readme = Readme.Read(RepositoryRoot);
        var clone = Directory.CreateTempSubdirectory("greyhub-newcomer-").FullName;
        Process? hubProcess = null;
        var hubLog = new StringBuilder();
        try
        {
            // 1. A clone of the committed HEAD (what a newcomer gets from the forge; the working tree's edits are not in it).
            var head = (await RunAsync(RepositoryRoot, "git", ["rev-parse", "HEAD"])).Trim();
            await RunAsync(Path.GetTempPath(), "git", ["clone", "--quiet", "--no-checkout", RepositoryRoot, clone]);
            await RunAsync(clone, "git", ["checkout", "--quiet", head]);
            Report($"clone: {total.Elapsed.TotalSeconds:F1} s");

            // 2. The README's run command, in the folder the README says (the repository root), on a free port (--urls,
            // which the README documents): restore and build from scratch in the clone, then the hub.
            Assert.Contains("From the repository root", readme.RunSection, StringComparison.Ordinal);
            var port = FreePort.Next();
            var address = new Uri($"http://127.0.0.1:{port}/");
            var run = readme.RunCommand;
            var runArgs = run.Skip(1).Concat(run.Contains("--") ? [] : ["--"]).Concat(["--urls", address.ToString().TrimEnd('/')]);
            var watch = Stopwatch.StartNew();
            hubProcess = Start(clone, run[0], runArgs, hubLog);
            await WaitUntilAnsweringAsync(hubProcess, address, hubLog);
            Report($"README run command to a hub answering (restore + build in the clone + start): {watch.Elapsed.TotalSeconds:F1} s");
            // What the README promises about the first start: the data folder is ./greyhub-data where it runs, and the log
            // says how to create the first admin.
            Assert.True(File.Exists(Path.Combine(clone, "greyhub-data", "greyhub.sqlite")), "no ./greyhub-data/greyhub.sqlite in the folder the README's command ran in:\n" + Log(hubLog));
            Assert.Contains("Create the first admin", Log(hubLog), StringComparison.Ordinal);
            await using var chromium = await Chromium.OpenPageAsync(newContext: b => PageChecks.NewContextAsync(b));
            var page = chromium.Page;
            // The login page says what to do before anyone exists, including the command for a newcomer without `greyhub`.
            await page.GotoAsync(address.ToString());
            var firstRun = await page.InnerTextAsync("#first-run");
            Assert.Contains(string.Join(' ', readme.FirstAdminCommand.Take(readme.FirstAdminCommand.Count - 1)), firstRun, StringComparison.Ordinal);
            await PageChecks.CheckAsync(page, "newcomer-0-login-no-users");

            // 3. The first admin with the README's command (its `dotnet run` form), the password on stdin as for a script.
            watch.Restart();
            var add = readme.FirstAdminCommand;
            Assert.Contains(Admin, add);
            var output = await RunAsync(clone, add[0], add.Skip(1), stdin: Password + "\n");
            Assert.Contains("Created user " + Admin, output, StringComparison.Ordinal);
            Report($"README first-admin command: {watch.Elapsed.TotalSeconds:F1} s");

            // 4. The browser: sign in, Start, the notebook, a cell, Stop.
            watch.Restart();
            var pages = new PageWatch(page);
            await page.GotoAsync(address.ToString());
            await page.Locator("#username_input").WaitForAsync();
            await PageChecks.CheckAsync(page, "newcomer-1-login");
            await page.FillAsync("#username_input", Admin);
            await page.FillAsync("#password_input", Password);
            await page.ClickAsync("#login_submit");
            await page.Locator("#home-user").WaitForAsync();
            Assert.Equal("stopped", await page.InnerTextAsync("#phase-default"));
            await PageChecks.CheckAsync(page, "newcomer-2-home");

            var startPressed = Stopwatch.StartNew();
            await page.ClickAsync("#start-default");
            // One click (the default configuration has nothing to choose): the progress page, then the server.
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.StartsWith("/hub/spawn-pending/" + Admin, StringComparison.Ordinal)
                || new Uri(url).AbsolutePath.StartsWith("/user/" + Admin + "/", StringComparison.Ordinal));
            if (new Uri(page.Url).AbsolutePath.StartsWith("/hub/spawn-pending/", StringComparison.Ordinal))
            {
                await PageChecks.ScreenshotAsync(page, "newcomer-3-progress");
            }
            await pages.ShownAsync("#ipython-main-app");
            Report($"Start pressed to the notebook's file list on screen: {startPressed.Elapsed.TotalSeconds:F1} s");
            Assert.Equal($"/user/{Admin}/", await page.GetAttributeAsync("body", "data-base-url"));
            await PageChecks.ScreenshotAsync(page, "newcomer-4-notebook-files");

            // A new notebook from the UI's own "New" menu, as a person would; it opens in a new tab.
            await page.ClickAsync("#new-dropdown-button");
            var tab = await page.Context.RunAndWaitForPageAsync(() => page.ClickAsync("#kernel-python3 > a"));
            var notebook = new PageWatch(tab);
            await notebook.ShownAsync("#kernel_indicator_icon.kernel_idle_icon");
            await tab.Locator(".CodeMirror").First.ClickAsync();
            await tab.Keyboard.TypeAsync("print(6*7)");
            await tab.Keyboard.PressAsync("Shift+Enter");
            var result = tab.Locator(".output_subarea.output_stream pre, .output_subarea.output_text pre").First;
            await result.WaitForAsync();
            Assert.Equal("42", (await result.InnerTextAsync()).Trim());
            await PageChecks.ScreenshotAsync(tab, "newcomer-5-cell-ran");
            await tab.CloseAsync();

            // Stop from the home page; the server shows as stopped.
            await page.GotoAsync(new Uri(address, "hub/home").ToString());
            await page.Locator("#stop-default").WaitForAsync();
            await PageChecks.CheckAsync(page, "newcomer-6-home-running");
            await page.ClickAsync("#stop-default");
            await page.Locator("#home-user").WaitForAsync();
            for (var attempt = 0; await page.InnerTextAsync("#phase-default") != "stopped"; attempt++)
            {
                // Stopping takes a moment (the server is asked to end, then waited for); the page shows it, a person reloads.
                Assert.True(attempt < 120, "the home page never showed the server as stopped: " + await page.InnerTextAsync("#phase-default") + "\n" + Log(hubLog));
                await Task.Delay(500, Ct);
                await page.ReloadAsync();
            }
            await page.Locator("#start-default").WaitForAsync();
            await PageChecks.CheckAsync(page, "newcomer-7-home-stopped");
            Report($"browser part (sign in, Start, cell, Stop): {watch.Elapsed.TotalSeconds:F1} s");
            await chromium.Context.CloseAsync();
            Report($"whole newcomer path: {total.Elapsed.TotalSeconds:F1} s; screenshots in {PageChecks.ScreenshotFolder}");
        }
        finally
        {
            if (hubProcess is not null)
            {
                if (!hubProcess.HasExited)
                {
                    hubProcess.Kill(entireProcessTree: true);
                    await hubProcess.WaitForExitAsync(CancellationToken.None);
                }
                hubProcess.Dispose();
            }
            // Servers run in their own session and outlive the hub by design: end whatever still runs in the clone.
            KillProcessesUnder(clone);
            Directory.Delete(clone, recursive: true);
        }
    }

    /// <summary>The commands a newcomer types, read out of README.md.</summary>
    private sealed partial record Readme(string RunSection, IReadOnlyList<string> RunCommand, IReadOnlyList<string> FirstAdminCommand)
    {
        public static Readme Read(string root)
        {
            var text = File.ReadAllText(Path.Combine(root, "README.md"));
            var run = Section(text, "Run it");
            var login = Section(text, "First login");
            // "`greyhub` is the installed command; without it, `dotnet run --project src/Greyhub.Host --` in its place".
            var instead = InPlaceOfGreyhub().Match(login);
            Assert.True(instead.Success, "README's First login no longer says what to type in place of `greyhub` without it installed");
            var add = FirstCommand(login);
            Assert.Equal("greyhub", add[0]);
            return new Readme(run, FirstCommand(run), [.. Words(instead.Groups[1].Value), .. add.Skip(1)]);
        }

        private static string Section(string text, string heading)
        {
            var start = text.IndexOf("\n## " + heading + "\n", StringComparison.Ordinal);
            Assert.True(start >= 0, $"README.md has no section \"## {heading}\"");
            var end = text.IndexOf("\n## ", start + 4, StringComparison.Ordinal);
            return text[start..(end < 0 ? text.Length : end)];
        }

        /// <summary>The first line of the section's first <c>```sh</c> block, without its comment.</summary>
        private static IReadOnlyList<string> FirstCommand(string section)
        {
            var block = ShellBlock().Match(section);
            Assert.True(block.Success, "no ```sh block in README section:\n" + section);
            var line = block.Groups[1].Value.Split('\n')[0];
            var comment = line.IndexOf('#', StringComparison.Ordinal);
            return Words(comment < 0 ? line : line[..comment]);
        }

        private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        [GeneratedRegex(@"```sh\n(.*?)```", RegexOptions.Singleline)]
        private static partial Regex ShellBlock();

        [GeneratedRegex(@"without it,\s+`([^`]+)`\s+in its place")]
        private static partial Regex InPlaceOfGreyhub();
    }

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

    /// <summary>A step's time, in the test's output and in <c>newcomer-timings.txt</c> beside the screenshots.</summary>
    private static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Directory.CreateDirectory(PageChecks.ScreenshotFolder);
        File.AppendAllText(TimingsFile, $"{TimeProvider.System.GetUtcNow():u} {line}\n");
    }

    private static string TimingsFile => Path.Combine(PageChecks.ScreenshotFolder, "newcomer-timings.txt");

    private static string Log(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    private static ProcessStartInfo Psi(string folder, string program, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(program)
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment["DOTNET_NOLOGO"] = "1";
        // The build in the clone leaves no MSBuild nodes behind (the test ends what it starts).
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        return psi;
    }

    /// <summary>Runs a command to completion; its stdout, or a failure with everything it printed.</summary>
    private static async Task<string> RunAsync(string folder, string program, IEnumerable<string> args, string? stdin = null)
    {
        using var process = Process.Start(Psi(folder, program, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} (in {folder}) exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        return await stdout;
    }

    private static Process Start(string folder, string program, IEnumerable<string> args, StringBuilder log)
    {
        var process = Process.Start(Psi(folder, program, args))!;
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (log)
                {
                    log.AppendLine(line);
                }
            }
        }
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return process;
    }

    /// <summary>Waits for the hub to answer; a restore and build from scratch comes first, so the wait is long.</summary>
    private static async Task WaitUntilAnsweringAsync(Process process, Uri address, StringBuilder log)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(process.HasExited, $"the README's run command exited with {(process.HasExited ? process.ExitCode : 0)}:\n{Log(log)}");
            // A generous bound, not a timing check: the build from scratch took 5-10 minutes on a busy 2-core machine.
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(30), "the README's run command (a restore and build from scratch, then the hub) did not bring up a hub within 30 minutes:\n" + Log(log));
            if (await GreyhubProcess.AnswersAsync(client, Ct))
            {
                return;
            }
            await Task.Delay(250, Ct);
        }
    }

    /// <summary>Ends, by process id, every process whose working folder is inside <paramref name="folder"/> (a server left by a failed run).</summary>
    private static void KillProcessesUnder(string folder)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                var cwd = new DirectoryInfo(Path.Combine(dir, "cwd")).ResolveLinkTarget(returnFinalTarget: false)?.FullName;
                if (cwd is not null && (cwd == folder || cwd.StartsWith(folder + "/", StringComparison.Ordinal)))
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone meanwhile, or not ours to look at.
            }
        }
    }
}
