using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.QuickLook;
using Greyhub.Zarr;
using Greyhub.Zarr.Storage;
using Microsoft.Extensions.Options;
using SkiaSharp;

namespace Greyhub.Data.Access.Tests;

/// <summary>
/// The quick look's bounds on arrays written here with Greyhub.Zarr (v3, which Debian's zarr 2.13 cannot write): a
/// large slice is read with a stride that fits the image, only the chunks holding a sampled element count against
/// the budget, and the cache answers the same image for the same version and parameters.
/// </summary>
public sealed class QuickLookRendererTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("greyhub-quicklook-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_large_slice_is_strided_to_fit_and_cached()
    {
        // field[y, x] = x + 1 (0 is the fill value, which xarray too reads as missing): 1000 × 1500, chunks 100 × 100. The longer side 1500 → stride 3 → 334 × 500 pixels.
        var array = await ZarrArray.CreateAsync(new FileSystemStore(_root), "field", new ZarrArrayDefinition
        {
            Shape = [1000, 1500], ChunkShape = [100, 100], DataType = ZarrDataType.FromV3("float32"), DimensionNames = ["y", "x"],
        }, cancellationToken: Ct);
        var values = new float[1000 * 1500];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (i % 1500) + 1;
        }
        await array.WriteAsync<float>(null, values, Ct);
        using var renderer = new QuickLookRenderer(Options.Create(new QuickLookOptions()));
        var dataset = Entry(DatasetFormats.ZarrV3);

        var first = await renderer.RenderAsync(dataset, _root, "field", null, Ct);
        var image = Assert.IsType<QuickLookImage>(first.Image);
        Assert.Equal((500, 334, 3), (image.Width, image.Height, image.Stride));
        Assert.Equal((1, 1498), (image.Min, image.Max));
        Assert.Equal(new[] { "y", "x" }, image.Dimensions);
        using (var bitmap = SKBitmap.Decode(image.Png))
        {
            Assert.Equal((500, 334), (bitmap.Width, bitmap.Height));
            Assert.Equal(new SKColor(0x44, 0x01, 0x54), bitmap.GetPixel(0, 100));
            Assert.Equal(new SKColor(0xFD, 0xE7, 0x25), bitmap.GetPixel(499, 100));
        }
        // Drawn once: the second answer is the cached image itself.
        var second = await renderer.RenderAsync(dataset, _root, "field", "", Ct);
        Assert.Same(image, second.Image);
    }

    [Fact]
    public async Task The_budget_counts_only_chunks_holding_a_sample()
    {
        var array = await ZarrArray.CreateAsync(new FileSystemStore(_root), "wide", new ZarrArrayDefinition
        {
            Shape = [4, 2048, 2048], ChunkShape = [1, 2, 2048], DataType = ZarrDataType.FromV3("float64"),
        }, cancellationToken: Ct);
        // Stride 4 over rows of 2-row chunks: one chunk in two holds a sample (512 of 1024), 16 KiB each.
        Assert.Equal(4, QuickLookSlice.StrideFor(2048, 2048, 512));
        Assert.Equal(512.0 * 2 * 2048 * 8, QuickLookSlice.DecodedBytes(array, 4));
        using var tight = new QuickLookRenderer(Options.Create(new QuickLookOptions { MaxDecodedBytes = 8 * 1024 * 1024 }));
        var refused = await tight.RenderAsync(Entry(DatasetFormats.ZarrV3), _root, "wide", "3", Ct);
        Assert.Null(refused.Image);
        Assert.Equal(QuickLookProblem.Unprocessable, refused.Problem);
        Assert.Contains("16 MiB of chunks (at most 8 MiB)", refused.Message, StringComparison.Ordinal);
        using var roomy = new QuickLookRenderer(Options.Create(new QuickLookOptions { MaxDecodedBytes = 32 * 1024 * 1024 }));
        var drawn = await roomy.RenderAsync(Entry(DatasetFormats.ZarrV3), _root, "wide", "3", Ct);
        // Never written: every element is the fill value (0), drawn transparent, and no valid value to stretch.
        var image = Assert.IsType<QuickLookImage>(drawn.Image);
        Assert.Equal(new[] { 3L }, image.Index);
        Assert.True(double.IsNaN(image.Min));
        using var bitmap = SKBitmap.Decode(image.Png);
        Assert.Equal(0, bitmap.GetPixel(10, 10).Alpha);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private DatasetEntry Entry(string format) =>
        new(new DatasetRecord("test", "Test", "", "alice", [], [], _root, format, DateTime.UnixEpoch, DateTime.UnixEpoch), _root);
}
