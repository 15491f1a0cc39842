using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;

namespace Greyhub.Host;

/// <summary>
/// Configuration under Greyhub's sections that would not bind, found before anything starts: the binder silently
/// drops an unknown key (a typo such as <c>Greyhub:Spawner:Enigne</c>), a single value where a list or section is
/// expected, and a section where a single value is expected. A value of the wrong type it would throw on at first use.
/// </summary>
/// <remarks>
/// Unknown keys stop the start rather than warn: a misspelt <c>BlockedUsers</c> or <c>AllowedUsers</c> silently
/// widens who may log in, and a warning scrolls away. Keys outside Greyhub's sections (<c>Logging</c>, <c>Kestrel</c>,
/// <c>urls</c>, any environment variable) are not looked at. The binder's own
/// <c>BinderOptions.ErrorOnUnknownConfiguration</c> does not do this: it names the type rather than the key, stops at
/// the first section, ignores a single value given for a list, and cannot know that <c>Greyhub:Database</c> belongs to
/// another type than <c>Greyhub</c>.
/// </remarks>
internal static class SettingsCheck
{
    /// <summary>Every problem in <paramref name="configuration"/> against <paramref name="schema"/>, one line each.</summary>
    public static IReadOnlyList<string> Problems(IConfiguration configuration, SettingsSchema schema)
    {
        var problems = new List<string>();
        foreach (var (name, section) in schema.Properties)
        {
            Check(configuration, configuration.GetSection(name), section, schema, problems);
        }
        return problems;
    }

    private static void Check(IConfiguration root, IConfigurationSection section, SettingsSchema node, SettingsSchema schema, List<string> problems)
    {
        var children = section.GetChildren().ToList();
        var hasValue = !string.IsNullOrEmpty(section.Value);
        var at = section.Path + Origin(root, section.Path);
        switch (node.Kind)
        {
            case SettingsKind.Any:
                return;
            case SettingsKind.Value:
                if (children.Count > 0)
                {
                    problems.Add($"{at} takes a single value ({Describe(node.Type!)}), not the settings {string.Join(", ", children.Select(c => c.Path))}.");
                }
                else if (hasValue && !Converts(node.Type!, section.Value!))
                {
                    problems.Add($"{at} is '{section.Value}', which is not {Describe(node.Type!)}.");
                }
                return;
            case SettingsKind.List when hasValue && children.Count == 0:
                problems.Add($"{at} is a list, but has the single value '{section.Value}', which would be ignored: in JSON write "
                    + $"[\"{section.Value}\"]; elsewhere number the entries, {section.Path}:0={section.Value} "
                    + $"(environment: {section.Path.Replace(":", "__", StringComparison.Ordinal)}__0).");
                return;
            case SettingsKind.Map when hasValue && children.Count == 0:
                problems.Add($"{at} is a map of names to values, but has the single value '{section.Value}', which would be ignored.");
                return;
            case SettingsKind.List or SettingsKind.Map:
                foreach (var child in children)
                {
                    // The binder would take a named entry as one more item, but a name under a list is a map written
                    // where a list is expected (JupyterHub's dictionaries): its keys would be lost.
                    if (node.Kind == SettingsKind.List && !int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    {
                        problems.Add($"{section.Path}{Origin(root, child.Path)} is a list, numbered {section.Path}:0, {section.Path}:1, ... "
                            + $"(in JSON an array [...]), not a map with the entry '{child.Key}'.");
                        continue;
                    }
                    Check(root, child, node.Element!, schema, problems);
                }
                return;
            case SettingsKind.Section when hasValue && children.Count == 0:
                problems.Add($"{at} is a section ({string.Join(", ", node.Properties.Keys.Order(StringComparer.Ordinal))}), not a single value; '{section.Value}' would be ignored.");
                return;
            case SettingsKind.Section:
                foreach (var child in children)
                {
                    if (node.Properties.TryGetValue(child.Key, out var known))
                    {
                        Check(root, child, known, schema, problems);
                    }
                    else
                    {
                        problems.Add(Unknown(root, child, node, schema));
                    }
                }
                return;
        }
    }

    private static string Unknown(IConfiguration root, IConfigurationSection key, SettingsSchema parent, SettingsSchema schema)
    {
        var parentPath = key.Path[..^(key.Key.Length + 1)];
        var message = $"{key.Path}{Origin(root, key.Path)} is not a setting";
        if (Suggestions.Closest(key.Key, parent.Properties.Keys) is { } sibling)
        {
            return message + $"; did you mean {parentPath}:{sibling}?";
        }
        // The right name in the wrong place (Greyhub:Engine for Greyhub:Spawner:Engine).
        if (schema.PathsOf(key.Key).FirstOrDefault() is { } elsewhere)
        {
            return message + $"; did you mean {elsewhere}?";
        }
        return message + $". Settings of {parentPath}: {string.Join(", ", parent.Properties.Keys.Order(StringComparer.Ordinal))}.";
    }

    /// <summary>Where a key comes from (the last source that sets it wins, as in configuration itself).</summary>
    private static string Origin(IConfiguration root, string path)
    {
        if (root is not IConfigurationRoot configuration)
        {
            return "";
        }
        foreach (var provider in configuration.Providers.Reverse())
        {
            if (provider.TryGet(path, out _) || provider.GetChildKeys([], path).Any())
            {
                return provider switch
                {
                    JsonConfigurationProvider json => $" (in {json.Source.FileProvider?.GetFileInfo(json.Source.Path ?? "").PhysicalPath ?? json.Source.Path})",
                    EnvironmentVariablesConfigurationProvider => $" (environment {path.Replace(":", "__", StringComparison.Ordinal)})",
                    CommandLineConfigurationProvider => " (command line)",
                    _ => "",
                };
            }
        }
        return "";
    }

    /// <summary>Whether the binder can convert <paramref name="value"/> (it uses the type's converter, invariant culture).</summary>
    private static bool Converts(Type type, string value)
    {
        if (type == typeof(byte[]))
        {
            return Convert.TryFromBase64String(value, new byte[value.Length], out _);
        }
        try
        {
            _ = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException or OverflowException or InvalidCastException
            || ex.InnerException is FormatException or OverflowException)
        {
            return false;
        }
    }

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(string) => "text",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(TimeSpan) => "a duration such as 00:05:00 (hh:mm:ss) or 1.00:00:00 (one day)",
        _ when type == typeof(Uri) => "a URL",
        _ when type == typeof(byte[]) => "base64 text",
        _ when type.IsEnum => "one of " + string.Join(", ", Enum.GetNames(type)),
        _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "a whole number",
        _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
        _ => "a " + type.Name,
    };

    /// <summary>Renders <paramref name="problems"/> for the console.</summary>
    public static string Format(IReadOnlyList<string> problems) =>
        "greyhub: configuration that would be ignored or fail:\n  " + string.Join("\n  ", problems)
        + string.Create(CultureInfo.InvariantCulture, $"\n({problems.Count} problem{(problems.Count == 1 ? "" : "s")}; nothing was started.)");
}
