using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Tests;

/// <summary>Locates the fixture stores (tests/fixtures/zarr in the repository; provenance in its README.md).</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> RepoRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Greyhub.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Greyhub.slnx not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RepoRoot.Value;

    public static string Zarrs => Path.GetFullPath(Path.Combine(Root, "tests", "fixtures", "zarr", "zarrs"));

    public static FileSystemStore Store(string relative) => new(Path.Combine(Zarrs, relative), writable: false);

    /// <summary>Array A: 10x10 float32 with [i, j] = 10 i + j.</summary>
    public static float[] ArrayA => [.. Enumerable.Range(0, 100).Select(i => (float)i)];
}

/// <summary>A scratch directory deleted at dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "greyhub-zarr-" + Guid.NewGuid().ToString("N"));

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
