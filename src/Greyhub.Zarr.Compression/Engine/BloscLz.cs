namespace Greyhub.Zarr.Compression.Engine;

/// <summary>
/// Decoder for BloscLZ, c-blosc's FastLZ-derived format. A control byte below 32 starts a run of
/// <c>ctrl + 1</c> literals; otherwise its top 3 bits give the match length (7 = extended by 255-bytes)
/// and its low 5 bits the high bits of the distance; a low byte of 255 with high bits 31 announces a
/// 16-bit far distance. Every index is bounds-checked.
/// </summary>
internal static class BloscLz
{
    private const int MaxDistance = 8191;

    /// <summary>Decodes into <paramref name="output"/>; returns the decoded size, or -1 on corrupt input.</summary>
    public static int Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (input.IsEmpty)
        {
            return 0;
        }
        var limit = input.Length;
        var ip = 0;
        var op = 0;
        int ctrl = input[ip++] & 31;
        while (true)
        {
            if (ctrl >= 32)
            {
                var len = (ctrl >> 5) - 1;
                var ofs = (ctrl & 31) << 8;
                int code;
                if (len == 6)
                {
                    do
                    {
                        if (ip + 1 >= limit)
                        {
                            return -1;
                        }
                        code = input[ip++];
                        len += code;
                    }
                    while (code == 255);
                }
                else if (ip + 1 >= limit)
                {
                    return -1;
                }
                code = input[ip++];
                len += 3;
                var reference = op - ofs - code;
                if (code == 255 && ofs == 31 << 8)
                {
                    if (ip + 1 >= limit)
                    {
                        return -1;
                    }
                    ofs = (input[ip] << 8) + input[ip + 1];
                    ip += 2;
                    reference = op - ofs - MaxDistance;
                }
                if (len > output.Length - op || reference - 1 < 0)
                {
                    return -1;
                }
                // As in c-blosc, a match that ends the stream is not copied (the encoder never emits one).
                if (ip >= limit)
                {
                    break;
                }
                ctrl = input[ip++];
                reference--;
                CopyMatch(output, op, reference, len);
                op += len;
            }
            else
            {
                var count = ctrl + 1;
                if (count > output.Length - op || count > limit - ip)
                {
                    return -1;
                }
                input.Slice(ip, count).CopyTo(output[op..]);
                op += count;
                ip += count;
                if (ip >= limit)
                {
                    break;
                }
                ctrl = input[ip++];
            }
        }
        return op;
    }

    private static void CopyMatch(Span<byte> output, int op, int reference, int len)
    {
        var distance = op - reference;
        if (distance >= len)
        {
            output.Slice(reference, len).CopyTo(output[op..]);
        }
        else if (distance == 1)
        {
            output.Slice(op, len).Fill(output[reference]);
        }
        else
        {
            for (var k = 0; k < len; k++)
            {
                output[op + k] = output[reference + k];
            }
        }
    }
}
