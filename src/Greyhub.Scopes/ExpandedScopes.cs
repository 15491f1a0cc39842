namespace Greyhub.Scopes;

/// <summary>
/// An immutable, fully expanded and reduced set of scopes (no metascopes, no subscopes left implicit, no
/// self-referencing filters), parsed once into "scope → unfiltered | filter sets" so that every check is a
/// dictionary lookup. Equal sets are equal; the string form (<see cref="Scopes"/>) is JupyterHub's, sorted.
/// Build with <see cref="Expand"/>, <see cref="Parse"/> or <see cref="Intersect"/>; cache per credential.
/// </summary>
public sealed partial class ExpandedScopes : IEquatable<ExpandedScopes>
{
    // A plain dictionary: built per credential, so construction must be cheap; never mutated after construction.
    private readonly Dictionary<string, ScopeFilter> _scopes;
    private string[]? _strings;
    private HashSet<string>? _stringSet;

    private ExpandedScopes(Dictionary<string, ScopeFilter> scopes)
    {
        _scopes = scopes;
    }

    /// <summary>No scopes at all.</summary>
    public static ExpandedScopes Empty { get; } = new([]);

    /// <summary>The scopes in JupyterHub's string form, sorted ordinally (e.g. <c>access:servers!server=alice/</c>).</summary>
    public IReadOnlyList<string> Scopes => Strings;

    /// <summary>The number of scope strings.</summary>
    public int Count => Strings.Length;

    /// <summary>Whether there are no scopes.</summary>
    public bool IsEmpty => _scopes.Count == 0;

    /// <summary>The scope names held, with or without filters.</summary>
    public IEnumerable<string> ScopeNames => _scopes.Keys;

    /// <summary>
    /// Parses already-expanded scope strings (e.g. stored in the database), reducing them: an unfiltered scope
    /// absorbs its filtered forms. Names are not checked against the definitions.
    /// </summary>
    /// <param name="expandedScopes">Scopes like <c>read:users</c>, <c>read:users!group=x</c>.</param>
    /// <returns>The parsed set.</returns>
    /// <exception cref="FormatException">A filter is unexpanded (<c>!user</c>), empty, or of an unknown kind.</exception>
    public static ExpandedScopes Parse(IEnumerable<string> expandedScopes)
    {
        ArgumentNullException.ThrowIfNull(expandedScopes);
        var builder = new Builder();
        foreach (var scope in expandedScopes)
        {
            builder.AddExpanded(scope);
        }

        return builder.Build();
    }

    /// <summary>Whether the exact scope string is in the set (no hierarchy or filter reasoning).</summary>
    /// <param name="expandedScope">A scope string, e.g. <c>read:users!user=alice</c>.</param>
    /// <returns>True when present.</returns>
    public bool Contains(string expandedScope) => StringSet.Contains(expandedScope);

    /// <summary>
    /// Whether the scope is held at all, with any filter. An endpoint whose target is excluded by the filters
    /// answers 404 when this is true and 403 when it is false (JupyterHub's <c>needs_scope</c>).
    /// </summary>
    /// <param name="scope">A scope name without filter.</param>
    /// <returns>True when held.</returns>
    public bool HasAny(string scope) => _scopes.ContainsKey(scope);

    /// <summary>Whether the scope is held for every resource.</summary>
    /// <param name="scope">A scope name without filter.</param>
    /// <returns>True when held unfiltered.</returns>
    public bool HasUnfiltered(string scope) => _scopes.TryGetValue(scope, out var filter) && filter.IsUnfiltered;

    /// <summary>How the scope is held: <see cref="ScopeFilter.NotHeld"/>, <see cref="ScopeFilter.Unfiltered"/> or filter sets.</summary>
    /// <param name="scope">A scope name without filter.</param>
    /// <returns>The filter.</returns>
    public ScopeFilter FilterFor(string scope) => _scopes.TryGetValue(scope, out var filter) ? filter : ScopeFilter.NotHeld;

    /// <summary>Whether the scope is held for a resource (users/servers also through their groups).</summary>
    /// <param name="scope">A scope name without filter.</param>
    /// <param name="target">The resource.</param>
    /// <returns>True when allowed.</returns>
    public bool CanAccess(string scope, in ResourceRef target) =>
        _scopes.TryGetValue(scope, out var filter) && filter.Matches(target);

    /// <summary>
    /// JupyterHub's <c>needs_scope(*anyOf)</c> decision. Without a target (list/create endpoints the handler
    /// post-filters) any holding of any scope is enough; with a target, some scope must admit it, otherwise 404 if
    /// some scope is held with other filters and 403 if none is held at all.
    /// </summary>
    /// <param name="target">The resource named in the URL, or null when the URL names none.</param>
    /// <param name="anyOf">The accepted scopes; one is enough.</param>
    /// <returns>The decision.</returns>
    public ScopeDecision Check(ResourceRef? target, params ReadOnlySpan<string> anyOf)
    {
        var heldSome = false;
        foreach (var scope in anyOf)
        {
            if (!_scopes.TryGetValue(scope, out var filter))
            {
                continue;
            }

            heldSome = true;
            if (target is null || filter.Matches(target.Value))
            {
                return ScopeDecision.Allowed;
            }
        }

        return heldSome && target is not null ? ScopeDecision.NotFound : ScopeDecision.Forbidden;
    }

    /// <summary>The union of two sets, reduced.</summary>
    /// <param name="other">The other set.</param>
    /// <returns>The union.</returns>
    public ExpandedScopes Union(ExpandedScopes other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.IsEmpty)
        {
            return this;
        }

        if (IsEmpty)
        {
            return other;
        }

        var builder = new Builder();
        foreach (var (name, filter) in _scopes)
        {
            builder.Add(name, filter);
        }

        foreach (var (name, filter) in other._scopes)
        {
            builder.Add(name, filter);
        }

        return builder.Build();
    }

    /// <summary>The scopes of this set that are not in <paramref name="other"/> as exact strings, sorted.</summary>
    /// <param name="other">The other set.</param>
    /// <returns>The difference.</returns>
    public IReadOnlyList<string> Except(ExpandedScopes other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var exclude = other.StringSet;
        return [.. Strings.Where(s => !exclude.Contains(s))];
    }

    /// <inheritdoc />
    public bool Equals(ExpandedScopes? other) =>
        other is not null && (ReferenceEquals(this, other) || Strings.AsSpan().SequenceEqual(other.Strings));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ExpandedScopes);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var s in Strings)
        {
            hash.Add(s, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    /// <summary>The sorted scopes, comma-separated.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => string.Join(", ", Strings);

    private string[] Strings => _strings ?? InitStrings();

    private HashSet<string> StringSet => _stringSet ?? InitStringSet();

    private HashSet<string> InitStringSet()
    {
        var set = new HashSet<string>(Strings, StringComparer.Ordinal);
        return Interlocked.CompareExchange(ref _stringSet, set, null) ?? set;
    }

    private string[] InitStrings()
    {
        var strings = new List<string>();
        foreach (var (name, filter) in _scopes)
        {
            strings.AddRange(filter.ToScopeStrings(name));
        }

        strings.Sort(StringComparer.Ordinal);
        string[] result = [.. strings];
        return Interlocked.CompareExchange(ref _strings, result, null) ?? result;
    }

    /// <summary>Collects expanded scopes with JupyterHub's parse/reduce rules.</summary>
    internal sealed class Builder
    {
        // null value = unfiltered
        private readonly Dictionary<string, FilterSets?> _scopes = new(StringComparer.Ordinal);

        public void AddExpanded(string scope)
        {
            var bang = scope.IndexOf('!', StringComparison.Ordinal);
            if (bang < 0)
            {
                _scopes[scope] = null;
                return;
            }

            var name = scope[..bang];
            var filter = scope.AsSpan(bang + 1);
            var eq = filter.IndexOf('=');
            if (eq < 0 || eq == filter.Length - 1)
            {
                throw new FormatException($"Scope '{scope}' has an empty or unexpanded filter; expand self-referencing filters first.");
            }

            var kind = ScopeFilterKinds.Parse(filter[..eq])
                ?? throw new FormatException($"Scope '{scope}' has an unknown filter kind.");
            Add(name, kind, filter[(eq + 1)..].ToString());
        }

        public void AddUnfiltered(string name) => _scopes[name] = null;

        public void Add(string name, ScopeFilterKind kind, string value)
        {
            if (_scopes.TryGetValue(name, out var sets))
            {
                if (sets is null)
                {
                    return; // already unfiltered: the filter adds nothing
                }
            }
            else
            {
                sets = new FilterSets();
                _scopes[name] = sets;
            }

            sets.Add(kind, value);
        }

        public void Add(string name, ScopeFilter filter)
        {
            if (filter.IsUnfiltered)
            {
                AddUnfiltered(name);
                return;
            }

            foreach (var (kind, names) in filter.Parts())
            {
                foreach (var value in names)
                {
                    Add(name, kind, value);
                }
            }
        }

        public void AddSets(string name, FilterSets sets)
        {
            foreach (var kind in (ReadOnlySpan<ScopeFilterKind>)[ScopeFilterKind.User, ScopeFilterKind.Server, ScopeFilterKind.Group, ScopeFilterKind.Service, ScopeFilterKind.Dataset])
            {
                foreach (var value in sets.Get(kind) ?? [])
                {
                    Add(name, kind, value);
                }
            }
        }

        public ExpandedScopes Build()
        {
            var result = new Dictionary<string, ScopeFilter>(StringComparer.Ordinal);
            foreach (var (name, sets) in _scopes)
            {
                if (sets is null)
                {
                    result[name] = ScopeFilter.Unfiltered;
                }
                else if (!sets.IsEmpty)
                {
                    result[name] = ScopeFilter.Create(sets);
                }
            }

            return result.Count == 0 ? Empty : new ExpandedScopes(result);
        }
    }
}
