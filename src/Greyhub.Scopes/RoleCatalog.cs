using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Greyhub.Scopes;

/// <summary>
/// The validated roles of a hub: the four default roles, overridden or extended by configuration. Validation
/// reports every problem at once (names, duplicates, unknown scopes naming role and scope, attempts to change the
/// <c>admin</c> role). Checking that assigned users, groups and services exist is the hub's job.
/// </summary>
public sealed partial class RoleCatalog
{
    private readonly FrozenDictionary<string, RoleDefinition> _roles;

    private RoleCatalog(IEnumerable<RoleDefinition> roles, ScopeDefinitions definitions)
    {
        _roles = roles.ToFrozenDictionary(r => r.Name, StringComparer.Ordinal);
        Definitions = definitions;
    }

    /// <summary>The scope catalogue the roles were validated against.</summary>
    public ScopeDefinitions Definitions { get; }

    /// <summary>All roles, defaults included, with description and scopes filled in.</summary>
    public IReadOnlyCollection<RoleDefinition> Roles => _roles.Values;

    /// <summary>
    /// Validates configured roles and merges them over the defaults (a configured default role keeps the default's
    /// description and scopes where it leaves them null; <c>admin</c> may only be assigned, never changed).
    /// </summary>
    /// <param name="configured">The configured roles (<c>load_roles</c>).</param>
    /// <param name="definitions">The scope catalogue (with custom scopes); built-ins when null.</param>
    /// <returns>The catalogue.</returns>
    /// <exception cref="ScopeConfigurationException">Every problem found.</exception>
    public static RoleCatalog Create(IEnumerable<RoleDefinition> configured, ScopeDefinitions? definitions = null)
    {
        ArgumentNullException.ThrowIfNull(configured);
        definitions ??= ScopeDefinitions.JupyterHub5;
        var errors = new List<string>();
        var roles = DefaultRoles.All.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var role in configured)
        {
            if (ValidateName(role.Name) is { } nameError)
            {
                errors.Add(nameError);
                continue;
            }

            if (!seen.Add(role.Name))
            {
                errors.Add($"Role '{role.Name}' is defined more than once.");
                continue;
            }

            var merged = role;
            if (roles.TryGetValue(role.Name, out var fallback) && DefaultRoles.IsDefault(role.Name))
            {
                if (role.Name == DefaultRoles.Admin.Name)
                {
                    CheckAdminUnchanged(role, errors);
                }

                merged = role with
                {
                    Description = role.Description ?? fallback.Description,
                    Scopes = role.Scopes ?? fallback.Scopes,
                };
            }

            foreach (var scope in merged.Scopes ?? [])
            {
                if (definitions.Validate(scope, $"role {role.Name}") is { } scopeError)
                {
                    errors.Add(scopeError);
                }
            }

            roles[role.Name] = merged with { Scopes = merged.Scopes ?? [] };
        }

        if (errors.Count > 0)
        {
            throw new ScopeConfigurationException("Invalid roles", errors);
        }

        return new RoleCatalog(roles.Values, definitions);
    }

    /// <summary>
    /// Checks a role name: 3–255 characters, lowercase ascii letters, digits and <c>-_.~</c>, starting with a letter
    /// and ending with a letter or digit.
    /// </summary>
    /// <param name="name">The role name.</param>
    /// <returns>Null when valid, otherwise the reason.</returns>
    public static string? ValidateName(string? name) =>
        name is not null && RoleName().IsMatch(name)
            ? null
            : $"Invalid role name '{name}': role names must be 3-255 characters of lowercase ascii letters, digits and '-_.~', start with a letter and end with a letter or digit.";

    /// <summary>Finds a role.</summary>
    /// <param name="name">The role name.</param>
    /// <param name="role">The role when found.</param>
    /// <returns>Whether it exists.</returns>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RoleDefinition? role) =>
        _roles.TryGetValue(name, out role);

    /// <summary>The raw scopes of some roles, deduplicated (JupyterHub's <c>roles_to_scopes</c>).</summary>
    /// <param name="roleNames">The names of the roles an entity has (for users: their own and their groups').</param>
    /// <returns>The raw scopes.</returns>
    /// <exception cref="KeyNotFoundException">A role does not exist.</exception>
    public IReadOnlySet<string> RawScopes(IEnumerable<string> roleNames)
    {
        ArgumentNullException.ThrowIfNull(roleNames);
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in roleNames)
        {
            if (!_roles.TryGetValue(name, out var role))
            {
                throw new KeyNotFoundException($"Role '{name}' does not exist.");
            }

            scopes.UnionWith(role.Scopes ?? []);
        }

        return scopes;
    }

    /// <summary>The expanded scopes of an owner from its roles (JupyterHub's <c>roles_to_expanded_scopes</c>).</summary>
    /// <param name="roleNames">The owner's roles, including those of a user's groups.</param>
    /// <param name="owner">The owner.</param>
    /// <returns>The expanded scopes; cache them per owner and role assignment.</returns>
    public ExpandedScopes ExpandFor(IEnumerable<string> roleNames, ScopeOwner owner) =>
        ExpandedScopes.Expand(RawScopes(roleNames), owner, Definitions);

    private static void CheckAdminUnchanged(RoleDefinition role, List<string> errors)
    {
        if (role.Description is not null && role.Description != DefaultRoles.Admin.Description)
        {
            errors.Add($"Cannot override the description of the admin role ('{role.Description}'); the admin role can only be assigned.");
        }

        if (role.Scopes is not null && !role.Scopes.SequenceEqual(DefaultRoles.Admin.Scopes!))
        {
            errors.Add($"Cannot override the scopes of the admin role ([{string.Join(", ", role.Scopes)}]); the admin role can only be assigned.");
        }
    }

    [GeneratedRegex(@"^[a-z][a-z0-9\-_~\.]{1,253}[a-z0-9]\z", RegexOptions.CultureInvariant)]
    private static partial Regex RoleName();
}
