using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Greyhub.Scopes;

/// <summary>
/// The immutable catalogue of known scopes: JupyterHub 5.4's 47 scopes, Greyhub's <c>read:audit</c>, and the custom scopes supplied at
/// start-up. Subscope closures are precomputed, so expansion is a dictionary lookup.
/// </summary>
public sealed partial class ScopeDefinitions
{
    private readonly FrozenDictionary<string, ScopeDefinition> _definitions;
    private readonly FrozenDictionary<string, string[]> _closures;

    private ScopeDefinitions(IEnumerable<ScopeDefinition> definitions)
    {
        _definitions = definitions.ToFrozenDictionary(d => d.Name, StringComparer.Ordinal);
        _closures = _definitions.Keys.ToFrozenDictionary(name => name, Close, StringComparer.Ordinal);
    }

    /// <summary>JupyterHub 5.4's built-in scopes and Greyhub's <c>read:audit</c>, without custom scopes.</summary>
    public static ScopeDefinitions JupyterHub5 { get; } = new(BuiltinScopes());

    /// <summary>Every known scope, built-in first.</summary>
    public IReadOnlyCollection<ScopeDefinition> All => _definitions.Values;

    /// <summary>
    /// Adds custom scopes to the built-in ones, validated as JupyterHub's <c>define_custom_scopes</c> does:
    /// names <c>custom:</c> + <c>[a-z0-9][a-z0-9-_:*]+[a-z0-9_*]</c>, a description, and subscopes that are custom
    /// scopes of the same set.
    /// </summary>
    /// <param name="customScopes">The custom scope definitions from configuration.</param>
    /// <returns>The combined catalogue.</returns>
    /// <exception cref="ScopeConfigurationException">One or more definitions are invalid; all problems are listed.</exception>
    public static ScopeDefinitions WithCustomScopes(IEnumerable<ScopeDefinition> customScopes)
    {
        ArgumentNullException.ThrowIfNull(customScopes);
        var custom = new Dictionary<string, ScopeDefinition>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var scope in customScopes)
        {
            if (!custom.TryAdd(scope.Name, scope))
            {
                errors.Add($"Custom scope '{scope.Name}' is defined twice.");
            }
        }

        foreach (var scope in custom.Values)
        {
            ValidateCustom(scope, custom, errors);
        }

        if (errors.Count > 0)
        {
            throw new ScopeConfigurationException("Invalid custom scopes", errors);
        }

        return custom.Count == 0 ? JupyterHub5 : new ScopeDefinitions(BuiltinScopes().Concat(custom.Values));
    }

    /// <summary>Finds a scope definition by name (no filter).</summary>
    /// <param name="name">The scope name.</param>
    /// <param name="definition">The definition when found.</param>
    /// <returns>Whether the scope is known.</returns>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ScopeDefinition? definition) =>
        _definitions.TryGetValue(name, out definition);

    /// <summary>
    /// The scope and all its subscopes, transitively (JupyterHub's <c>_expand_scope</c> without the filter).
    /// </summary>
    /// <param name="name">A known scope name, without filter.</param>
    /// <returns>The closure, starting with <paramref name="name"/>.</returns>
    /// <exception cref="UnknownScopeException">The scope is not defined.</exception>
    public IReadOnlyList<string> Closure(string name) =>
        _closures.TryGetValue(name, out var closure) ? closure : throw new UnknownScopeException(name);

    internal bool TryGetClosure(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string[]? closure) =>
        _closures.TryGetValue(name, out closure);

    /// <summary>
    /// Whether a raw scope, possibly filtered, is valid: known name, and either no filter, a self-referencing filter
    /// (<c>!user</c>, <c>!server</c>, <c>!service</c>) or <c>!kind=value</c> with kind user, server, group or service,
    /// a non-empty value, and a server value of the form <c>user/server</c> (<c>user/</c> is the default server).
    /// </summary>
    /// <param name="scope">The raw scope, e.g. <c>read:users!user=alice</c>.</param>
    /// <returns>True when valid.</returns>
    public bool IsKnown(string scope) => Validate(scope) is null;

    /// <summary>Validates a raw scope and explains what is wrong.</summary>
    /// <param name="scope">The raw scope.</param>
    /// <param name="whoFor">Who the scope is for (e.g. <c>role teachers</c>), used in the message.</param>
    /// <returns>Null when valid, otherwise a message naming the scope (and <paramref name="whoFor"/>).</returns>
    public string? Validate(string scope, string? whoFor = null)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var forText = whoFor is null ? "" : $" for {whoFor}";
        var bang = scope.IndexOf('!', StringComparison.Ordinal);
        var name = bang < 0 ? scope : scope[..bang];
        if (!_definitions.ContainsKey(name))
        {
            return name == "all"
                ? $"Scope 'all'{forText} does not exist: the draft scope 'all' is now called 'inherit'."
                : $"Scope '{scope}'{forText} does not exist.";
        }

        if (bang < 0)
        {
            return null;
        }

        var filter = scope.AsSpan(bang + 1);
        if (filter is "user" or "server" or "service")
        {
            return null;
        }

        var eq = filter.IndexOf('=');
        if (eq < 0 || ScopeFilterKinds.Parse(filter[..eq]) is null)
        {
            return $"Scope filter '!{filter}' in scope '{scope}'{forText} does not exist; use !user=, !server=, !group=, !service=, !dataset= or the self-referencing !user, !server, !service.";
        }

        var kind = ScopeFilterKinds.Parse(filter[..eq]);
        var value = filter[(eq + 1)..];
        if (value.IsEmpty)
        {
            return $"Scope filter in scope '{scope}'{forText} has an empty value.";
        }

        if (kind == ScopeFilterKind.Server && value.IndexOf('/') <= 0)
        {
            return $"Server filter in scope '{scope}'{forText} must be 'user/server' ('user/' for the default server).";
        }

        return null;
    }

    private string[] Close(string name)
    {
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Visit(name);
        return [.. result];

        void Visit(string scope)
        {
            if (!seen.Add(scope))
            {
                return;
            }

            result.Add(scope);
            if (_definitions.TryGetValue(scope, out var definition))
            {
                foreach (var sub in definition.Subscopes)
                {
                    Visit(sub);
                }
            }
        }
    }

    private static void ValidateCustom(ScopeDefinition scope, Dictionary<string, ScopeDefinition> custom, List<string> errors)
    {
        var builtin = JupyterHub5._definitions;
        if (builtin.ContainsKey(scope.Name))
        {
            errors.Add($"Cannot redefine built-in scope '{scope.Name}'.");
            return;
        }

        if (!CustomScopeName().IsMatch(scope.Name))
        {
            errors.Add($"Invalid custom scope name '{scope.Name}': it must start with 'custom:', use only lowercase ascii letters, digits and '-_:*', "
                + "continue with a letter or digit after 'custom:', and not end with '-' or ':'.");
        }

        if (string.IsNullOrWhiteSpace(scope.Description))
        {
            errors.Add($"Custom scope '{scope.Name}' has no description.");
        }

        foreach (var sub in scope.Subscopes ?? [])
        {
            if (custom.ContainsKey(sub))
            {
                continue;
            }

            errors.Add(builtin.ContainsKey(sub)
                ? $"Custom scope '{scope.Name}' has non-custom subscope '{sub}'; custom scopes may only have custom subscopes (use a role to combine scopes)."
                : $"Subscope '{sub}' of custom scope '{scope.Name}' is not defined.");
        }
    }

    [GeneratedRegex(@"^custom:[a-z0-9][a-z0-9_\-\*:]+[a-z0-9_\*]\z", RegexOptions.CultureInvariant)]
    private static partial Regex CustomScopeName();
}
