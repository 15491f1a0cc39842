using System.Collections.Concurrent;

namespace Greyhub.Scopes;

/// <summary>
/// A thread-safe cache of <see cref="ExpandedScopes.Expand"/> results keyed by the raw scopes and the owner's
/// identity (kind, name, OAuth client); group membership does not affect expansion. When full, it starts afresh.
/// Invalidate (<see cref="Clear"/>) when scope definitions or role assignments change.
/// </summary>
public sealed class ExpansionCache
{
    private readonly ConcurrentDictionary<Key, ExpandedScopes> _entries = new();
    private readonly ScopeDefinitions _definitions;
    private readonly int _capacity;

    /// <summary>Creates a cache.</summary>
    /// <param name="definitions">The scope catalogue to expand with.</param>
    /// <param name="capacity">The number of entries kept before the cache is emptied.</param>
    public ExpansionCache(ScopeDefinitions definitions, int capacity = 10_000)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _definitions = definitions;
        _capacity = capacity;
    }

    /// <summary>The number of cached expansions.</summary>
    public int Count => _entries.Count;

    /// <summary>Expands raw scopes for an owner, or returns the cached result.</summary>
    /// <param name="rawScopes">The raw scopes (order and duplicates do not matter).</param>
    /// <param name="owner">The owner.</param>
    /// <returns>The expanded scopes.</returns>
    public ExpandedScopes Expand(IEnumerable<string> rawScopes, ScopeOwner owner)
    {
        ArgumentNullException.ThrowIfNull(rawScopes);
        ArgumentNullException.ThrowIfNull(owner);
        var sorted = rawScopes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var key = new Key(string.Join('\n', sorted), owner.Kind, owner.Name, owner.OAuthServer, owner.OAuthService);
        if (_entries.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var expanded = ExpandedScopes.Expand(sorted, owner, _definitions);
        if (_entries.Count >= _capacity)
        {
            _entries.Clear();
        }

        return _entries.GetOrAdd(key, expanded);
    }

    /// <summary>Forgets every cached expansion.</summary>
    public void Clear() => _entries.Clear();

    private readonly record struct Key(string Scopes, OwnerKind Kind, string Name, string? OAuthServer, string? OAuthService);
}
