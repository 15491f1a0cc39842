namespace Greyhub.Scopes;

/// <summary>One line of the OAuth consent page: a scope, its description and to what it is restricted.</summary>
/// <param name="Scope">The scope name.</param>
/// <param name="Description">The scope's description.</param>
/// <param name="Filter">Empty when unrestricted, otherwise e.g. <c>only you</c>, <c>group: students</c>, <c>users: a, b</c>.</param>
public sealed record ScopeDescription(string Scope, string Description, string Filter);

/// <summary>Describes scopes for people (JupyterHub's <c>describe_parsed_scopes</c> / <c>describe_raw_scopes</c>).</summary>
public static class ScopeDescriptions
{
    /// <summary>Describes expanded scopes, one line per scope name, sorted.</summary>
    /// <param name="scopes">The expanded scopes.</param>
    /// <param name="userName">The viewing user: a filter to exactly this user reads <c>only you</c>.</param>
    /// <param name="definitions">The scope catalogue; built-ins when null.</param>
    /// <returns>The lines.</returns>
    public static IReadOnlyList<ScopeDescription> Describe(ExpandedScopes scopes, string? userName = null, ScopeDefinitions? definitions = null)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        definitions ??= ScopeDefinitions.JupyterHub5;
        var lines = new List<ScopeDescription>();
        foreach (var name in scopes.ScopeNames.Order(StringComparer.Ordinal))
        {
            var filter = scopes.FilterFor(name);
            var chunks = new List<string>();
            foreach (var (kind, names) in filter.Parts())
            {
                var kindName = ScopeFilterKinds.Name(kind);
                var sorted = names.Order(StringComparer.Ordinal).ToList();
                if (kind == ScopeFilterKind.User && sorted.Count == 1 && sorted[0] == userName)
                {
                    chunks.Add("only you");
                }
                else
                {
                    chunks.Add(sorted.Count == 1 ? $"{kindName}: {sorted[0]}" : $"{kindName}s: {string.Join(", ", sorted)}");
                }
            }

            lines.Add(new ScopeDescription(name, DescriptionOf(name, definitions), string.Join("; or ", chunks)));
        }

        return lines;
    }

    /// <summary>Describes raw scopes as requested (before expansion), one line per raw scope, in order.</summary>
    /// <param name="rawScopes">Raw scopes, e.g. <c>read:users!user</c>, <c>access:servers!group=x</c>.</param>
    /// <param name="userName">The viewing user: <c>!user</c> or <c>!user=you</c> reads <c>only you</c>.</param>
    /// <param name="definitions">The scope catalogue; built-ins when null.</param>
    /// <returns>The lines.</returns>
    public static IReadOnlyList<ScopeDescription> DescribeRaw(IEnumerable<string> rawScopes, string? userName = null, ScopeDefinitions? definitions = null)
    {
        ArgumentNullException.ThrowIfNull(rawScopes);
        definitions ??= ScopeDefinitions.JupyterHub5;
        var lines = new List<ScopeDescription>();
        foreach (var raw in rawScopes)
        {
            var bang = raw.IndexOf('!', StringComparison.Ordinal);
            var name = bang < 0 ? raw : raw[..bang];
            var filter = bang < 0 ? "" : raw[(bang + 1)..];
            string text;
            if (filter.Length == 0)
            {
                text = "";
            }
            else if (filter == "user")
            {
                text = "only you";
            }
            else
            {
                var eq = filter.IndexOf('=', StringComparison.Ordinal);
                var kind = eq < 0 ? filter : filter[..eq];
                var value = eq < 0 ? "" : filter[(eq + 1)..];
                text = kind == "user" && value == userName ? "only you" : $"{(kind == "group" ? "users in group" : kind)} {value}".TrimEnd();
            }

            lines.Add(new ScopeDescription(name, DescriptionOf(name, definitions), text));
        }

        return lines;
    }

    private static string DescriptionOf(string name, ScopeDefinitions definitions) =>
        definitions.TryGet(name, out var definition) ? definition.Description : "";
}
