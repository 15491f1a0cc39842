using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

namespace Greyhub.FirstHour;

/// <summary>One person's Start: sign in (not timed), press Start, wait for the classic Notebook's page to show.</summary>
internal static class StartFlow
{
    /// <summary>Milliseconds from the click to the server's page and to the UI, and the pages passed on the way.</summary>
    public static async Task<(double PageMs, double UiMs, string Timeline)> MeasureAsync(IBrowser browser, HubUnderTest hub, string user, string password, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await using var context = await browser.NewContextAsync();
        context.SetDefaultTimeout(180_000);
        var page = await context.NewPageAsync();
        // To the home page after login: JupyterHub would otherwise go on to the user's server and start it unasked.
        await page.GotoAsync(new Uri(hub.Address, "hub/login?next=%2Fhub%2Fhome").ToString());
        await page.FillAsync("#username_input", user);
        await page.FillAsync("#password_input", password);
        await page.ClickAsync("#login_submit");
        await page.Locator(hub.StartButton).WaitForAsync();

        var clock = Stopwatch.StartNew();
        var timeline = new List<string>();
        page.FrameNavigated += (_, frame) =>
        {
            if (frame == page.MainFrame)
            {
                lock (timeline)
                {
                    timeline.Add(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalMilliseconds:F0} {Path(frame.Url)}"));
                }
            }
        };
        await page.ClickAsync(hub.StartButton);
        var serverPath = $"/user/{user}/";
        await page.WaitForURLAsync(url => Path(url).StartsWith("/hub/spawn", StringComparison.Ordinal) || Path(url).StartsWith(serverPath, StringComparison.Ordinal),
            new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit });
        // Greyhub shows its start form even without profiles: its one button is part of pressing Start.
        if (Path(page.Url).TrimEnd('/') == "/hub/spawn/" + user && await page.Locator("#spawn-form").CountAsync() > 0)
        {
            await page.ClickAsync("#spawn-form #start");
        }
        await page.WaitForURLAsync(url => Path(url).StartsWith(serverPath, StringComparison.Ordinal), new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit });
        var pageMs = clock.Elapsed.TotalMilliseconds;
        // The classic Notebook reveals its page once its scripts have loaded: the first element a person sees.
        await page.Locator("#ipython-main-app").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        var uiMs = clock.Elapsed.TotalMilliseconds;
        if (!Path(page.Url).StartsWith(serverPath + "tree", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{hub.Name}: Start ended at {page.Url}, not the Notebook's file list");
        }
        lock (timeline)
        {
            return (pageMs, uiMs, string.Join(" → ", timeline));
        }
    }

    private static string Path(string url) => new Uri(url).AbsolutePath;
}
