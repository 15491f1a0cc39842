using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Unshuffle4Step256(ref byte src, int n, int i, ref byte dst)
    {
        var r0 = Load256(ref src, i);
        var r1 = Load256(ref src, n + i);
        var r2 = Load256(ref src, (2 * n) + i);
        var r3 = Load256(ref src, (3 * n) + i);
        var a = Avx2.UnpackLow(r0, r1).AsUInt16();
        var b = Avx2.UnpackHigh(r0, r1).AsUInt16();
        var c = Avx2.UnpackLow(r2, r3).AsUInt16();
        var d = Avx2.UnpackHigh(r2, r3).AsUInt16();
        var o0 = Avx2.UnpackLow(a, c).AsByte();
        var o1 = Avx2.UnpackHigh(a, c).AsByte();
        var o2 = Avx2.UnpackLow(b, d).AsByte();
        var o3 = Avx2.UnpackHigh(b, d).AsByte();
        Store256(ref dst, 0, Avx2.Permute2x128(o0, o1, 0x20));
        Store256(ref dst, 32, Avx2.Permute2x128(o2, o3, 0x20));
        Store256(ref dst, 64, Avx2.Permute2x128(o0, o1, 0x31));
        Store256(ref dst, 96, Avx2.Permute2x128(o2, o3, 0x31));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Unshuffle4Step128(ref byte src, int n, int i, ref byte dst)
    {
        var r0 = Load(ref src, i);
        var r1 = Load(ref src, n + i);
        var r2 = Load(ref src, (2 * n) + i);
        var r3 = Load(ref src, (3 * n) + i);
        var a = Sse2.UnpackLow(r0, r1).AsUInt16();
        var b = Sse2.UnpackHigh(r0, r1).AsUInt16();
        var c = Sse2.UnpackLow(r2, r3).AsUInt16();
        var d = Sse2.UnpackHigh(r2, r3).AsUInt16();
        Store(ref dst, 0, Sse2.UnpackLow(a, c).AsByte());
        Store(ref dst, 16, Sse2.UnpackHigh(a, c).AsByte());
        Store(ref dst, 32, Sse2.UnpackLow(b, d).AsByte());
        Store(ref dst, 48, Sse2.UnpackHigh(b, d).AsByte());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Unshuffle8Step256(ref byte src, int n, int i, ref byte dst)
    {
        var s0 = Avx2.UnpackLow(Load256(ref src, i), Load256(ref src, n + i)).AsUInt16();
        var s1 = Avx2.UnpackHigh(Load256(ref src, i), Load256(ref src, n + i)).AsUInt16();
        var s2 = Avx2.UnpackLow(Load256(ref src, (2 * n) + i), Load256(ref src, (3 * n) + i)).AsUInt16();
        var s3 = Avx2.UnpackHigh(Load256(ref src, (2 * n) + i), Load256(ref src, (3 * n) + i)).AsUInt16();
        var s4 = Avx2.UnpackLow(Load256(ref src, (4 * n) + i), Load256(ref src, (5 * n) + i)).AsUInt16();
        var s5 = Avx2.UnpackHigh(Load256(ref src, (4 * n) + i), Load256(ref src, (5 * n) + i)).AsUInt16();
        var s6 = Avx2.UnpackLow(Load256(ref src, (6 * n) + i), Load256(ref src, (7 * n) + i)).AsUInt16();
        var s7 = Avx2.UnpackHigh(Load256(ref src, (6 * n) + i), Load256(ref src, (7 * n) + i)).AsUInt16();
        var t0 = Avx2.UnpackLow(s0, s2).AsUInt32();
        var t1 = Avx2.UnpackHigh(s0, s2).AsUInt32();
        var t2 = Avx2.UnpackLow(s1, s3).AsUInt32();
        var t3 = Avx2.UnpackHigh(s1, s3).AsUInt32();
        var t4 = Avx2.UnpackLow(s4, s6).AsUInt32();
        var t5 = Avx2.UnpackHigh(s4, s6).AsUInt32();
        var t6 = Avx2.UnpackLow(s5, s7).AsUInt32();
        var t7 = Avx2.UnpackHigh(s5, s7).AsUInt32();
        var o0 = Avx2.UnpackLow(t0, t4).AsByte();
        var o1 = Avx2.UnpackHigh(t0, t4).AsByte();
        var o2 = Avx2.UnpackLow(t1, t5).AsByte();
        var o3 = Avx2.UnpackHigh(t1, t5).AsByte();
        var o4 = Avx2.UnpackLow(t2, t6).AsByte();
        var o5 = Avx2.UnpackHigh(t2, t6).AsByte();
        var o6 = Avx2.UnpackLow(t3, t7).AsByte();
        var o7 = Avx2.UnpackHigh(t3, t7).AsByte();
        Store256(ref dst, 0, Avx2.Permute2x128(o0, o1, 0x20));
        Store256(ref dst, 32, Avx2.Permute2x128(o2, o3, 0x20));
        Store256(ref dst, 64, Avx2.Permute2x128(o4, o5, 0x20));
        Store256(ref dst, 96, Avx2.Permute2x128(o6, o7, 0x20));
        Store256(ref dst, 128, Avx2.Permute2x128(o0, o1, 0x31));
        Store256(ref dst, 160, Avx2.Permute2x128(o2, o3, 0x31));
        Store256(ref dst, 192, Avx2.Permute2x128(o4, o5, 0x31));
        Store256(ref dst, 224, Avx2.Permute2x128(o6, o7, 0x31));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Unshuffle8Step128(ref byte src, int n, int i, ref byte dst)
    {
        var s0 = Sse2.UnpackLow(Load(ref src, i), Load(ref src, n + i)).AsUInt16();
        var s1 = Sse2.UnpackHigh(Load(ref src, i), Load(ref src, n + i)).AsUInt16();
        var s2 = Sse2.UnpackLow(Load(ref src, (2 * n) + i), Load(ref src, (3 * n) + i)).AsUInt16();
        var s3 = Sse2.UnpackHigh(Load(ref src, (2 * n) + i), Load(ref src, (3 * n) + i)).AsUInt16();
        var s4 = Sse2.UnpackLow(Load(ref src, (4 * n) + i), Load(ref src, (5 * n) + i)).AsUInt16();
        var s5 = Sse2.UnpackHigh(Load(ref src, (4 * n) + i), Load(ref src, (5 * n) + i)).AsUInt16();
        var s6 = Sse2.UnpackLow(Load(ref src, (6 * n) + i), Load(ref src, (7 * n) + i)).AsUInt16();
        var s7 = Sse2.UnpackHigh(Load(ref src, (6 * n) + i), Load(ref src, (7 * n) + i)).AsUInt16();
        var t0 = Sse2.UnpackLow(s0, s2).AsUInt32();
        var t1 = Sse2.UnpackHigh(s0, s2).AsUInt32();
        var t2 = Sse2.UnpackLow(s1, s3).AsUInt32();
        var t3 = Sse2.UnpackHigh(s1, s3).AsUInt32();
        var t4 = Sse2.UnpackLow(s4, s6).AsUInt32();
        var t5 = Sse2.UnpackHigh(s4, s6).AsUInt32();
        var t6 = Sse2.UnpackLow(s5, s7).AsUInt32();
        var t7 = Sse2.UnpackHigh(s5, s7).AsUInt32();
        Store(ref dst, 0, Sse2.UnpackLow(t0, t4).AsByte());
        Store(ref dst, 16, Sse2.UnpackHigh(t0, t4).AsByte());
        Store(ref dst, 32, Sse2.UnpackLow(t1, t5).AsByte());
        Store(ref dst, 48, Sse2.UnpackHigh(t1, t5).AsByte());
        Store(ref dst, 64, Sse2.UnpackLow(t2, t6).AsByte());
        Store(ref dst, 80, Sse2.UnpackHigh(t2, t6).AsByte());
        Store(ref dst, 96, Sse2.UnpackLow(t3, t7).AsByte());
        Store(ref dst, 112, Sse2.UnpackHigh(t3, t7).AsByte());
    }
}
