using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Greyhub.Data.Access.Serving;

/// <summary>What a key names inside a dataset, opened: nothing servable, a regular file, or a folder.</summary>
internal enum KeyKind
{
    /// <summary>Missing, or not something a dataset serves (a symlink, a FIFO, a socket, a device, outside the root).</summary>
    Missing,

    /// <summary>A regular file, open for reading.</summary>
    File,

    /// <summary>A folder, open for listing.</summary>
    Folder,
}

/// <summary>An opened key: its descriptor (null when <see cref="KeyKind.Missing"/>) and what that descriptor's stat said.</summary>
internal sealed class OpenedKey(KeyKind kind, SafeFileHandle? handle, FileStat stat) : IDisposable
{
    public static readonly OpenedKey Missing = new(KeyKind.Missing, null, default);

    public KeyKind Kind { get; } = kind;

    /// <summary>Open for reading (a file) or for listing (a folder); disposed with this unless taken.</summary>
    public SafeFileHandle? Handle { get; private set; } = handle;

    /// <summary>The stat of <see cref="Handle"/> itself: lengths and entity tags come from here, never from a path.</summary>
    public FileStat Stat { get; } = stat;

    /// <summary>Hands the descriptor over to a new owner (a stream, a listing).</summary>
    public SafeFileHandle Take()
    {
        var handle = Handle ?? throw new InvalidOperationException("Nothing was opened.");
        Handle = null;
        return handle;
    }

    public void Dispose() => Handle?.Dispose();
}

/// <summary>
/// Opens a key of a dataset relative to a descriptor of the dataset's root, so no path is resolved twice and none can
/// leave the root: with <c>openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)</c> where the kernel
/// has it (probed once, at start: a refusal of one request never changes the mode), otherwise by walking the key's
/// segments one <c>openat(O_NOFOLLOW)</c> at a time. Either way the key is first opened with <c>O_PATH</c> (which
/// opens nothing: no FIFO waits, no device driver runs) and described; only a regular file or a folder is then opened
/// for real (<c>O_NONBLOCK</c>), and only if it is still the same file.
/// </summary>
internal sealed partial class DatasetFiles
{
    private const ulong Resolve = NativeFiles.ResolveBeneath | NativeFiles.ResolveNoSymlinks | NativeFiles.ResolveNoMagicLinks;

    /// <summary>Probes the kernel and glibc once and logs what it will use.</summary>
    public DatasetFiles(ILogger<DatasetFiles> logger)
        : this(NativeFiles.ProbeOpenat2(), NativeFiles.ProbeStatx())
    {
        LogModes(logger, UsesOpenat2 ? "openat2 beneath the root" : "openat per segment (no openat2 here)", UsesStatx ? "statx" : "fstat");
    }

    /// <summary>A given mode (tests run both on every machine).</summary>
    internal DatasetFiles(bool openat2, bool statx)
    {
        UsesOpenat2 = openat2;
        UsesStatx = statx;
    }

    /// <summary>Whether keys are resolved by <c>openat2</c> (otherwise segment by segment); fixed for the process.</summary>
    public bool UsesOpenat2 { get; }

    /// <summary>Whether descriptors are described by <c>statx</c> (otherwise <c>fstat</c>); fixed for the process.</summary>
    public bool UsesStatx { get; }

    /// <summary>
    /// Opens <paramref name="key"/> (relative, <c>/</c>-separated, no trailing slash; empty for the root) under the folder
    /// <paramref name="root"/> (absolute, canonical). Refusals (missing, a symlink on the way, not a file or folder) are
    /// <see cref="OpenedKey.Missing"/>; failures of the machine (out of descriptors, I/O errors) throw.
    /// </summary>
    public OpenedKey Open(string root, string key)
    {
        if (!KeyShapeIsSafe(key))
        {
            return OpenedKey.Missing;
        }
        // The root's last segment is canonical (the registry resolved it): O_NOFOLLOW refuses a root swapped for a symlink.
        using var rootFd = NativeFiles.OpenAt(null, Encoding.UTF8.GetBytes(root), NativeFiles.OPath | NativeFiles.ODirectory | NativeFiles.ONoFollow | NativeFiles.OCloExec, out var errno);
        if (rootFd is null)
        {
            return Refused(errno, "open of the dataset root");
        }
        var path = key.Length == 0 ? "."u8.ToArray() : Encoding.UTF8.GetBytes(key);
        using var pathFd = OpenBeneath(rootFd, path, NativeFiles.OPath, out errno);
        if (pathFd is null)
        {
            return Refused(errno, "open (O_PATH) of a key");
        }
        var failed = Describe(pathFd, out var seen);
        if (failed != 0)
        {
            return Refused(failed, "stat of a key");
        }
        if (!seen.IsRegular && !seen.IsFolder)
        {
            return OpenedKey.Missing;
        }
        var flags = seen.IsFolder ? NativeFiles.ORdOnly | NativeFiles.ODirectory : NativeFiles.ORdOnly | NativeFiles.ONonBlock;
        var opened = OpenBeneath(rootFd, path, flags, out errno);
        if (opened is null)
        {
            return Refused(errno, "open of a key");
        }
        failed = Describe(opened, out var stat);
        // Replaced between the two opens (by a FIFO, a device, another file): refused, not served.
        if (failed != 0 || !stat.SameFile(seen) || stat.IsRegular != seen.IsRegular || stat.IsFolder != seen.IsFolder)
        {
            opened.Dispose();
            return failed != 0 ? Refused(failed, "stat of a key") : OpenedKey.Missing;
        }
        return new OpenedKey(seen.IsFolder ? KeyKind.Folder : KeyKind.File, opened, stat);
    }

    /// <summary>The entries of an opened folder that a dataset serves (regular files and folders), by name.</summary>
    public List<(string Name, FileStat Stat)> List(OpenedKey folder) =>
        NativeFiles.ReadFolder(folder.Take(), UsesStatx).Where(e => e.Stat.IsRegular || e.Stat.IsFolder).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();

    /// <summary>A key's descriptor described by the mode's call.</summary>
    internal int Describe(SafeFileHandle fd, out FileStat stat) => UsesStatx ? NativeFiles.Statx(fd, out stat) : NativeFiles.FStat(fd, out stat);

    /// <summary>
    /// Opens <paramref name="path"/> beneath <paramref name="root"/> with <paramref name="flags"/> (plus O_NOFOLLOW and
    /// O_CLOEXEC): one <c>openat2</c>, or a walk of <c>openat(O_PATH | O_DIRECTORY | O_NOFOLLOW)</c> over the folders.
    /// </summary>
    private SafeFileHandle? OpenBeneath(SafeFileHandle root, byte[] path, int flags, out int errno)
    {
        flags |= NativeFiles.OCloExec;
        if (UsesOpenat2)
        {
            // RESOLVE_BENEATH answers EAGAIN when a rename raced the lookup; it is safe to ask again.
            for (var attempt = 0; ; attempt++)
            {
                // O_PATH allows only O_DIRECTORY, O_NOFOLLOW and O_CLOEXEC beside it; O_NOFOLLOW is implied by RESOLVE_NO_SYMLINKS.
                var handle = NativeFiles.Openat2(root, path, flags, Resolve, out errno);
                if (handle is not null || errno != NativeFiles.EAGAIN || attempt == 3)
                {
                    return handle;
                }
            }
        }
        var segments = new ReadOnlySpan<byte>(path);
        SafeFileHandle? current = null;
        try
        {
            while (true)
            {
                var slash = segments.IndexOf((byte)'/');
                var dir = current ?? root;
                if (slash < 0)
                {
                    return NativeFiles.OpenAt(dir, segments, flags | NativeFiles.ONoFollow, out errno);
                }
                var next = NativeFiles.OpenAt(dir, segments[..slash], NativeFiles.OPath | NativeFiles.ODirectory | NativeFiles.ONoFollow | NativeFiles.OCloExec, out errno);
                if (next is null)
                {
                    return null;
                }
                current?.Dispose();
                current = next;
                segments = segments[(slash + 1)..];
            }
        }
        finally
        {
            current?.Dispose();
        }
    }

    /// <summary>Keys never hold empty, <c>.</c> or <c>..</c> segments, a leading slash or NUL: refused here too, whatever the caller checked.</summary>
    internal static bool KeyShapeIsSafe(string key)
    {
        if (key.Length == 0)
        {
            return true;
        }
        if (key.Contains('\0'))
        {
            return false;
        }
        foreach (var segment in key.Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A refusal the kernel gave for this key is a 404; anything else is the machine failing and throws.</summary>
    private static OpenedKey Refused(int errno, string what) => errno switch
    {
        NativeFiles.ENOENT or NativeFiles.ENOTDIR or NativeFiles.ELOOP or NativeFiles.EXDEV or NativeFiles.ENAMETOOLONG
            or NativeFiles.EACCES or NativeFiles.EPERM or NativeFiles.EAGAIN or NativeFiles.ENXIO or NativeFiles.EISDIR
            or NativeFiles.EOPNOTSUPP => OpenedKey.Missing,
        _ => throw new IOException($"{what} failed (errno {errno})"),
    };
}
