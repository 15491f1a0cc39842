using System.Runtime.InteropServices;

namespace Greyhub.Data.Access;

/// <summary>
/// Canonical paths through <c>realpath(3)</c>: every symlink resolved, <c>.</c> and <c>..</c> gone, in one call. What a
/// dataset serves is decided on these, so a symlink pointing out of a dataset is caught wherever it sits.
/// </summary>
internal static partial class RealPath
{
    /// <summary>The canonical path of an existing file or folder, or null when it does not exist (or cannot be resolved).</summary>
    public static string? Resolve(string path)
    {
        var resolved = RealPathNative(path, 0);
        if (resolved == 0)
        {
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> or inside it (both canonical).</summary>
    public static bool IsWithin(string path, string root) =>
        path.Length == root.Length
            ? string.Equals(path, root, StringComparison.Ordinal)
            : path.Length > root.Length && path.StartsWith(root, StringComparison.Ordinal)
                && (root.EndsWith('/') || path[root.Length] == '/');

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint RealPathNative(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(nint pointer);
}
