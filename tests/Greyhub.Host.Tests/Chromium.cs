using Greyhub.Testing;
using Microsoft.Playwright;

namespace Greyhub.Host.Tests;

/// <summary>Debian's headless Chromium driven by Playwright (no browser download: the system one).</summary>
public static class Chromium
{
    public const string Path = "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        Requires.Program(Path, "apt-get install -y chromium");
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Path,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            ],
        });
        return (playwright, browser);
    }

    /// <summary>Chromium with one context and one page, waiting up to <paramref name="timeoutMs"/> by default; disposing it ends them all.</summary>
    public static async Task<BrowserPage> OpenPageAsync(float timeoutMs = 90_000, Func<IBrowser, Task<IBrowserContext>>? newContext = null)
    {
        var (playwright, browser) = await LaunchAsync();
        var context = await (newContext ?? (b => b.NewContextAsync()))(browser);
        context.SetDefaultTimeout(timeoutMs);
        return new BrowserPage(playwright, browser, context, await context.NewPageAsync());
    }
}

/// <summary>A page in its own context of its own Chromium (<see cref="Chromium.OpenPageAsync"/>).</summary>
public sealed class BrowserPage(IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IBrowser Browser { get; } = browser;

    public IBrowserContext Context { get; } = context;

    public IPage Page { get; } = page;

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await Browser.DisposeAsync();
        playwright.Dispose();
    }
}

/// <summary>
/// Waits for a page whose scripts reveal it (the classic Notebook shows its body only once require.js has loaded every
/// module, and gives up on a module after 30 s). On a loaded machine a module can miss that window; a person would reload,
/// so the test does too, a bounded number of times, and reports what the browser saw if the page never shows.
/// </summary>
public sealed class PageWatch
{
    private readonly List<string> _problems = [];

    public PageWatch(IPage page)
    {
        Page = page;
        page.Console += (_, m) => { if (m.Type == "error") Add("console: " + m.Text); };
        page.PageError += (_, e) => Add("page error: " + e);
        page.RequestFailed += (_, r) => Add($"request failed: {r.Method} {r.Url} ({r.Failure})");
        page.Response += (_, r) => { if (r.Status >= 400) Add($"response {r.Status}: {r.Url}"); };
    }

    public IPage Page { get; }

    public async Task ShownAsync(string selector, int attempts = 3, float timeoutMs = 60_000)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Page.Locator(selector).First.WaitForAsync(new LocatorWaitForOptions { Timeout = timeoutMs });
                return;
            }
            catch (TimeoutException) when (attempt < attempts)
            {
                await Page.ReloadAsync();
            }
            catch (TimeoutException e)
            {
                string seen;
                lock (_problems) seen = string.Join("\n", _problems.TakeLast(40));
                throw new TimeoutException($"'{selector}' never showed at {Page.Url} after {attempts} loads; the browser saw:\n{seen}", e);
            }
        }
    }

    private void Add(string problem)
    {
        lock (_problems) _problems.Add(problem);
    }
}
