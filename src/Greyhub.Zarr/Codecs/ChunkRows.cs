namespace Greyhub.Zarr.Codecs;

/// <summary>
/// Where the rows of a decoded C-order chunk go when the chunk is not contiguous in the output: the chunk is
/// <see cref="RowBytes"/> × row count bytes, and bytes <see cref="Start"/>..<see cref="Start"/>+<see cref="Length"/>
/// of chunk row <c>r</c> belong at <c>Destination[Offsets[r]..]</c>, or nowhere when <c>Offsets[r]</c> is negative.
/// Lets a codec write each row into its place (a 32³ chunk of a 512³ array is 1,024 rows of 128 bytes) instead
/// of decoding into a buffer that is then copied row by row.
/// </summary>
public readonly ref struct ChunkRows
{
    /// <summary>Describes the rows; <paramref name="offsets"/> holds one destination offset (or -1) per chunk row.</summary>
    public ChunkRows(Span<byte> destination, int rowBytes, int start, int length, ReadOnlySpan<long> offsets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowBytes, 1);
        if (start < 0 || length < 0 || start + length > rowBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(length), "the selected bytes must lie inside a row");
        }
        Destination = destination;
        RowBytes = rowBytes;
        Start = start;
        Length = length;
        Offsets = offsets;
    }

    /// <summary>The output buffer.</summary>
    public Span<byte> Destination { get; }

    /// <summary>Bytes in one decoded chunk row.</summary>
    public int RowBytes { get; }

    /// <summary>First byte of each row that is kept.</summary>
    public int Start { get; }

    /// <summary>How many bytes of each row are kept.</summary>
    public int Length { get; }

    /// <summary>Per chunk row, where its kept bytes go in <see cref="Destination"/>; negative to skip the row.</summary>
    public ReadOnlySpan<long> Offsets { get; }

    /// <summary>The decoded chunk's size in bytes.</summary>
    public long ChunkBytes => (long)RowBytes * Offsets.Length;

    /// <summary>Copies the kept part of each row of a decoded chunk into place (the fallback for codecs without a row path).</summary>
    public void CopyFrom(ReadOnlySpan<byte> chunk)
    {
        var offsets = Offsets;
        for (var r = 0; r < offsets.Length; r++)
        {
            if (offsets[r] >= 0)
            {
                chunk.Slice((r * RowBytes) + Start, Length).CopyTo(Destination.Slice((int)offsets[r], Length));
            }
        }
    }
}
