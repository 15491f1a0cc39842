using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Greyhub.Zarr.Compression.Shuffle;

/// <summary>
/// Blosc's bit shuffle over one block (the bitshuffle algorithm as c-blosc applies it): with
/// <c>n = length / typeSize</c> elements, bit <c>k</c> of byte <c>j</c> of element <c>i</c> goes to
/// bit <c>i % 8</c> of byte <c>(j * 8 + k) * n / 8 + i / 8</c>. Only when <c>n</c> is a multiple of 8;
/// otherwise the block is copied unchanged. Trailing <c>length % typeSize</c> bytes are copied.
/// </summary>
public static class BitShuffle
{
    /// <summary>Bit-shuffles <paramref name="source"/> into <paramref name="destination"/> (same length, no overlap).</summary>
    public static void Shuffle(int typeSize, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(typeSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, source.Length, nameof(destination));
        var n = source.Length / typeSize;
        if (n % 8 != 0 || n == 0)
        {
            source.CopyTo(destination);
            return;
        }
        var bytes = n * typeSize;
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(bytes, 1));
        try
        {
            var rows = rented.AsSpan(0, bytes);
            // Bytes of each element first, then the bits of each byte row.
            ByteShuffle.Shuffle(typeSize, source[..bytes], rows);
            TransposeBitsOfRows(rows, destination, n);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        source[bytes..].CopyTo(destination[bytes..source.Length]);
    }

    /// <summary>Undoes <see cref="Shuffle"/>.</summary>
    public static void Unshuffle(int typeSize, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(typeSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, source.Length, nameof(destination));
        var n = source.Length / typeSize;
        if (n % 8 != 0 || n == 0)
        {
            source.CopyTo(destination);
            return;
        }
        var bytes = n * typeSize;
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(bytes, 1));
        try
        {
            var rows = rented.AsSpan(0, bytes);
            UntransposeBitsOfRows(source[..bytes], rows, n);
            ByteShuffle.Unshuffle(typeSize, rows, destination[..bytes]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        source[bytes..].CopyTo(destination[bytes..source.Length]);
    }

    /// <summary>
    /// For each byte row of <paramref name="n"/> bytes, writes 8 bit rows of n/8 bytes: bit row k holds
    /// bit k of every byte, element i at bit i % 8 of byte i / 8.
    /// </summary>
    private static void TransposeBitsOfRows(ReadOnlySpan<byte> rows, Span<byte> destination, int n)
    {
        var rowCount = rows.Length / n;
        var bitRow = n / 8;
        ref var src = ref MemoryMarshal.GetReference(rows);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (var j = 0; j < rowCount; j++)
        {
            ref var row = ref Unsafe.Add(ref src, j * n);
            ref var outRows = ref Unsafe.Add(ref dst, j * 8 * bitRow);
            var i = 0;
            if (Vector128.IsHardwareAccelerated)
            {
                for (; i + 16 <= n; i += 16)
                {
                    var v = Unsafe.ReadUnaligned<Vector128<byte>>(ref Unsafe.Add(ref row, i));
                    // The top bit of each byte is bit 7; shifting left exposes bits 6..0 in turn.
                    for (var k = 7; k >= 0; k--)
                    {
                        var mask = (ushort)v.ExtractMostSignificantBits();
                        Unsafe.WriteUnaligned(ref Unsafe.Add(ref outRows, (k * bitRow) + (i / 8)), mask);
                        v = Vector128.ShiftLeft(v.AsUInt16(), 1).AsByte();
                    }
                }
            }
            for (; i < n; i += 8)
            {
                var x = BitTranspose.Transpose8x8(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref row, i)));
                for (var k = 0; k < 8; k++)
                {
                    Unsafe.Add(ref outRows, (k * bitRow) + (i / 8)) = (byte)(x >> (8 * k));
                }
            }
        }
    }

    private static void UntransposeBitsOfRows(ReadOnlySpan<byte> source, Span<byte> rows, int n)
    {
        var rowCount = rows.Length / n;
        var bitRow = n / 8;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(rows);
        for (var j = 0; j < rowCount; j++)
        {
            ref var inRows = ref Unsafe.Add(ref src, j * 8 * bitRow);
            ref var row = ref Unsafe.Add(ref dst, j * n);
            for (var g = 0; g < bitRow; g++)
            {
                // Gather byte g of the 8 bit rows; the transpose gives the 8 elements' bytes.
                ref var column = ref Unsafe.Add(ref inRows, g);
                var x = (ulong)column
                    | ((ulong)Unsafe.Add(ref column, bitRow) << 8)
                    | ((ulong)Unsafe.Add(ref column, 2 * bitRow) << 16)
                    | ((ulong)Unsafe.Add(ref column, 3 * bitRow) << 24)
                    | ((ulong)Unsafe.Add(ref column, 4 * bitRow) << 32)
                    | ((ulong)Unsafe.Add(ref column, 5 * bitRow) << 40)
                    | ((ulong)Unsafe.Add(ref column, 6 * bitRow) << 48)
                    | ((ulong)Unsafe.Add(ref column, 7 * bitRow) << 56);
                x = BitTranspose.Transpose8x8(x);
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref row, g * 8), BitConverter.IsLittleEndian ? x : BinaryPrimitives.ReverseEndianness(x));
            }
        }
    }
}
