using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Greyhub.Zarr.Codecs;

namespace Greyhub.Zarr.Pipeline;

/// <summary>numcodecs VLenUTF8 / v3 <c>vlen-utf8</c>: uint32 count, then (uint32 length, UTF-8 bytes) per item.</summary>
internal static class VlenUtf8
{
    private static readonly UTF8Encoding Strict = new(false, true);

    public static void Decode(ReadOnlySpan<byte> data, string[] items)
    {
        if (data.Length < 4)
        {
            throw new ZarrCodecException("vlen-utf8: missing item count");
        }
        var count = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (count != items.Length)
        {
            throw new ZarrCodecException($"vlen-utf8: {count} items, expected {items.Length}");
        }
        var pos = 4;
        for (var i = 0; i < items.Length; i++)
        {
            if (data.Length - pos < 4)
            {
                throw new ZarrCodecException("vlen-utf8: truncated");
            }
            var n = BinaryPrimitives.ReadUInt32LittleEndian(data[pos..]);
            pos += 4;
            if (n > (uint)(data.Length - pos))
            {
                throw new ZarrCodecException("vlen-utf8: item runs past the end");
            }
            try
            {
                items[i] = Strict.GetString(data.Slice(pos, (int)n));
            }
            catch (DecoderFallbackException e)
            {
                throw new ZarrCodecException("vlen-utf8: invalid UTF-8", e);
            }
            pos += (int)n;
        }
    }

    public static void Encode(ReadOnlySpan<string> items, IBufferWriter<byte> output)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(output.GetSpan(4), (uint)items.Length);
        output.Advance(4);
        foreach (var s in items)
        {
            var value = s ?? "";
            var n = Encoding.UTF8.GetByteCount(value);
            var span = output.GetSpan(n + 4);
            BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)n);
            Encoding.UTF8.GetBytes(value, span[4..]);
            output.Advance(n + 4);
        }
    }
}
