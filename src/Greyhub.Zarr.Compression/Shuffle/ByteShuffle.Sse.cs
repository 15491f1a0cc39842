using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Greyhub.Zarr.Compression.Shuffle;

// SSE2/SSSE3 kernels; each handles 16 elements per step and returns how many elements it did.
public static partial class ByteShuffle
{
    private static int Shuffle2Sse(ReadOnlySpan<byte> source, Span<byte> destination, int n)
    {
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var mask = Vector128.Create((byte)0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
        var i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var a = Ssse3.Shuffle(Load(ref src, i * 2), mask).AsUInt64();
            var b = Ssse3.Shuffle(Load(ref src, (i * 2) + 16), mask).AsUInt64();
            Store(ref dst, i, Sse2.UnpackLow(a, b).AsByte());
            Store(ref dst, n + i, Sse2.UnpackHigh(a, b).AsByte());
        }
        return i;
    }

    private static int Shuffle4Sse(ReadOnlySpan<byte> source, Span<byte> destination, int n)
    {
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var mask = Vector128.Create((byte)0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        var i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var o = i * 4;
            var v0 = Ssse3.Shuffle(Load(ref src, o), mask).AsUInt32();
            var v1 = Ssse3.Shuffle(Load(ref src, o + 16), mask).AsUInt32();
            var v2 = Ssse3.Shuffle(Load(ref src, o + 32), mask).AsUInt32();
            var v3 = Ssse3.Shuffle(Load(ref src, o + 48), mask).AsUInt32();
            var t0 = Sse2.UnpackLow(v0, v1).AsUInt64();
            var t1 = Sse2.UnpackHigh(v0, v1).AsUInt64();
            var t2 = Sse2.UnpackLow(v2, v3).AsUInt64();
            var t3 = Sse2.UnpackHigh(v2, v3).AsUInt64();
            Store(ref dst, i, Sse2.UnpackLow(t0, t2).AsByte());
            Store(ref dst, n + i, Sse2.UnpackHigh(t0, t2).AsByte());
            Store(ref dst, (2 * n) + i, Sse2.UnpackLow(t1, t3).AsByte());
            Store(ref dst, (3 * n) + i, Sse2.UnpackHigh(t1, t3).AsByte());
        }
        return i;
    }

    private static int Shuffle8Sse(ReadOnlySpan<byte> source, Span<byte> destination, int n)
    {
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var mask = Vector128.Create((byte)0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
        var i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var o = i * 8;
            // Each vector holds two elements; after the byte shuffle 16-bit lane j = byte j of both.
            var v0 = Ssse3.Shuffle(Load(ref src, o), mask).AsUInt16();
            var v1 = Ssse3.Shuffle(Load(ref src, o + 16), mask).AsUInt16();
            var v2 = Ssse3.Shuffle(Load(ref src, o + 32), mask).AsUInt16();
            var v3 = Ssse3.Shuffle(Load(ref src, o + 48), mask).AsUInt16();
            var v4 = Ssse3.Shuffle(Load(ref src, o + 64), mask).AsUInt16();
            var v5 = Ssse3.Shuffle(Load(ref src, o + 80), mask).AsUInt16();
            var v6 = Ssse3.Shuffle(Load(ref src, o + 96), mask).AsUInt16();
            var v7 = Ssse3.Shuffle(Load(ref src, o + 112), mask).AsUInt16();
            // 8x8 transpose of 16-bit lanes.
            var s0 = Sse2.UnpackLow(v0, v1).AsUInt32();
            var s1 = Sse2.UnpackHigh(v0, v1).AsUInt32();
            var s2 = Sse2.UnpackLow(v2, v3).AsUInt32();
            var s3 = Sse2.UnpackHigh(v2, v3).AsUInt32();
            var s4 = Sse2.UnpackLow(v4, v5).AsUInt32();
            var s5 = Sse2.UnpackHigh(v4, v5).AsUInt32();
            var s6 = Sse2.UnpackLow(v6, v7).AsUInt32();
            var s7 = Sse2.UnpackHigh(v6, v7).AsUInt32();
            var u0 = Sse2.UnpackLow(s0, s2).AsUInt64();
            var u1 = Sse2.UnpackHigh(s0, s2).AsUInt64();
            var u2 = Sse2.UnpackLow(s1, s3).AsUInt64();
            var u3 = Sse2.UnpackHigh(s1, s3).AsUInt64();
            var u4 = Sse2.UnpackLow(s4, s6).AsUInt64();
            var u5 = Sse2.UnpackHigh(s4, s6).AsUInt64();
            var u6 = Sse2.UnpackLow(s5, s7).AsUInt64();
            var u7 = Sse2.UnpackHigh(s5, s7).AsUInt64();
            Store(ref dst, i, Sse2.UnpackLow(u0, u4).AsByte());
            Store(ref dst, n + i, Sse2.UnpackHigh(u0, u4).AsByte());
            Store(ref dst, (2 * n) + i, Sse2.UnpackLow(u1, u5).AsByte());
            Store(ref dst, (3 * n) + i, Sse2.UnpackHigh(u1, u5).AsByte());
            Store(ref dst, (4 * n) + i, Sse2.UnpackLow(u2, u6).AsByte());
            Store(ref dst, (5 * n) + i, Sse2.UnpackHigh(u2, u6).AsByte());
            Store(ref dst, (6 * n) + i, Sse2.UnpackLow(u3, u7).AsByte());
            Store(ref dst, (7 * n) + i, Sse2.UnpackHigh(u3, u7).AsByte());
        }
        return i;
    }

    private static int Shuffle16Sse(ReadOnlySpan<byte> source, Span<byte> destination, int n)
    {
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        Span<Vector128<byte>> rows = stackalloc Vector128<byte>[16];
        var i = 0;
        for (; i + 16 <= n; i += 16)
        {
            for (var e = 0; e < 16; e++)
            {
                rows[e] = Load(ref src, (i + e) * 16);
            }
            Transpose16x16(rows);
            for (var j = 0; j < 16; j++)
            {
                Store(ref dst, (j * n) + i, rows[j]);
            }
        }
        return i;
    }

    private static int Unshuffle2Sse(ReadOnlySpan<byte> source, Span<byte> destination, int n, int start)
    {
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var i = start;
        for (; i + 16 <= n; i += 16)
        {
            var r0 = Load(ref src, i);
            var r1 = Load(ref src, n + i);
            Store(ref dst, i * 2, Sse2.UnpackLow(r0, r1));
            Store(ref dst, (i * 2) + 16, Sse2.UnpackHigh(r0, r1));
        }
        return i;
    }

    private static int Unshuffle4Sse(ReadOnlySpan<byte> source, Span<byte> destination, int n, int start)
    {
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var i = start;
        for (; i + 16 <= n; i += 16)
        {
            Unshuffle4Step128(ref src, n, i, ref Unsafe.Add(ref dst, i * 4));
        }
        return i;
    }

    private static int Unshuffle8Sse(ReadOnlySpan<byte> source, Span<byte> destination, int n, int start)
    {
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var i = start;
        for (; i + 16 <= n; i += 16)
        {
            Unshuffle8Step128(ref src, n, i, ref Unsafe.Add(ref dst, i * 8));
        }
        return i;
    }

    private static int Unshuffle16Sse(ReadOnlySpan<byte> source, Span<byte> destination, int n, int start)
    {
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        Span<Vector128<byte>> rows = stackalloc Vector128<byte>[16];
        var i = start;
        for (; i + 16 <= n; i += 16)
        {
            for (var j = 0; j < 16; j++)
            {
                rows[j] = Load(ref src, (j * n) + i);
            }
            Transpose16x16(rows);
            for (var e = 0; e < 16; e++)
            {
                Store(ref dst, (i + e) * 16, rows[e]);
            }
        }
        return i;
    }

    /// <summary>
    /// 16x16 byte transpose: interleaving row k with row k+8 rotates the 8-bit (row, column) address
    /// left by one bit, so four rounds swap row and column.
    /// </summary>
    private static void Transpose16x16(Span<Vector128<byte>> rows)
    {
        Span<Vector128<byte>> next = stackalloc Vector128<byte>[16];
        for (var round = 0; round < 4; round++)
        {
            for (var k = 0; k < 8; k++)
            {
                next[2 * k] = Sse2.UnpackLow(rows[k], rows[k + 8]);
                next[(2 * k) + 1] = Sse2.UnpackHigh(rows[k], rows[k + 8]);
            }
            next.CopyTo(rows);
        }
    }

    // One step: elements i..i+16 of a shuffled block of n elements to dst, in element order (whole blocks and ranges).
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
