using System.Text.RegularExpressions;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The hub's folders (namespaces) depend on each other without cycles; Hosting composes and may use anything, and
/// nothing uses Hosting. Files at the project root are the base every folder sees without a <c>using</c>, so they
/// may use no folder at all. Dependencies are read from the sources (C# and Razor components): <c>using Greyhub.Hub.X</c>,
/// <c>@using Greyhub.Hub.X</c>, <c>Greyhub.Hub.X.</c>, and <c>X.Type</c> where Type is a type of namespace <c>Greyhub.Hub.X</c>.
/// </summary>
public sealed partial class FolderDependencyTests
{
    private const string Root = "(root)";

    [Fact]
    public void Folders_have_no_dependency_cycle_and_nothing_uses_hosting()
    {
        var graph = ReadGraph();
        Assert.Contains("Servers", graph.Keys);

        var usingHosting = graph.Where(g => g.Key != "Hosting" && g.Value.Contains("Hosting")).Select(g => g.Key).ToList();
        Assert.True(usingHosting.Count == 0, "Hosting composes; nothing may use it: " + string.Join(", ", usingHosting));

        var rootUses = graph.GetValueOrDefault(Root) ?? [];
        Assert.True(rootUses.Count == 0, "Files at the project root may use no folder: " + string.Join(", ", rootUses));

        var cycle = FindCycle(graph);
        Assert.True(cycle is null, "Folder dependency cycle: " + string.Join(" -> ", cycle ?? []));
    }

    private static Dictionary<string, HashSet<string>> ReadGraph()
    {
        var hub = Path.Combine(RepoRoot(), "src", "Greyhub.Hub");
        var typesByFolder = typeof(HubEvents).Assembly.GetTypes()
            .Where(t => t.Namespace?.StartsWith("Greyhub.Hub.", StringComparison.Ordinal) == true)
            .GroupBy(t => t.Namespace!.Split('.')[2])
            .ToDictionary(g => g.Key, g => g.Select(t => t.Name.Split('`')[0]).ToHashSet(StringComparer.Ordinal));
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(hub, "*.*", SearchOption.AllDirectories).Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal)))
        {
            var relative = Path.GetRelativePath(hub, file).Split(Path.DirectorySeparatorChar);
            if (relative[0] is "bin" or "obj")
            {
                continue;
            }
            var folder = relative.Length == 1 ? Root : relative[0];
            var uses = graph.TryGetValue(folder, out var set) ? set : graph[folder] = [];
            var text = File.ReadAllText(file);
            foreach (Match m in Qualified().Matches(text))
            {
                uses.Add(m.Groups[1].Value);
            }
            foreach (Match m in RazorUsing().Matches(text))
            {
                uses.Add(m.Groups[1].Value);
            }
            foreach (Match m in Partial().Matches(text))
            {
                if (typesByFolder.TryGetValue(m.Groups[1].Value, out var types) && types.Contains(m.Groups[2].Value))
                {
                    uses.Add(m.Groups[1].Value);
                }
            }
            uses.Remove(folder);
        }
        return graph;
    }

    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        // Hosting may use anything and nothing may use it, so it closes no cycle.
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
            {
                if (next == "Hosting" || node == "Hosting")
                {
                    continue;
                }
                if (state.GetValueOrDefault(next) == 1)
                {
                    return [.. path[path.IndexOf(next)..], next];
                }
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found)
                {
                    return found;
                }
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        return graph.Keys.Order(StringComparer.Ordinal).Where(n => state.GetValueOrDefault(n) == 0).Select(Visit).FirstOrDefault(c => c is not null);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Greyhub.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Greyhub.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"\bGreyhub\.Hub\.([A-Z]\w*)\s*[.;]")]
    private static partial Regex Qualified();

    [GeneratedRegex(@"(?<![\w.])([A-Z]\w*)\.([A-Z]\w*)")]
    private static partial Regex Partial();

    [GeneratedRegex(@"@using\s+Greyhub\.Hub\.([A-Z]\w*)\b")]
    private static partial Regex RazorUsing();
}
