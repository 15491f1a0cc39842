using System.Text;
using Greyhub.Data.Access.Serving;

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

    /// <summary>How temporary files of writes in progress begin: short, so any key's name fits beside them.</summary>
    public const string TemporaryPrefix = ".greyhub-tmp-";

    /// <summary>The longest segment of a key, in UTF-8 bytes: Linux's NAME_MAX.</summary>
    public const int MaxSegmentBytes = 255;

    /// <summary>How old a temporary file must be before a write in its folder removes it as a dead writer's.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    /// <summary>Whether <paramref name="name"/> is a write's temporary file: never served, listed or written as a key.</summary>
    public static bool IsTemporary(string name) => name.StartsWith(TemporaryPrefix, StringComparison.Ordinal);

    /// <summary>A new temporary file's name.</summary>
    public static string TemporaryName() => TemporaryPrefix + Guid.NewGuid().ToString("N");

    /// <summary>Why <paramref name="key"/> cannot name a file, or null.</summary>
    public static string? NameProblem(string key)
    {
        foreach (var segment in key.Split('/'))
        {
            if (System.Text.Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes)
            {
                return $"Each part of a key between slashes may be at most {MaxSegmentBytes} bytes (UTF-8).";
            }
            if (IsTemporary(segment))
            {
                return $"Keys may not begin with '{TemporaryPrefix}'; the hub uses such names for writes in progress.";
            }
        }
        return null;
    }

    /// <summary>
    /// Removes temporary files older than <see cref="StaleAfter"/> from <paramref name="folder"/> (canonical): writers that
    /// died. The folder is opened once (never through a symlink) and each stale file is examined and removed relative to
    /// that descriptor (<c>unlinkat</c>), so a folder swapped for a symlink meanwhile cannot aim the removal elsewhere.
    /// </summary>
    public static void SweepStale(string folder, DateTimeOffset now)
    {
        try
        {
            using var dir = NativeFiles.OpenAt(null, Encoding.UTF8.GetBytes(folder), NativeFiles.OPath | NativeFiles.ODirectory | NativeFiles.ONoFollow | NativeFiles.OCloExec, out _);
            using var listing = dir is null ? null : NativeFiles.OpenAt(dir, "."u8, NativeFiles.ORdOnly | NativeFiles.ODirectory | NativeFiles.OCloExec, out _);
            if (dir is null || listing is null)
            {
                return;
            }
            foreach (var (name, stat) in NativeFiles.ReadFolder(listing, useStatx: Statx.Value))
            {
                if (IsTemporary(name) && stat.IsRegular && now - stat.LastModified > StaleAfter)
                {
                    _ = NativeFiles.UnlinkAt(dir, Encoding.UTF8.GetBytes(name));
                }
            }
        }
        catch (IOException)
        {
            // Best effort: the next write tries again.
        }
    }

    private static readonly Lazy<bool> Statx = new(NativeFiles.ProbeStatx);

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
