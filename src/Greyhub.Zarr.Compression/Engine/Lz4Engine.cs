using System.Runtime.CompilerServices;
using K4os.Compression.LZ4;

namespace Greyhub.Zarr.Compression.Engine;

/// <summary>
/// LZ4 raw blocks through K4os (a faithful port of liblz4). c-blosc calls <c>LZ4_compress_fast</c> with an
/// acceleration and <c>LZ4_compress_HC</c> with levels 1..9; K4os' public API only offers acceleration 1
/// and HC levels 3..12, so the engine's own entry points are reached with <see cref="UnsafeAccessorAttribute"/>
/// and the public API is the fallback if a K4os update moves them.
/// </summary>
internal static unsafe class Lz4Engine
{
    private const string EngineType = "K4os.Compression.LZ4.Engine.LLxx, K4os.Compression.LZ4";
    private static bool _accessorBroken;

    /// <summary><c>LZ4_compress_fast</c>: compressed size, or 0 when it does not fit.</summary>
    public static int CompressFast(ReadOnlySpan<byte> source, Span<byte> target, int acceleration)
    {
        if (source.IsEmpty)
        {
            return 0;
        }
        fixed (byte* s = source)
        fixed (byte* t = target)
        {
            if (!_accessorBroken)
            {
                try
                {
                    return Math.Max(0, Lz4CompressFast(null, s, t, source.Length, target.Length, acceleration));
                }
                catch (MissingMemberException)
                {
                    _accessorBroken = true;
                }
            }
            return Math.Max(0, LZ4Codec.Encode(s, source.Length, t, target.Length, LZ4Level.L00_FAST));
        }
    }

    /// <summary><c>LZ4_compress_HC</c>: compressed size, or 0 when it does not fit.</summary>
    public static int CompressHc(ReadOnlySpan<byte> source, Span<byte> target, int level)
    {
        if (source.IsEmpty)
        {
            return 0;
        }
        fixed (byte* s = source)
        fixed (byte* t = target)
        {
            if (!_accessorBroken)
            {
                try
                {
                    return Math.Max(0, Lz4CompressHc(null, s, t, source.Length, target.Length, level));
                }
                catch (MissingMemberException)
                {
                    _accessorBroken = true;
                }
            }
            var fallback = (LZ4Level)Math.Clamp(level, (int)LZ4Level.L03_HC, (int)LZ4Level.L12_MAX);
            return Math.Max(0, LZ4Codec.Encode(s, source.Length, t, target.Length, fallback));
        }
    }

    /// <summary><c>LZ4_decompress_safe</c>: decoded size, or a negative number on corrupt input.</summary>
    public static int Decompress(ReadOnlySpan<byte> source, Span<byte> target) => LZ4Codec.Decode(source, target);

    [UnsafeAccessor(UnsafeAccessorKind.StaticMethod, Name = "LZ4_compress_fast")]
    private static extern int Lz4CompressFast(
        [UnsafeAccessorType(EngineType)] object? engine, byte* source, byte* target, int sourceLength, int targetLength, int acceleration);

    [UnsafeAccessor(UnsafeAccessorKind.StaticMethod, Name = "LZ4_compress_HC")]
    private static extern int Lz4CompressHc(
        [UnsafeAccessorType(EngineType)] object? engine, byte* source, byte* target, int sourceLength, int targetLength, int level);
}
