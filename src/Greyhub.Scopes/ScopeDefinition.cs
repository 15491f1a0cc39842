namespace Greyhub.Scopes;

/// <summary>
/// One scope: its name, a human description (shown on the OAuth consent page) and its direct subscopes.
/// Holding a scope implies holding every subscope, transitively, with the same filter.
/// </summary>
/// <param name="Name">The scope name, without filter (<c>read:users</c>, <c>custom:lab:read</c>).</param>
/// <param name="Description">What the scope allows, for people.</param>
/// <param name="Subscopes">The scopes directly implied by this one.</param>
public sealed record ScopeDefinition(string Name, string Description, IReadOnlyList<string> Subscopes)
{
    /// <summary>Creates a scope without subscopes.</summary>
    /// <param name="name">The scope name.</param>
    /// <param name="description">What the scope allows.</param>
    public ScopeDefinition(string name, string description)
        : this(name, description, [])
    {
    }
}
