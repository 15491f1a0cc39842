using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Greyhub.Zarr.Compression.Shuffle;

// AVX2 unshuffle (the decode side): the SSE2 interleaves run in each 128-bit lane, so 32 elements per
// step come out as two 16-element halves that a final cross-lane permute puts back in order.
public static partial class ByteShuffle
{
    private static int Unshuffle4Avx2(ReadOnlySpan<byte> source, Span<byte> destination, int n)
    {
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var i = 0;
        for (; i + 32 <= n; i += 32)
        {
            Unshuffle4Step256(ref src, n, i, ref Unsafe.Add(ref dst, i * 4));
        }
        return i;
    }

    private static int Unshuffle8Avx2(ReadOnlySpan<byte> source, Span<byte> destination, int n)
    {
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var i = 0;
        for (; i + 32 <= n; i += 32)
        {
            Unshuffle8Step256(ref src, n, i, ref Unsafe.Add(ref dst, i * 8));
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Load256(ref byte origin, int offset) =>
        Unsafe.ReadUnaligned<Vector256<byte>>(ref Unsafe.Add(ref origin, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(ref byte origin, int offset, Vector256<byte> value) =>
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref origin, offset), value);

    // One step: elements i..i+32 of a shuffled block of n elements to dst, in element order (whole blocks and ranges).
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
}
