using System.Runtime.CompilerServices;

namespace Greyhub.Zarr.Compression.Shuffle;

internal static class BitTranspose
{
    /// <summary>
    /// Transposes an 8x8 bit matrix held in a little-endian 64-bit word: bit <c>c</c> of byte <c>r</c>
    /// moves to bit <c>r</c> of byte <c>c</c>. Its own inverse.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Transpose8x8(ulong x)
    {
        // Three rounds of swapping off-diagonal sub-blocks (1x1, 2x2, then 4x4 bit blocks).
        var t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AAUL;
        x ^= t ^ (t << 7);
        t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCCUL;
        x ^= t ^ (t << 14);
        t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0UL;
        x ^= t ^ (t << 28);
        return x;
    }
}
