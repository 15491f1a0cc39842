using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Greyhub.Zarr.Compression.Shuffle;

// Unshuffle of a range of elements of a shuffled block into a destination of its own: how a Blosc chunk is
// written row by row straight into its place in a larger array, without a whole-chunk buffer and a second copy.
public static partial class ByteShuffle
{
    /// <summary>True when <see cref="UnshuffleRange"/> has a vector kernel for <paramref name="typeSize"/> on this CPU.</summary>
    internal static bool HasRangeKernel(int typeSize) => typeSize is 4 or 8 && Sse2.IsSupported;

    /// <summary>
    /// Writes elements <paramref name="first"/>..<paramref name="first"/>+<paramref name="count"/> of a shuffled block
    /// of <paramref name="n"/> whole elements (byte <c>j</c> of element <c>i</c> at <c>j * n + i</c>) to
    /// <paramref name="destination"/>, <paramref name="count"/> × <paramref name="typeSize"/> bytes, in element order.
    /// </summary>
    internal static void UnshuffleRange(int typeSize, ReadOnlySpan<byte> source, int n, int first, int count, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(typeSize, 1);
        if (first < 0 || count < 0 || first + count > n || (long)n * typeSize > source.Length || (long)count * typeSize > destination.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "the element range must lie inside the block and fit the destination");
        }
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var i = 0;
        if (typeSize == 4)
        {
            if (Avx2.IsSupported)
            {
                for (; i + 32 <= count; i += 32)
                {
                    Unshuffle4Step256(ref src, n, first + i, ref Unsafe.Add(ref dst, i * 4));
                }
            }
            if (Sse2.IsSupported)
            {
                for (; i + 16 <= count; i += 16)
                {
                    Unshuffle4Step128(ref src, n, first + i, ref Unsafe.Add(ref dst, i * 4));
                }
            }
        }
        else if (typeSize == 8)
        {
            if (Avx2.IsSupported)
            {
                for (; i + 32 <= count; i += 32)
                {
                    Unshuffle8Step256(ref src, n, first + i, ref Unsafe.Add(ref dst, i * 8));
                }
            }
            if (Sse2.IsSupported)
            {
                for (; i + 16 <= count; i += 16)
                {
                    Unshuffle8Step128(ref src, n, first + i, ref Unsafe.Add(ref dst, i * 8));
                }
            }
        }
        for (; i < count; i++)
        {
            ref var element = ref Unsafe.Add(ref dst, i * typeSize);
            for (var j = 0; j < typeSize; j++)
            {
                Unsafe.Add(ref element, j) = Unsafe.Add(ref src, (j * n) + first + i);
            }
        }
    }
}
