using System.Text.Json;
using Greyhub.Testing;
using Microsoft.Playwright;

namespace Greyhub.Host.Tests;

/// <summary>
/// What every page a browser test visits goes through: a screenshot (into <see cref="ScreenshotFolder"/>, for people
/// to look at) and axe-core's accessibility check, which must find no serious or critical violation.
/// </summary>
internal static class PageChecks
{
    private const string AxeInstall = "npm ci --prefix tests/Greyhub.Host.Tests/axe (test.sh does it)";

    /// <summary><c>$GREYHUB_SCREENSHOTS</c>, else <c>TestResults/screenshots</c> beside the test assembly.</summary>
    public static string ScreenshotFolder { get; } = Environment.GetEnvironmentVariable("GREYHUB_SCREENSHOTS") is { Length: > 0 } folder
        ? folder
        : Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    /// <summary>A browser context for the checks: axe is injected as a script, which the pages' policy would refuse.</summary>
    public static Task<IBrowserContext> NewContextAsync(IBrowser browser, ViewportSize? viewport = null, ColorScheme scheme = ColorScheme.Light) =>
        browser.NewContextAsync(new BrowserNewContextOptions
        {
            BypassCSP = true,
            ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 800 },
            ColorScheme = scheme,
        });

    /// <summary>Saves a full-page screenshot named <paramref name="name"/> and runs axe-core on the page.</summary>
    public static async Task CheckAsync(IPage page, string name)
    {
        await ScreenshotAsync(page, name);
        await page.AddScriptTagAsync(new PageAddScriptTagOptions { Path = AxePath() });
        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const result = await axe.run(document, { resultTypes: ['violations'] });
              return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 5).map(n => n.target.join(' ')).join(', ')}`);
            }
            """);
        var found = violations.EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.True(found.Count == 0, $"axe-core found on '{name}' ({page.Url}):\n" + string.Join("\n", found));
    }

    /// <summary>Saves a full-page screenshot named <paramref name="name"/> only (for pages that are not the hub's, e.g. Jupyter's).</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });
    }

    private static string AxePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Greyhub.slnx")))
            {
                var axe = Path.Combine(dir.FullName, "tests", "Greyhub.Host.Tests", "axe", "node_modules", "axe-core", "axe.min.js");
                if (!File.Exists(axe))
                {
                    Requires.Missing($"axe-core is not installed at {axe}; install it with: {AxeInstall}");
                }
                return axe;
            }
        }
        Requires.Missing($"the repository (Greyhub.slnx) is not above {AppContext.BaseDirectory}, so axe-core cannot be found; install it with: {AxeInstall}");
        return "";
    }
}
