namespace Greyhub.Zarr.Pipeline;

/// <summary>How one dimension of a chunk maps into a dense output region.</summary>
/// <param name="ChunkStart">First chunk-local index.</param>
/// <param name="OutStart">Its index in the output.</param>
/// <param name="Count">How many elements.</param>
/// <param name="Step">Chunk-local step between them (output step is 1).</param>
internal readonly record struct DimMap(int ChunkStart, long OutStart, int Count, int Step);

/// <summary>Copies between a C-order chunk and a C-order output region, contiguous runs at a time.</summary>
internal static class RegionCopy
{
    /// <summary>
    /// Copies the mapped elements from chunk to output (<paramref name="toOutput"/>) or back. Elements are
    /// <paramref name="width"/> items of <typeparamref name="T"/> each (bytes of a numeric element, or one string).
    /// </summary>
    public static void Copy<T>(Span<T> chunk, int[] chunkShape, Span<T> output, long[] outShape, DimMap[] maps, int width, bool toOutput)
    {
        var rank = chunkShape.Length;
        if (rank == 0)
        {
            if (toOutput)
            {
                chunk[..width].CopyTo(output);
            }
            else
            {
                output[..width].CopyTo(chunk);
            }
            return;
        }
        foreach (var m in maps)
        {
            if (m.Count == 0)
            {
                return;
            }
        }
        // Strides in elements; collapse trailing dimensions that are whole and contiguous on both sides.
        var cs = new long[rank];
        var os = new long[rank];
        long ca = 1, oa = 1;
        for (var d = rank - 1; d >= 0; d--)
        {
            cs[d] = ca;
            os[d] = oa;
            ca *= chunkShape[d];
            oa *= outShape[d];
        }
        var inner = rank - 1;
        long run = maps[inner].Count;
        while (inner > 0 && maps[inner].Step == 1 && maps[inner].ChunkStart == 0 && maps[inner].Count == chunkShape[inner]
               && maps[inner].Count == outShape[inner] && maps[inner - 1].Step == 1)
        {
            inner--;
            run *= maps[inner].Count;
        }
        var step = maps[inner].Step;
        var outer = 1L;
        for (var d = 0; d < inner; d++)
        {
            outer *= maps[d].Count;
        }
        var idx = new int[Math.Max(inner, 1)];
        for (long o = 0; o < outer; o++)
        {
            long co = (long)maps[inner].ChunkStart * cs[inner], oo = maps[inner].OutStart * os[inner];
            for (var d = 0; d < inner; d++)
            {
                co += ((long)maps[d].ChunkStart + ((long)idx[d] * maps[d].Step)) * cs[d];
                oo += (maps[d].OutStart + idx[d]) * os[d];
            }
            if (step == 1)
            {
                var c = chunk.Slice((int)(co * width), (int)(run * width));
                var t = output.Slice((int)(oo * width), (int)(run * width));
                if (toOutput)
                {
                    c.CopyTo(t);
                }
                else
                {
                    t.CopyTo(c);
                }
            }
            else
            {
                var cstep = step * cs[inner];
                for (long i = 0; i < run; i++)
                {
                    var c = chunk.Slice((int)((co + (i * cstep)) * width), width);
                    var t = output.Slice((int)((oo + i) * width), width);
                    if (toOutput)
                    {
                        c.CopyTo(t);
                    }
                    else
                    {
                        t.CopyTo(c);
                    }
                }
            }
            for (var d = inner - 1; d >= 0; d--)
            {
                if (++idx[d] < maps[d].Count)
                {
                    break;
                }
                idx[d] = 0;
            }
        }
    }

    /// <summary>Maps a whole block of <paramref name="blockShape"/> placed at <paramref name="origin"/> in a larger buffer.</summary>
    public static DimMap[] Block(int[] blockShape, int[] origin)
        => [.. blockShape.Select((n, d) => new DimMap(0, origin[d], n, 1))];
}
