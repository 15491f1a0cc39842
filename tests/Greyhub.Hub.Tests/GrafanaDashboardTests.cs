using System.Text.Json;
using System.Text.RegularExpressions;

namespace Greyhub.Hub.Tests;

/// <summary>
/// <c>docs/grafana-dashboard.json</c> parses, every panel queries something, and every metric its queries name is one a
/// real hub exposes on <c>/hub/metrics</c> (declared by its <c># TYPE</c> line, so a labelled metric with no sample yet
/// counts). A renamed metric breaks this test, not an operator's dashboard.
/// </summary>
public sealed partial class GrafanaDashboardTests
{
    [Fact]
    public async Task Every_metric_the_dashboard_queries_exists_on_a_real_hubs_metrics_endpoint()
    {
        var path = Path.Combine(RepoRoot(), "docs", "grafana-dashboard.json");
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row").ToList();
        Assert.NotEmpty(panels);
        var expressions = new List<string>();
        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString();
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.True(targets.Count > 0, $"panel '{title}' has no query");
            foreach (var target in targets)
            {
                var expr = target.GetProperty("expr").GetString();
                Assert.False(string.IsNullOrWhiteSpace(expr), $"panel '{title}' has an empty query");
                expressions.Add(expr!);
            }
        }
        var referenced = expressions.SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);

        await using var hub = await HubInstance.StartAsync();
        var text = (await hub.Client(hub.AdminToken).GetApiAsync("hub/metrics", "text/plain")).Is(200).Body;
        var declared = TypeLine().Matches(text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
        Assert.Contains("jupyterhub_running_servers", declared.Keys);

        var missing = referenced.Where(name => !Exposed(name, declared)).ToList();
        Assert.True(missing.Count == 0, "the dashboard queries metrics /hub/metrics does not have: " + string.Join(", ", missing));
        // The issue's four: spawn duration, queue length, running servers, failures (and culls) by reason.
        Assert.Contains("jupyterhub_server_spawn_duration_seconds_bucket", referenced);
        Assert.Contains("greyhub_spawns_waiting", referenced);
        Assert.Contains("jupyterhub_running_servers", referenced);
        Assert.Contains("greyhub_culler_culls_total", referenced);
    }

    /// <summary>A name as queried: the metric itself, or a histogram's series (<c>_bucket</c>, <c>_count</c>, <c>_sum</c>).</summary>
    private static bool Exposed(string name, Dictionary<string, string> declared)
    {
        if (declared.ContainsKey(name))
        {
            return true;
        }
        foreach (var suffix in (string[])["_bucket", "_count", "_sum"])
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && declared.TryGetValue(name[..^suffix.Length], out var type) && type == "histogram")
            {
                return true;
            }
        }
        return false;
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Greyhub.slnx")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Greyhub.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"\b(?:greyhub|jupyterhub)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();
}
