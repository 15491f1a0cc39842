using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Greyhub.Zarr.Compression.Shuffle;

/// <summary>
/// Blosc's byte shuffle over one block: with <c>n = length / typeSize</c> elements, byte <c>j</c> of
/// element <c>i</c> goes to <c>j * n + i</c>; the trailing <c>length % typeSize</c> bytes are copied as they are.
/// SSE2/SSSE3 kernels for type sizes 2, 4, 8 and 16, a scalar loop otherwise.
/// </summary>
public static partial class ByteShuffle
{
    /// <summary>Shuffles <paramref name="source"/> into <paramref name="destination"/> (same length, no overlap).</summary>
    public static void Shuffle(int typeSize, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(typeSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, source.Length, nameof(destination));
        var length = source.Length;
        var n = length / typeSize;
        var done = 0;
        if (n >= 16 && Ssse3.IsSupported)
        {
            done = typeSize switch
            {
                2 => Shuffle2Sse(source, destination, n),
                4 => Shuffle4Sse(source, destination, n),
                8 => Shuffle8Sse(source, destination, n),
                16 => Shuffle16Sse(source, destination, n),
                _ => 0,
            };
        }
        ShuffleScalar(typeSize, source, destination, n, done);
        source[(n * typeSize)..].CopyTo(destination[(n * typeSize)..length]);
    }

    /// <summary>Undoes <see cref="Shuffle"/>.</summary>
    public static void Unshuffle(int typeSize, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(typeSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, source.Length, nameof(destination));
        var length = source.Length;
        var n = length / typeSize;
        var done = 0;
        if (n >= 32 && Avx2.IsSupported)
        {
            done = typeSize switch
            {
                4 => Unshuffle4Avx2(source, destination, n),
                8 => Unshuffle8Avx2(source, destination, n),
                _ => 0,
            };
        }
        if (n - done >= 16 && Sse2.IsSupported)
        {
            done = typeSize switch
            {
                2 => Unshuffle2Sse(source, destination, n, done),
                4 => Unshuffle4Sse(source, destination, n, done),
                8 => Unshuffle8Sse(source, destination, n, done),
                16 => Unshuffle16Sse(source, destination, n, done),
                _ => done,
            };
        }
        UnshuffleScalar(typeSize, source, destination, n, done);
        source[(n * typeSize)..].CopyTo(destination[(n * typeSize)..length]);
    }

    /// <summary>Scalar shuffle of elements <paramref name="start"/>..<paramref name="n"/>.</summary>
    internal static void ShuffleScalar(int typeSize, ReadOnlySpan<byte> source, Span<byte> destination, int n, int start)
    {
        if (start >= n)
        {
            return;
        }
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (var j = 0; j < typeSize; j++)
        {
            ref var row = ref Unsafe.Add(ref dst, j * n);
            for (var i = start; i < n; i++)
            {
                Unsafe.Add(ref row, i) = Unsafe.Add(ref src, (i * typeSize) + j);
            }
        }
    }

    /// <summary>Scalar unshuffle of elements <paramref name="start"/>..<paramref name="n"/>.</summary>
    internal static void UnshuffleScalar(int typeSize, ReadOnlySpan<byte> source, Span<byte> destination, int n, int start)
    {
        if (start >= n)
        {
            return;
        }
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (var i = start; i < n; i++)
        {
            ref var element = ref Unsafe.Add(ref dst, i * typeSize);
            for (var j = 0; j < typeSize; j++)
            {
                Unsafe.Add(ref element, j) = Unsafe.Add(ref src, (j * n) + i);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Load(ref byte origin, int offset) =>
        Unsafe.ReadUnaligned<Vector128<byte>>(ref Unsafe.Add(ref origin, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref byte origin, int offset, Vector128<byte> value) =>
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref origin, offset), value);
}
