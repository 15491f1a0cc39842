using System.Runtime.InteropServices;

namespace Greyhub.Zarr.Pipeline;

/// <summary>Reorders a C-order chunk's axes (v3 <c>transpose</c>; v2 <c>order: F</c> is the reversed permutation).</summary>
internal static class Transpose
{
    /// <summary>The encoded shape: <c>b[i] = a[order[i]]</c>.</summary>
    public static int[] Permute(int[] shape, int[] order) => [.. order.Select(o => shape[o])];

    /// <summary>A (decoded, C order, shape <paramref name="aShape"/>) to B (encoded).</summary>
    public static void Encode(ReadOnlySpan<byte> a, Span<byte> b, int[] aShape, int[] order, int item) => Run(a, b, aShape, order, item, encode: true);

    /// <summary>B (encoded) back to A (decoded, C order, shape <paramref name="aShape"/>).</summary>
    public static void Decode(ReadOnlySpan<byte> b, Span<byte> a, int[] aShape, int[] order, int item) => Run(b, a, aShape, order, item, encode: false);

    private static void Run(ReadOnlySpan<byte> src, Span<byte> dst, int[] aShape, int[] order, int item, bool encode)
    {
        switch (item)
        {
            case 1: Run(src, dst, aShape, order, encode); break;
            case 2: Run(MemoryMarshal.Cast<byte, short>(src), MemoryMarshal.Cast<byte, short>(dst), aShape, order, encode); break;
            case 4: Run(MemoryMarshal.Cast<byte, int>(src), MemoryMarshal.Cast<byte, int>(dst), aShape, order, encode); break;
            case 8: Run(MemoryMarshal.Cast<byte, long>(src), MemoryMarshal.Cast<byte, long>(dst), aShape, order, encode); break;
            case 16: Run(MemoryMarshal.Cast<byte, Int128>(src), MemoryMarshal.Cast<byte, Int128>(dst), aShape, order, encode); break;
            default:
                // Odd sizes (text, raw bytes): move elements as byte runs.
                var n = src.Length / item;
                var offsets = new int[n];
                Fill(offsets, aShape, order);
                for (var j = 0; j < n; j++)
                {
                    if (encode)
                    {
                        src.Slice(offsets[j] * item, item).CopyTo(dst.Slice(j * item, item));
                    }
                    else
                    {
                        src.Slice(j * item, item).CopyTo(dst.Slice(offsets[j] * item, item));
                    }
                }
                break;
        }
    }

    private static void Run<T>(ReadOnlySpan<T> src, Span<T> dst, int[] aShape, int[] order, bool encode) where T : unmanaged
    {
        var rank = aShape.Length;
        if (rank == 0)
        {
            src.CopyTo(dst);
            return;
        }
        var aStrides = Strides(aShape);
        var bShape = Permute(aShape, order);
        var bStrides = new long[rank];
        for (var k = 0; k < rank; k++)
        {
            bStrides[k] = aStrides[order[k]];
        }
        var inner = bShape[^1];
        var innerStride = bStrides[^1];
        var outer = bShape.Length == 0 ? 1 : bShape.Aggregate(1L, (x, y) => x * y) / Math.Max(inner, 1);
        var idx = new int[rank];
        long seq = 0;
        for (long o = 0; o < outer; o++)
        {
            long aOff = 0;
            for (var k = 0; k < rank - 1; k++)
            {
                aOff += idx[k] * bStrides[k];
            }
            if (encode)
            {
                for (var i = 0; i < inner; i++)
                {
                    dst[(int)(seq + i)] = src[(int)(aOff + (i * innerStride))];
                }
            }
            else
            {
                for (var i = 0; i < inner; i++)
                {
                    dst[(int)(aOff + (i * innerStride))] = src[(int)(seq + i)];
                }
            }
            seq += inner;
            for (var k = rank - 2; k >= 0; k--)
            {
                if (++idx[k] < bShape[k])
                {
                    break;
                }
                idx[k] = 0;
            }
        }
    }

    private static void Fill(int[] offsets, int[] aShape, int[] order)
    {
        var aStrides = Strides(aShape);
        var bShape = Permute(aShape, order);
        var idx = new int[aShape.Length];
        for (var j = 0; j < offsets.Length; j++)
        {
            long off = 0;
            for (var k = 0; k < idx.Length; k++)
            {
                off += idx[k] * aStrides[order[k]];
            }
            offsets[j] = (int)off;
            for (var k = idx.Length - 1; k >= 0; k--)
            {
                if (++idx[k] < bShape[k])
                {
                    break;
                }
                idx[k] = 0;
            }
        }
    }

    public static long[] Strides(int[] shape)
    {
        var s = new long[shape.Length];
        long acc = 1;
        for (var k = shape.Length - 1; k >= 0; k--)
        {
            s[k] = acc;
            acc *= shape[k];
        }
        return s;
    }
}
