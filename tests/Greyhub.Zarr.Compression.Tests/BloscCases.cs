namespace Greyhub.Zarr.Compression.Tests;

/// <summary>The Blosc vector matrix: shuffle x typesize x clevel x size for one compressor, plus large and explicit-blocksize cases.</summary>
public static class BloscCases
{
    private static readonly string[] Patterns = ["random", "lowentropy", "float32", "int64"];
    private static readonly int[] TypeSizes = [1, 2, 3, 4, 7, 8, 16, 32];
    private static readonly int[] Levels = [0, 1, 5, 9];
    // Empty, one byte, below/at/above the 128-byte memcpy threshold, not multiples of the type sizes,
    // around the 32 KB automatic block size.
    private static readonly int[] Sizes = [0, 1, 100, 127, 128, 129, 1000, 4093, 40_000, 70_001];

    public static IReadOnlyList<VectorCase> For(string cname)
    {
        var cases = new List<VectorCase>();
        void Add(int shuffle, int typeSize, int level, int size, int blockSize = 0, string? pattern = null)
        {
            var id = cases.Count;
            cases.Add(new VectorCase(id, "blosc", pattern ?? Patterns[id % Patterns.Length], size, 1000 + id,
                Cname: cname, Clevel: level, Shuffle: shuffle, Typesize: typeSize, Blocksize: blockSize));
        }
        foreach (var shuffle in new[] { 0, 1, 2 })
        {
            foreach (var typeSize in TypeSizes)
            {
                foreach (var level in Levels)
                {
                    foreach (var size in Sizes)
                    {
                        Add(shuffle, typeSize, level, size);
                    }
                }
            }
            foreach (var typeSize in new[] { 1, 4, 8 })
            {
                // Several blocks, leftover blocks, split and unsplit blocks at the larger automatic sizes.
                Add(shuffle, typeSize, 5, 262_151);
                Add(shuffle, typeSize, 5, 1_048_589, pattern: "float32");
                foreach (var blockSize in new[] { 256, 1000, 4096, 65_536 })
                {
                    Add(shuffle, typeSize, 5, 70_001, blockSize);
                }
            }
            // Type sizes above 255 are treated as 1.
            Add(shuffle, 300, 5, 30_000);
        }
        // A few MB, the size of a typical Zarr chunk.
        Add(1, 4, 1, 3 << 20, pattern: "float32");
        Add(1, 4, 9, 3 << 20, pattern: "float32");
        Add(2, 8, 5, 3 << 20, pattern: "int64");
        return cases;
    }

    public static IReadOnlyList<VectorCase> Zstd()
    {
        var cases = new List<VectorCase>();
        foreach (var level in new[] { -5, 1, 3, 9, 19, 22 })
        {
            foreach (var size in new[] { 0, 1, 100, 1000, 70_001, 1_048_589 })
            {
                var id = cases.Count;
                cases.Add(new VectorCase(id, "zstd", Patterns[id % Patterns.Length], size, 5000 + id, Level: level));
            }
        }
        return cases;
    }

    public static IReadOnlyList<VectorCase> Lz4()
    {
        var cases = new List<VectorCase>();
        foreach (var acceleration in new[] { 1, 5, 20 })
        {
            foreach (var size in new[] { 0, 1, 100, 1000, 70_001, 1_048_589 })
            {
                var id = cases.Count;
                cases.Add(new VectorCase(id, "lz4", Patterns[id % Patterns.Length], size, 7000 + id, Acceleration: acceleration));
            }
        }
        return cases;
    }

    public static BloscOptions Options(VectorCase c) => new()
    {
        Compressor = BloscOptions.ParseCompressor(c.Cname),
        Level = c.Clevel,
        Shuffle = (BloscShuffle)c.Shuffle,
        TypeSize = c.Typesize,
        BlockSize = c.Blocksize,
    };
}
