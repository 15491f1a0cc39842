using Greyhub.Zarr.Metadata;

namespace Greyhub.Zarr.Pipeline;

/// <summary>The decoded shape of one chunk (C order) with its element type and fill.</summary>
internal sealed record ChunkSpec(int[] Shape, ZarrDataType Type, FillValue Fill)
{
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);

    public int ByteLength => Elements * Type.Size is var n && n <= Array.MaxLength
        ? (int)n : throw new ZarrUnsupportedException($"chunk of {Elements} elements is larger than 2 GB");

    public ChunkSpec WithShape(int[] shape) => this with { Shape = shape };
}
