using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Greyhub.Zarr.Compression;

namespace Greyhub.Zarr.Throughput;

/// <summary>
/// Every chunk of a cubic v2 Blosc store (as benchmarks/zarr-small-chunks.sh writes it) read into memory, and the
/// floor's work on one of them: Blosc decode into a chunk buffer, then one copy into its place in the output.
/// Shared by <see cref="MachineLimit"/> and <see cref="ChunkCost"/>.
/// </summary>
internal sealed class StoredChunks
{
    private StoredChunks(int size, int chunk, int grid, byte[][] encoded)
    {
        Size = size;
        Chunk = chunk;
        Grid = grid;
        Encoded = encoded;
    }

    /// <summary>Array edge in elements.</summary>
    public int Size { get; }

    /// <summary>Chunk edge in elements.</summary>
    public int Chunk { get; }

    /// <summary>Chunks along each axis.</summary>
    public int Grid { get; }

    /// <summary>The stored bytes of each chunk, in C order of the chunk grid.</summary>
    public byte[][] Encoded { get; }

    public static StoredChunks Load(string dir)
    {
        var meta = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, ".zarray")))!;
        var n = (int)meta["shape"]![0]!;
        var c = (int)meta["chunks"]![0]!;
        var grid = (n + c - 1) / c;
        var chunks = new byte[grid * grid * grid][];
        for (var i = 0; i < chunks.Length; i++)
        {
            var (x, y, z) = (i / (grid * grid), i / grid % grid, i % grid);
            chunks[i] = File.ReadAllBytes(Path.Combine(dir, $"{x}.{y}.{z}"));
        }
        return new StoredChunks(n, c, grid, chunks);
    }

    /// <summary>A buffer for one decoded chunk.</summary>
    public float[] NewScratch() => new float[Chunk * Chunk * Chunk];

    /// <summary>Decodes chunk <paramref name="i"/> into <paramref name="scratch"/> and copies it row by row into <paramref name="output"/>.</summary>
    public void DecodeAndCopy(int i, float[] scratch, float[] output)
    {
        var (c, n, grid) = (Chunk, Size, Grid);
        Blosc.Decompress(Encoded[i], MemoryMarshal.AsBytes(scratch.AsSpan()));
        var (x, y, z) = (i / (grid * grid) * c, i / grid % grid * c, i % grid * c);
        for (var a = 0; a < c; a++)
        {
            for (var b = 0; b < c; b++)
            {
                scratch.AsSpan(((a * c) + b) * c, c).CopyTo(output.AsSpan((int)((((long)(x + a) * n) + y + b) * n + z), c));
            }
        }
    }
}
