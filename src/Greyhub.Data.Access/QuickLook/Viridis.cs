namespace Greyhub.Data.Access.QuickLook;

/// <summary>
/// The viridis colour map (Stéfan van der Walt and Nathaniel Smith, CC0) as 256 RGB entries, interpolated linearly
/// between its eleven published stops at 0, 0.1, ..., 1: perceptually even, readable in grey and by most colour-blind
/// readers, and the default of matplotlib and xarray, so a quick look matches what a scientist plots.
/// </summary>
internal static class Viridis
{
    private static readonly uint[] Stops =
    [
        0x440154, 0x482576, 0x414487, 0x355F8D, 0x2A788E, 0x21918C, 0x22A884, 0x44BF70, 0x7AD151, 0xBDDF26, 0xFDE725,
    ];

    /// <summary>Entry i is the colour for the fraction i / 255 of the range, as (R, G, B).</summary>
    public static IReadOnlyList<(byte R, byte G, byte B)> Table { get; } = Build();

    private static (byte R, byte G, byte B)[] Build()
    {
        var table = new (byte, byte, byte)[256];
        for (var i = 0; i < 256; i++)
        {
            var x = i / 255.0 * (Stops.Length - 1);
            var k = Math.Min((int)x, Stops.Length - 2);
            var t = x - k;
            table[i] = (Mix(Stops[k] >> 16, Stops[k + 1] >> 16, t), Mix(Stops[k] >> 8, Stops[k + 1] >> 8, t), Mix(Stops[k], Stops[k + 1], t));
        }
        return table;
    }

    private static byte Mix(uint a, uint b, double t) => (byte)Math.Round(((a & 0xFF) * (1 - t)) + ((b & 0xFF) * t));
}
