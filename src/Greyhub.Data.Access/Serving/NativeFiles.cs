using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Greyhub.Data.Access.Serving;

/// <summary>
/// The Linux calls dataset keys are opened, described, read and listed with, all relative to an open folder
/// descriptor: <c>openat2</c> (through <c>syscall</c>: glibc has no wrapper), <c>openat</c>, <c>statx</c> (or
/// <c>fstat</c> through .NET's own native shim where glibc lacks <c>statx</c>), <c>pread</c>, <c>readdir</c> and
/// <c>unlinkat</c>. No path is ever resolved again from its string once a descriptor names it.
/// </summary>
internal static unsafe partial class NativeFiles
{
    public const int AtFdCwd = -100;
    public const int ENOENT = 2, EINTR = 4, ENXIO = 6, EAGAIN = 11, EACCES = 13, EXDEV = 18, ENOTDIR = 20, EINVAL = 22,
        ENAMETOOLONG = 36, ENOSYS = 38, ELOOP = 40, EPERM = 1, EISDIR = 21, EOPNOTSUPP = 95;

    public const int ORdOnly = 0, ONonBlock = 0x800, OCloExec = 0x80000, OPath = 0x200000;

    // O_DIRECTORY and O_NOFOLLOW are the two open flags whose values differ between x86-64 and arm64.
    private static readonly bool Arm = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;
    public static readonly int ODirectory = Arm ? 0x4000 : 0x10000;
    public static readonly int ONoFollow = Arm ? 0x8000 : 0x20000;

    public const ulong ResolveNoMagicLinks = 0x02, ResolveNoSymlinks = 0x04, ResolveBeneath = 0x08;

    private const int AtSymlinkNoFollow = 0x100, AtEmptyPath = 0x1000;
    private const long SysOpenat2 = 437; // the same number on every architecture (a post-5.1 syscall)
    private const uint StatxWanted = 0x1 | 0x2 | 0x40 | 0x100 | 0x200; // type, mode, mtime, ino, size

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Ino;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(112)] public long MtimeSeconds;
        [FieldOffset(120)] public uint MtimeNanoseconds;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }

    /// <summary>.NET's <c>FileStatus</c> (System.Native's <c>pal_io.h</c>): the same layout on every architecture.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 120)]
    private struct PalFileStatus
    {
        [FieldOffset(4)] public int Mode;
        [FieldOffset(16)] public long Size;
        [FieldOffset(40)] public long MTime;
        [FieldOffset(48)] public long MTimeNsec;
        [FieldOffset(88)] public long Dev;
        [FieldOffset(104)] public long Ino;
    }

    /// <summary>Whether the kernel answers <c>openat2</c> with the resolve flags used here (Linux 5.6+, and no seccomp filter refusing it).</summary>
    public static bool ProbeOpenat2()
    {
        using var root = OpenAt(null, "/"u8, OPath | ODirectory | OCloExec, out _);
        if (root is null)
        {
            return false;
        }
        using var self = Openat2(root, "."u8, OPath | OCloExec, ResolveBeneath | ResolveNoSymlinks | ResolveNoMagicLinks, out _);
        return self is not null;
    }

    /// <summary>Whether glibc has <c>statx</c> and the kernel answers it (glibc 2.28+, Linux 4.11+).</summary>
    public static bool ProbeStatx()
    {
        using var root = OpenAt(null, "/"u8, OPath | ODirectory | OCloExec, out _);
        if (root is null)
        {
            return false;
        }
        try
        {
            return Statx(root, out _) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary><c>openat2(dir, path, flags, resolve)</c>; null with <paramref name="errno"/> on failure.</summary>
    public static SafeFileHandle? Openat2(SafeFileHandle dir, ReadOnlySpan<byte> path, int flags, ulong resolve, out int errno)
    {
        var how = new OpenHow { Flags = (ulong)flags, Resolve = resolve };
        var add = false;
        try
        {
            dir.DangerousAddRef(ref add);
            fixed (byte* p = Terminated(path, stackalloc byte[256]))
            {
                while (true)
                {
                    var fd = SyscallOpenat2(SysOpenat2, (int)dir.DangerousGetHandle(), p, &how, (nuint)sizeof(OpenHow));
                    errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
                    if (fd >= 0 || errno != EINTR)
                    {
                        return fd >= 0 ? new SafeFileHandle((nint)fd, ownsHandle: true) : null;
                    }
                }
            }
        }
        finally
        {
            if (add)
            {
                dir.DangerousRelease();
            }
        }
    }

    /// <summary><c>openat(dir, path, flags)</c> (<c>AT_FDCWD</c> when <paramref name="dir"/> is null); null with <paramref name="errno"/> on failure.</summary>
    public static SafeFileHandle? OpenAt(SafeFileHandle? dir, ReadOnlySpan<byte> path, int flags, out int errno)
    {
        var add = false;
        try
        {
            dir?.DangerousAddRef(ref add);
            var dirFd = dir is null ? AtFdCwd : (int)dir.DangerousGetHandle();
            fixed (byte* p = Terminated(path, stackalloc byte[256]))
            {
                while (true)
                {
                    var fd = OpenAtNative(dirFd, p, flags, 0);
                    errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
                    if (fd >= 0 || errno != EINTR)
                    {
                        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : null;
                    }
                }
            }
        }
        finally
        {
            if (add)
            {
                dir!.DangerousRelease();
            }
        }
    }

    /// <summary><c>statx(fd, "", AT_EMPTY_PATH)</c>: the descriptor itself (a symlink opened with O_PATH is described, not followed). 0 or an errno.</summary>
    public static int Statx(SafeFileHandle fd, out FileStat stat)
    {
        StatxBuffer buffer;
        byte empty = 0;
        var result = StatxNative(fd, &empty, AtEmptyPath | AtSymlinkNoFollow, StatxWanted, &buffer);
        if (result != 0)
        {
            stat = default;
            return Marshal.GetLastPInvokeError();
        }
        stat = new FileStat(buffer.Mode, (long)buffer.Size, buffer.MtimeSeconds, buffer.MtimeNanoseconds, buffer.Ino,
            ((ulong)buffer.DevMajor << 32) | buffer.DevMinor);
        return 0;
    }

    /// <summary><c>statx(dir, name, AT_SYMLINK_NOFOLLOW)</c>: an entry of an open folder. 0 or an errno.</summary>
    public static int StatxAt(int dirFd, byte* name, out FileStat stat)
    {
        StatxBuffer buffer;
        var result = StatxAtNative(dirFd, name, AtSymlinkNoFollow, StatxWanted, &buffer);
        if (result != 0)
        {
            stat = default;
            return Marshal.GetLastPInvokeError();
        }
        stat = new FileStat(buffer.Mode, (long)buffer.Size, buffer.MtimeSeconds, buffer.MtimeNanoseconds, buffer.Ino,
            ((ulong)buffer.DevMajor << 32) | buffer.DevMinor);
        return 0;
    }

    /// <summary><c>fstat(fd)</c> through System.Native (present wherever .NET runs, whatever the glibc). 0 or an errno.</summary>
    public static int FStat(SafeFileHandle fd, out FileStat stat)
    {
        PalFileStatus status;
        if (PalFStat(fd, &status) != 0)
        {
            stat = default;
            return Marshal.GetLastPInvokeError();
        }
        // The device number as glibc packs it, to compare with another FStat only (never with statx's).
        stat = new FileStat((uint)status.Mode, status.Size, status.MTime, (uint)status.MTimeNsec, (ulong)status.Ino, (ulong)status.Dev);
        return 0;
    }

    /// <summary><c>pread</c> until <paramref name="buffer"/> is full or the file ends; the bytes read.</summary>
    public static int ReadAt(SafeFileHandle fd, Span<byte> buffer, long offset)
    {
        var total = 0;
        fixed (byte* p = buffer)
        {
            while (total < buffer.Length)
            {
                var read = PRead(fd, p + total, (nuint)(buffer.Length - total), offset + total);
                if (read < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR)
                    {
                        continue;
                    }
                    throw new IOException($"pread failed (errno {errno})");
                }
                if (read == 0)
                {
                    break;
                }
                total += (int)read;
            }
        }
        return total;
    }

    /// <summary>
    /// The entries of the open folder <paramref name="folder"/> (opened for reading), each described with
    /// <c>statx</c> relative to it; <c>.</c> and <c>..</c> left out. The descriptor is consumed.
    /// </summary>
    public static List<(string Name, FileStat Stat)> ReadFolder(SafeFileHandle folder, bool useStatx)
    {
        var fd = (int)folder.DangerousGetHandle();
        var dir = FdOpenDir(fd);
        if (dir == 0)
        {
            throw new IOException($"fdopendir failed (errno {Marshal.GetLastPInvokeError()})");
        }
        // closedir closes the descriptor from here on.
        folder.SetHandleAsInvalid();
        var entries = new List<(string, FileStat)>();
        try
        {
            while (true)
            {
                var entry = ReadDir(dir);
                if (entry == 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != 0)
                    {
                        throw new IOException($"readdir failed (errno {errno})");
                    }
                    return entries;
                }
                // struct dirent on 64-bit glibc: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
                // d_reclen bounds the record, so the name is never looked for past it.
                var name = (byte*)entry + 19;
                var record = new ReadOnlySpan<byte>(name, Math.Max(0, *(ushort*)((byte*)entry + 16) - 19));
                var length = record.IndexOf((byte)0);
                var span = length < 0 ? record : record[..length];
                if (span.SequenceEqual("."u8) || span.SequenceEqual(".."u8))
                {
                    continue;
                }
                FileStat stat;
                int failed;
                if (useStatx)
                {
                    failed = StatxAt(fd, name, out stat);
                }
                else
                {
                    // Without statx: open the entry itself with O_PATH|O_NOFOLLOW (never its target) and fstat that.
                    using var handle = OpenAt(new SafeFileHandle(fd, ownsHandle: false), span, OPath | ONoFollow | OCloExec, out failed);
                    stat = default;
                    if (handle is not null)
                    {
                        failed = FStat(handle, out stat);
                    }
                }
                if (failed == 0)
                {
                    entries.Add((Encoding.UTF8.GetString(span), stat));
                }
            }
        }
        finally
        {
            _ = CloseDir(dir);
        }
    }

    /// <summary><c>unlinkat(dir, name, 0)</c>: removes a file named relative to an open folder. 0 or an errno.</summary>
    public static int UnlinkAt(SafeFileHandle dir, ReadOnlySpan<byte> name)
    {
        fixed (byte* p = Terminated(name, stackalloc byte[256]))
        {
            return UnlinkAtNative(dir, p, 0) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    private static Span<byte> Terminated(ReadOnlySpan<byte> path, Span<byte> scratch)
    {
        var buffer = path.Length < scratch.Length ? scratch : new byte[path.Length + 1];
        path.CopyTo(buffer);
        buffer[path.Length] = 0;
        return buffer;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long SyscallOpenat2(long number, int dirFd, byte* path, OpenHow* how, nuint size);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    private static partial int OpenAtNative(int dirFd, byte* path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static partial int StatxNative(SafeFileHandle dirFd, byte* path, int flags, uint mask, StatxBuffer* buffer);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static partial int StatxAtNative(int dirFd, byte* path, int flags, uint mask, StatxBuffer* buffer);

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_FStat", SetLastError = true)]
    private static partial int PalFStat(SafeFileHandle fd, PalFileStatus* status);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static partial nint PRead(SafeFileHandle fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "fdopendir", SetLastError = true)]
    private static partial nint FdOpenDir(int fd);

    [LibraryImport("libc", EntryPoint = "readdir", SetLastError = true)]
    private static partial nint ReadDir(nint dir);

    [LibraryImport("libc", EntryPoint = "closedir")]
    private static partial int CloseDir(nint dir);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    private static partial int UnlinkAtNative(SafeFileHandle dirFd, byte* path, int flags);
}
