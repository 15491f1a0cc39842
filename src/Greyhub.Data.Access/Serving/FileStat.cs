using System.Globalization;

namespace Greyhub.Data.Access.Serving;

/// <summary>What <c>statx</c> (or <c>fstat</c>) said about one open descriptor: type, length, modification time, identity.</summary>
internal readonly record struct FileStat(uint Mode, long Size, long MtimeSeconds, uint MtimeNanoseconds, ulong Inode, ulong Device)
{
    private const uint TypeMask = 0xF000;

    // DateTimeOffset's range in Unix seconds: a file dated outside it (tmpfs and XFS keep 64-bit times) is clamped, never a throw.
    private static readonly long MinSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly long MaxSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>A regular file: the only kind of key served as bytes.</summary>
    public bool IsRegular => (Mode & TypeMask) == 0x8000;

    /// <summary>A folder: listed.</summary>
    public bool IsFolder => (Mode & TypeMask) == 0x4000;

    /// <summary>Whether <paramref name="other"/> describes the same file (device and inode).</summary>
    public bool SameFile(FileStat other) => Inode == other.Inode && Device == other.Device;

    /// <summary>The modification time, whole seconds (as HTTP dates carry it), clamped to what a date can hold.</summary>
    public DateTimeOffset LastModified => DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(MtimeSeconds, MinSeconds, MaxSeconds));

    /// <summary>
    /// A strong entity tag from the modification time (100 ns ticks, as before) and the length, so If-Range and ranges
    /// work across hubs serving the same files; a time out of the ticks' range keeps its raw seconds instead.
    /// </summary>
    public string ETag
    {
        get
        {
            if (MtimeSeconds > MinSeconds && MtimeSeconds < MaxSeconds)
            {
                var ticks = DateTimeOffset.FromUnixTimeSeconds(MtimeSeconds).UtcTicks + (MtimeNanoseconds % 1_000_000_000) / 100;
                return string.Create(CultureInfo.InvariantCulture, $"\"{ticks:x}-{Size:x}\"");
            }
            return string.Create(CultureInfo.InvariantCulture, $"\"s{MtimeSeconds:x}-{Size:x}\"");
        }
    }
}
