using Microsoft.Playwright;

namespace Greyhub.Host.Tests;

/// <summary>
/// What a newcomer gets by following the README: the hub with its default configuration (no profile, no UI setting),
/// Start pressed in a real browser. It lands in the UI the machine has — Debian 12 ships no JupyterLab, so the classic
/// Notebook (python3-notebook) — and a cell runs; the hub's log says at start which UI servers open, and explains the
/// version warning the single-user server prints. A hub whose single-user program is missing says so at start, and
/// Start shows why instead of a dead end.
/// </summary>
public sealed class BrowserDefaultServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Start_with_the_default_configuration_opens_the_notebook_and_runs_a_cell()
    {
        Greyhub.Testing.Requires.Program("/usr/bin/jupyterhub-singleuser", "apt-get install -y jupyterhub python3-ipykernel");
        var dataDir = await DataDirWithUserAsync("ada", "analytical engine");
        await using var hub = await GreyhubProcess.StartAsync(dataDir, cancellationToken: Ct);
        await using var chromium = await Chromium.OpenPageAsync();
        var page = chromium.Page;
        var watch = new PageWatch(page);

        await LoginAsync(page, hub, "ada", "analytical engine");
        await PressStartAsync(page, "ada");
        // The default URL is a page that exists: the classic Notebook's file list, not Jupyter's "404 : Not Found".
        await watch.ShownAsync("#ipython-main-app");
        Assert.Equal("/user/ada/tree", new Uri(page.Url).AbsolutePath.TrimEnd('/'));
        Assert.Equal("/user/ada/", await page.GetAttributeAsync("body", "data-base-url"));

        var created = await page.EvaluateAsync<string>("""
            async () => {
              const xsrf = document.cookie.split('; ').find(c => c.startsWith('_xsrf='))?.split('=')[1] ?? '';
              const r = await fetch('/user/ada/api/contents', { method: 'POST', headers: { 'X-XSRFToken': decodeURIComponent(xsrf), 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'notebook' }) });
              return (await r.json()).path;
            }
            """);
        await page.GotoAsync(new Uri(hub.Address, "user/ada/notebooks/" + created).ToString());
        await watch.ShownAsync("#kernel_indicator_icon.kernel_idle_icon");
        await page.Locator(".CodeMirror").First.ClickAsync();
        await page.Keyboard.TypeAsync("6*7");
        await page.Keyboard.PressAsync("Shift+Enter");
        var output = page.Locator(".output_result pre, .output_subarea.output_text pre").First;
        await output.WaitForAsync();
        Assert.Equal("42", (await output.InnerTextAsync()).Trim());

        // The log said at start what servers would open, found from the single-user program's own Python.
        Assert.Matches(@"Servers running (/usr)?/bin/jupyterhub-singleuser \(jupyterhub 3\.0\.0, notebook 6\.", hub.Log);
        Assert.Contains("open the classic Notebook at /tree", hub.Log, StringComparison.Ordinal);
        // The server warns about the version difference, as Debian's 3.0 does against any 5.x hub; the hub explains it.
        var serverLog = string.Concat(Directory.GetFiles(Path.Combine(dataDir, "jobs"), "*.log").Select(File.ReadAllText));
        Assert.Contains("jupyterhub version 5.4.3 != jupyterhub-singleuser version 3.0.0", serverLog, StringComparison.Ordinal);
        Assert.Contains("Servers run jupyterhub-singleuser 3.0.0", hub.Log, StringComparison.Ordinal);
        Assert.Contains("Expected and harmless", hub.Log, StringComparison.Ordinal);
        await chromium.Context.CloseAsync();
    }

    [Fact]
    public async Task A_missing_single_user_program_is_logged_at_start_and_start_says_what_to_install()
    {
        var dataDir = await DataDirWithUserAsync("bea", "difference engine");
        await using var hub = await GreyhubProcess.StartAsync(dataDir, ["--Greyhub:Spawner:Command:0=/opt/greyhub-nowhere/jupyterhub-singleuser"], cancellationToken: Ct);
        // The hub serves (its API, users and tokens need no Jupyter), and its log names the problem and the fix.
        await WaitForLogAsync(hub, "/opt/greyhub-nowhere/jupyterhub-singleuser is not on this machine");
        Assert.Contains("apt-get install jupyterhub", hub.Log, StringComparison.Ordinal);

        await using var chromium = await Chromium.OpenPageAsync();
        var page = chromium.Page;
        await LoginAsync(page, hub, "bea", "difference engine");
        await PressStartAsync(page, "bea");
        var error = page.Locator("#spawn-error");
        await error.WaitForAsync();
        var text = await error.InnerTextAsync();
        Assert.Contains("not installed on the hub's machine", text, StringComparison.Ordinal);
        Assert.Contains("apt-get install jupyterhub", text, StringComparison.Ordinal);
        // Nothing was launched.
        Assert.False(Directory.Exists(Path.Combine(dataDir, "jobs")) && Directory.EnumerateFiles(Path.Combine(dataDir, "jobs")).Any());
        await chromium.Context.CloseAsync();
    }

    private static async Task<string> DataDirWithUserAsync(string user, string password)
    {
        var dataDir = Directory.CreateTempSubdirectory("greyhub-browser-default-").FullName;
        var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--password-stdin", "--data-dir", dataDir, user], password + "\n", Ct);
        Assert.True(code == 0, stderr);
        return dataDir;
    }

    private static async Task LoginAsync(IPage page, GreyhubProcess hub, string user, string password)
    {
        await page.GotoAsync(new Uri(hub.Address, "hub/login").ToString());
        await page.FillAsync("#username_input", user);
        await page.FillAsync("#password_input", password);
        await page.ClickAsync("#login_submit");
        await page.Locator("#start-default").WaitForAsync();
    }

    /// <summary>Home's Start; the start form when the hub shows one (no profiles: a single button); then the progress page or the server.</summary>
    private static async Task PressStartAsync(IPage page, string user)
    {
        await page.ClickAsync("#start-default");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.StartsWith("/hub/spawn", StringComparison.Ordinal) || new Uri(url).AbsolutePath.StartsWith("/user/", StringComparison.Ordinal));
        if (new Uri(page.Url).AbsolutePath.TrimEnd('/') == "/hub/spawn/" + user)
        {
            await page.ClickAsync("#start");
        }
    }

    private static async Task WaitForLogAsync(GreyhubProcess hub, string text)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!hub.Log.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"the hub never logged \"{text}\":\n{hub.Log}");
            await Task.Delay(100, Ct);
        }
    }
}
