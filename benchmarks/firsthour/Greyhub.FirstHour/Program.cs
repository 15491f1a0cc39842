using System.Globalization;
using Greyhub.FirstHour;
using Microsoft.Playwright;

// Start pressed in a real browser → the notebook's UI on screen, Greyhub vs JupyterHub 3.0.
//   --greyhub DLL        Greyhub's greyhub.dll (Release build); started with its default configuration
//   --hubs LIST          greyhub,jupyterhub (default both)
//   --runs N             measured runs per hub (default 7), after --warmup W unmeasured ones each (default 1)
//   --url URL --token T  measure an already running Greyhub instead (the fresh-clone run), with --user/--password
// Both hubs run side by side, idle between their turns, and take turns run by run (the order flips every round), so
// a shared machine's changing load falls on both alike; only one server is ever starting.
// Prints a Markdown table: median and range of click → server page (navigation committed) and click → UI visible.
var options = Arguments.Parse(args);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var ct = cancel.Token;
Console.Error.WriteLine($"load average before: {LoadAverage()}");
var (playwright, browser) = await LaunchChromiumAsync();
using var _ = playwright;
await using var __ = browser;
var hubs = new List<HubUnderTest>();
try
{
    foreach (var name in options.Hubs)
    {
        var dir = Directory.CreateTempSubdirectory("greyhub-firsthour-").FullName;
        HubUnderTest hub = name switch
        {
            "greyhub" when options.Url is { } url => new RunningGreyhub(url, options.Token ?? throw new ArgumentException("--url needs --token")),
            "greyhub" => new GreyhubHub(options.Greyhub ?? throw new ArgumentException("--greyhub DLL is required"), dir),
            "jupyterhub" => new JupyterHub30(dir),
            _ => throw new ArgumentException($"unknown hub '{name}'; use greyhub, jupyterhub"),
        };
        hubs.Add(hub);
        switch (hub)
        {
            case GreyhubHub greyhub:
                await greyhub.StartAsync(options.User, options.Password, ct);
                break;
            case JupyterHub30 jupyterhub:
                await jupyterhub.StartAsync(ct);
                break;
        }
        Console.Error.WriteLine($"{hub.Name} at {hub.Address} ({dir})");
    }
    var runs = hubs.ToDictionary(h => h, _ => new List<(double Page, double Ui)>());
    for (var i = 0; i < options.Warmup + options.Runs; i++)
    {
        foreach (var hub in i % 2 == 0 ? hubs : Enumerable.Reverse(hubs))
        {
            var (page, ui, timeline) = await StartFlow.MeasureAsync(browser, hub, options.User, options.Password, ct);
            var kind = i < options.Warmup ? "warm-up" : "run";
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {hub.Name} {kind} {i + 1}: server page {page:F0} ms, UI {ui:F0} ms ({timeline})"));
            if (i >= options.Warmup)
            {
                runs[hub].Add((page, ui));
            }
            await hub.StopServerAsync(options.User, ct);
        }
    }
    Report(runs);
}
finally
{
    foreach (var hub in hubs)
    {
        await hub.DisposeAsync();
    }
}
return 0;

static string Summary(IEnumerable<double> values)
{
    var list = values.ToList();
    return string.Create(CultureInfo.InvariantCulture, $"{Median(list):F0} ({list.Min():F0}–{list.Max():F0})");
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "?";

static async Task<(IPlaywright, IBrowser)> LaunchChromiumAsync()
{
    var playwright = await Playwright.CreateAsync();
    var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
    });
    return (playwright, browser);
}

static void Report(Dictionary<HubUnderTest, List<(double Page, double Ui)>> byHub)
{
    var results = byHub.Select(r => (Hub: r.Key, Runs: r.Value)).ToList();
    Console.Error.WriteLine($"load average after: {LoadAverage()}");

    Console.WriteLine("| hub | runs | Start → server page, ms: median (min–max) | Start → UI on screen, ms: median (min–max) |");
    Console.WriteLine("|---|---|---|---|");
    foreach (var (hub, runs) in results)
    {
        Console.WriteLine($"| {hub.Name} | {runs.Count} | {Summary(runs.Select(r => r.Page))} | {Summary(runs.Select(r => r.Ui))} |");
    }
    if (results.Count == 2)
    {
        var (a, b) = (Median(results[0].Runs.Select(r => r.Ui)), Median(results[1].Runs.Select(r => r.Ui)));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"UI on screen: {results[1].Hub.Name} / {results[0].Hub.Name} = {b / a:F2}"));
    }
    Console.WriteLine();
    foreach (var (hub, _) in results)
    {
        Console.WriteLine($"- {hub.Name}: {hub.Description}");
    }
}
