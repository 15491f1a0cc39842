using SkiaSharp;

namespace Greyhub.Data.Access.QuickLook;

/// <summary>Colours a slice with <see cref="Viridis"/> and encodes it as PNG with SkiaSharp.</summary>
internal static class QuickLookDrawing
{
    private static readonly Lazy<string> ColorBar = new(() => "data:image/png;base64," + Convert.ToBase64String(DrawColorBar()));

    /// <summary>The colour bar (low to high, left to right) as a <c>data:</c> URL, for the page's image of it.</summary>
    public static string ColorBarDataUrl => ColorBar.Value;

    /// <summary>
    /// Draws <paramref name="values"/> (rows × columns, row 0 first) with a min/max stretch over the valid values.
    /// Row 0 is drawn at the bottom, as xarray's plots put a dimension's first index; NaN, infinities and
    /// <paramref name="missing"/> values are transparent.
    /// </summary>
    public static (byte[] Png, double Min, double Max) Draw(double[] values, int rows, int columns, HashSet<double> missing)
    {
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        foreach (var v in values)
        {
            if (double.IsFinite(v) && !missing.Contains(v))
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }
        var span = max - min;
        var table = Viridis.Table;
        using var bitmap = new SKBitmap(new SKImageInfo(columns, rows, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var pixels = bitmap.GetPixelSpan();
        var rowBytes = bitmap.RowBytes;
        for (var r = 0; r < rows; r++)
        {
            var line = pixels.Slice((rows - 1 - r) * rowBytes, columns * 4);
            for (var c = 0; c < columns; c++)
            {
                var v = values[(r * columns) + c];
                var p = line.Slice(c * 4, 4);
                if (!double.IsFinite(v) || missing.Contains(v))
                {
                    p.Clear();
                    continue;
                }
                // A constant field is drawn in the middle colour.
                var k = span > 0 ? (int)Math.Round((v - min) / span * 255) : 128;
                var (red, green, blue) = table[Math.Clamp(k, 0, 255)];
                p[0] = red;
                p[1] = green;
                p[2] = blue;
                p[3] = 255;
            }
        }
        return (Encode(bitmap), double.IsFinite(min) ? min : double.NaN, double.IsFinite(max) ? max : double.NaN);
    }

    private static byte[] DrawColorBar()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(256, 1, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var pixels = bitmap.GetPixelSpan();
        for (var i = 0; i < 256; i++)
        {
            var (red, green, blue) = Viridis.Table[i];
            pixels[i * 4] = red;
            pixels[(i * 4) + 1] = green;
            pixels[(i * 4) + 2] = blue;
            pixels[(i * 4) + 3] = 255;
        }
        return Encode(bitmap);
    }

    private static byte[] Encode(SKBitmap bitmap)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
