using System.Collections.Concurrent;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Zarr.Compression.Tests;

/// <summary>One test vector: what to generate and how numcodecs should encode it.</summary>
public sealed record VectorCase(
    int Id,
    string Codec,
    string Pattern,
    int Size,
    int Seed,
    string Cname = "",
    int Clevel = 0,
    int Shuffle = 0,
    int Typesize = 1,
    int Blocksize = 0,
    int Level = 0,
    int Acceleration = 1)
{
    public override string ToString() => Codec == "blosc"
        ? $"#{Id} blosc {Cname} clevel={Clevel} shuffle={Shuffle} typesize={Typesize} blocksize={Blocksize} size={Size} {Pattern}"
        : $"#{Id} {Codec} level={Level} accel={Acceleration} size={Size} {Pattern}";
}

/// <summary>A case with the data and numcodecs' encoding of it.</summary>
public sealed record Vector(VectorCase Case, byte[] Raw, byte[] Encoded);

/// <summary>
/// Runs numcodecs (Debian's python3) once per batch to make or check vectors; batches are cached so
/// the decode and encode tests of one codec share a single Python run.
/// </summary>
public static class NumcodecsVectors
{
    public const string Install = "apt-get install -y python3-numcodecs python3-numpy";
    private static readonly ConcurrentDictionary<string, Lazy<Task<IReadOnlyList<Vector>>>> Cache = new();
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void Require() => Requires.PythonModules(Install, "numcodecs", "numpy");

    private static string Script => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Python", "blosc_vectors.py"));

    /// <summary>numcodecs' encodings of <paramref name="cases"/>, computed once per <paramref name="key"/>.</summary>
    public static Task<IReadOnlyList<Vector>> EncodeAsync(string key, Func<IReadOnlyList<VectorCase>> cases) =>
        Cache.GetOrAdd(key, _ => new Lazy<Task<IReadOnlyList<Vector>>>(() => RunEncodeAsync(cases()))).Value;

    private static async Task<IReadOnlyList<Vector>> RunEncodeAsync(IReadOnlyList<VectorCase> cases)
    {
        var dir = Directory.CreateTempSubdirectory("greyhub-vectors-");
        try
        {
            var casesPath = Path.Combine(dir.FullName, "cases.json");
            await File.WriteAllTextAsync(casesPath, JsonSerializer.Serialize(cases, Json));
            await DebianPython.RunAsync(Script, ["encode", casesPath, dir.FullName], CancellationToken.None, TimeSpan.FromMinutes(5));
            return cases.Select(c => new Vector(
                c,
                File.ReadAllBytes(Path.Combine(dir.FullName, $"{c.Id}.raw")),
                File.ReadAllBytes(Path.Combine(dir.FullName, $"{c.Id}.enc")))).ToList();
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Has numcodecs decode our encodings; null where it failed.</summary>
    public static async Task<IReadOnlyList<byte[]?>> DecodeAsync(IReadOnlyList<(VectorCase Case, byte[] Encoded)> items, CancellationToken cancellationToken)
    {
        var dir = Directory.CreateTempSubdirectory("greyhub-vectors-");
        try
        {
            var casesPath = Path.Combine(dir.FullName, "cases.json");
            await File.WriteAllTextAsync(casesPath, JsonSerializer.Serialize(items.Select(i => i.Case).ToList(), Json), cancellationToken);
            foreach (var (c, encoded) in items)
            {
                await File.WriteAllBytesAsync(Path.Combine(dir.FullName, $"{c.Id}.enc"), encoded, cancellationToken);
            }
            await DebianPython.RunAsync(Script, ["decode", casesPath, dir.FullName], cancellationToken, TimeSpan.FromMinutes(5));
            return items.Select(i =>
            {
                var path = Path.Combine(dir.FullName, $"{i.Case.Id}.dec");
                return File.Exists(path) ? File.ReadAllBytes(path) : null;
            }).ToList();
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
