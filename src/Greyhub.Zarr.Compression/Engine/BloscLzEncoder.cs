using System.Buffers.Binary;

namespace Greyhub.Zarr.Compression.Engine;

/// <summary>
/// BloscLZ encoder with c-blosc 1.21's choices (hash sizes per level, entropy probing of the last quarter,
/// 3- or 4-byte back-off), so its output matches c-blosc's byte for byte.
/// </summary>
internal static class BloscLzEncoder
{
    private const int MaxCopy = 32;
    private const int MaxDistance = 8191;
    private const int MaxFarDistance = 65535 + MaxDistance - 1;
    private const int HashLog = 14;
    private const int ProbeHashLog = 12;

    // Minimum probed compression ratio per level below which a split is left uncompressed.
    private static readonly double[] MinRatio = [0, 2, 1.5, 1.2, 1.2, 1.2, 1.2, 1.15, 1.1, 1.0];

    /// <summary>Compressed size, or 0 when the split should be stored raw.</summary>
    public static int Compress(int level, ReadOnlySpan<byte> input, Span<byte> output, bool splitBlock)
    {
        var length = input.Length;
        var probeLength = length / 4;
        var ratio = ProbeRatio(input[(length - probeLength)..], probeLength);
        if (ratio < MinRatio[level])
        {
            return 0;
        }
        // Back off 4 bytes from a match end (minimum 4) for well-compressing split streams, else 3.
        var shift = !splitBlock || ratio < 4 ? 3 : 4;
        var minLength = shift;
        var hashLog = level switch
        {
            1 => HashLog - 2,
            2 => HashLog - 1,
            _ => HashLog,
        };
        var maxOut = output.Length;
        if (length < 16 || maxOut < 66)
        {
            return 0;
        }
        Span<uint> table = stackalloc uint[1 << hashLog];
        table.Clear();
        var ipBound = length - 1;
        var ipLimit = length - 12;
        var op = 0;
        output[op++] = MaxCopy - 1;
        input[..4].CopyTo(output[op..]);
        op += 4;
        var ip = 4;
        var copy = 4;

        while (ip < ipLimit)
        {
            var anchor = ip;
            var hash = Hash(BinaryPrimitives.ReadUInt32LittleEndian(input[ip..]), hashLog);
            var reference = (int)table[hash];
            var distance = anchor - reference;
            table[hash] = (uint)anchor;
            var isMatch = distance != 0 && distance < MaxFarDistance
                && BinaryPrimitives.ReadUInt32LittleEndian(input[reference..]) == BinaryPrimitives.ReadUInt32LittleEndian(input[ip..]);
            var len = 0;
            if (isMatch)
            {
                ip = MatchEnd(input, anchor + 4, ipBound, distance) - shift;
                len = ip - anchor;
                distance--;
                isMatch = len >= minLength && !(len <= 5 && distance >= MaxDistance);
            }
            if (!isMatch)
            {
                if (op + 2 > maxOut)
                {
                    return 0;
                }
                output[op++] = input[anchor];
                ip = anchor + 1;
                if (++copy == MaxCopy)
                {
                    copy = 0;
                    output[op++] = MaxCopy - 1;
                }
                continue;
            }

            // Close the pending literal run (or drop its unused marker).
            if (copy != 0)
            {
                output[op - copy - 1] = (byte)(copy - 1);
            }
            else
            {
                op--;
            }
            copy = 0;
            if (!EncodeMatch(output, ref op, len, distance))
            {
                return 0;
            }

            var seq = BinaryPrimitives.ReadUInt32LittleEndian(input[ip..]);
            table[Hash(seq, hashLog)] = (uint)ip++;
            if (level == 9)
            {
                table[Hash(seq >> 8, hashLog)] = (uint)ip++;
            }
            else
            {
                ip++;
            }
            if (op + 1 > maxOut)
            {
                return 0;
            }
            output[op++] = MaxCopy - 1;
        }

        while (ip <= ipBound)
        {
            if (op + 2 > maxOut)
            {
                return 0;
            }
            output[op++] = input[ip++];
            if (++copy == MaxCopy)
            {
                copy = 0;
                output[op++] = MaxCopy - 1;
            }
        }
        if (copy != 0)
        {
            output[op - copy - 1] = (byte)(copy - 1);
        }
        else
        {
            op--;
        }
        output[0] |= 1 << 5;
        return op;
    }

    private static bool EncodeMatch(Span<byte> output, ref int op, int len, int distance)
    {
        var maxOut = output.Length;
        var far = distance >= MaxDistance;
        if (far)
        {
            distance -= MaxDistance;
        }
        var low = far ? 31 : distance >> 8;
        if (len < 7)
        {
            if (op + (far ? 4 : 2) > maxOut)
            {
                return false;
            }
            output[op++] = (byte)((len << 5) + low);
        }
        else
        {
            if (op + 1 > maxOut)
            {
                return false;
            }
            output[op++] = (byte)((7 << 5) + low);
            for (len -= 7; len >= 255; len -= 255)
            {
                if (op + 1 > maxOut)
                {
                    return false;
                }
                output[op++] = 255;
            }
            if (op + (far ? 4 : 2) > maxOut)
            {
                return false;
            }
            output[op++] = (byte)len;
        }
        if (far)
        {
            output[op++] = 255;
            output[op++] = (byte)(distance >> 8);
        }
        output[op++] = (byte)(distance & 255);
        return true;
    }

    /// <summary>
    /// One past the first byte at or after <paramref name="ip"/> that differs from the byte
    /// <paramref name="distance"/> earlier, capped at <paramref name="bound"/> (c-blosc's match and run scans).
    /// </summary>
    private static int MatchEnd(ReadOnlySpan<byte> input, int ip, int bound, int distance)
    {
        if (ip >= bound)
        {
            return ip;
        }
        var common = input[ip..bound].CommonPrefixLength(input[(ip - distance)..(bound - distance)]);
        var mismatch = ip + common;
        return mismatch < bound ? mismatch + 1 : bound;
    }

    private static int Hash(uint sequence, int log) => (int)((sequence * 2654435761U) >> (32 - log));

    /// <summary>Estimates the compression ratio of (at most 4 KB of) <paramref name="probe"/> with 3-byte back-off.</summary>
    private static double ProbeRatio(ReadOnlySpan<byte> probe, int maxLength)
    {
        const int TableSize = 1 << ProbeHashLog;
        Span<ushort> table = stackalloc ushort[TableSize];
        table.Clear();
        var limit = Math.Min(maxLength, TableSize);
        var ipBound = limit - 1;
        var ipLimit = limit - 12;
        var ip = 0;
        var oc = 5;
        var copy = 4;
        while (ip < ipLimit)
        {
            var anchor = ip;
            var hash = Hash(BinaryPrimitives.ReadUInt32LittleEndian(probe[ip..]), ProbeHashLog);
            var reference = (int)table[hash];
            var distance = anchor - reference;
            table[hash] = (ushort)anchor;
            var isMatch = distance != 0 && distance < MaxFarDistance
                && BinaryPrimitives.ReadUInt32LittleEndian(probe[reference..]) == BinaryPrimitives.ReadUInt32LittleEndian(probe[ip..]);
            var len = 0;
            if (isMatch)
            {
                ip = MatchEnd(probe, anchor + 4, ipBound, distance) - 3;
                len = ip - anchor;
                distance--;
                isMatch = len >= 3;
            }
            if (!isMatch)
            {
                oc++;
                ip = anchor + 1;
                if (++copy == MaxCopy)
                {
                    copy = 0;
                    oc++;
                }
                continue;
            }
            if (copy == 0)
            {
                oc--;
            }
            copy = 0;
            if (len >= 7)
            {
                oc += ((len - 7) / 255) + 1;
            }
            oc += distance < MaxDistance ? 2 : 4;
            table[Hash(BinaryPrimitives.ReadUInt32LittleEndian(probe[ip..]), ProbeHashLog)] = (ushort)ip;
            ip += 2;
            oc++;
        }
        return ip / (double)oc;
    }
}
