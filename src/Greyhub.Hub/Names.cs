namespace Greyhub.Hub;

/// <summary>
/// User and group name rules. JupyterHub lowercases user names (<c>normalize_username</c>) and refuses '/';
/// Greyhub also refuses whitespace, control characters and names over 255 characters, which break URLs,
/// folders and job names downstream.
/// </summary>
internal static class Names
{
    /// <summary>The rules of <see cref="IsValid"/> in words, shown next to a name field.</summary>
    public const string ServerRules = "Use 1 to 255 characters: letters, digits and punctuation such as - _ . @ are fine; no spaces and no \"/\".";

    /// <summary>What is wrong with a name <see cref="IsValid"/> refuses, in words; null when it is fine.</summary>
    public static string? Problem(string name) => name switch
    {
        "" => "is empty",
        { Length: > 255 } => $"is {name.Length} characters long (at most 255)",
        "." or ".." => "cannot be \".\" or \"..\"",
        _ when name.Contains('/', StringComparison.Ordinal) => "contains \"/\"",
        _ when name.Any(char.IsWhiteSpace) => "contains a space",
        _ when !IsValid(name) => "contains a character that cannot be in a name",
        _ => null,
    };

    public static string NormalizeUser(string name) => name.Trim().ToLowerInvariant();

    public static bool IsValid(string name)
    {
        if (name.Length is 0 or > 255 || name is "." or "..")
        {
            return false;
        }
        foreach (var c in name)
        {
            if (c == '/' || char.IsWhiteSpace(c) || char.IsControl(c) || char.IsSurrogate(c) && !char.IsHighSurrogate(c) && !char.IsLowSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }
}
