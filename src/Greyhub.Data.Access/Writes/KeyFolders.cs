namespace Greyhub.Data.Access.Writes;

/// <summary>The folder a key's file lives in, inside its dataset: each folder on the way checked after resolving symlinks.</summary>
internal static class KeyFolders
{
    /// <summary>Why no folder was found.</summary>
    public enum Problem
    {
        /// <summary>A folder was found.</summary>
        None,

        /// <summary>A folder on the way is missing (and not to be made), or resolves outside the dataset.</summary>
        NotFound,

        /// <summary>A name on the way is a file.</summary>
        Conflict,
    }

    /// <summary>
    /// The canonical folder holding <paramref name="key"/>'s file under <paramref name="root"/> (canonical), making missing
    /// folders when <paramref name="create"/>. A symlinked folder is followed only when it stays inside the dataset.
    /// </summary>
    public static (string? Folder, Problem Problem) Parent(string root, string key, bool create)
    {
        var segments = key.Split('/');
        var current = root;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            var next = Path.Combine(current, segments[i]);
            if (!Directory.Exists(next))
            {
                if (File.Exists(next))
                {
                    return (null, Problem.Conflict);
                }
                if (!create || new FileInfo(next).LinkTarget is not null)
                {
                    return (null, Problem.NotFound);   // missing, or a dangling symlink
                }
                Directory.CreateDirectory(next);
            }
            var real = RealPath.Resolve(next);
            if (real is null || !RealPath.IsWithin(real, root) || !Directory.Exists(real))
            {
                return (null, Problem.NotFound);
            }
            current = real;
        }
        return (current, Problem.None);
    }
}
