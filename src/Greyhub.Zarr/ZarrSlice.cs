using System.Globalization;

namespace Greyhub.Zarr;

/// <summary>
/// One dimension of a selection, with NumPy slice semantics: <c>[Start, Stop)</c> every <c>Step</c>; null ends mean
/// the array's ends, negative values count from the end.
/// </summary>
/// <param name="Start">First index (null: 0).</param>
/// <param name="Stop">End, exclusive (null: the dimension's length).</param>
/// <param name="Step">Positive step.</param>
public readonly record struct ZarrSlice(long? Start = null, long? Stop = null, long Step = 1)
{
    /// <summary>The whole dimension.</summary>
    public static ZarrSlice All => new(null, null, 1);

    /// <summary>A single index (kept as a dimension of length 1).</summary>
    public static ZarrSlice At(long index) => new(index, index == -1 ? null : index + 1);

    /// <summary>Parses a NumPy-style selection such as <c>0:10,5:7</c>, <c>::2,3</c> or <c>-5:</c>.</summary>
    public static ZarrSlice[] Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }
        return [.. text.Split(',').Select(ParseOne)];
    }

    private static ZarrSlice ParseOne(string part)
    {
        var p = part.Trim().Split(':');
        if (p.Length > 3)
        {
            throw new ZarrShapeException($"invalid slice '{part}'");
        }
        if (p.Length == 1)
        {
            return At(Number(p[0], part) ?? throw new ZarrShapeException($"invalid index '{part}'"));
        }
        var step = p.Length == 3 ? Number(p[2], part) ?? 1 : 1;
        return new ZarrSlice(Number(p[0], part), Number(p[1], part), step);
    }

    private static long? Number(string s, string part)
    {
        s = s.Trim();
        if (s.Length == 0)
        {
            return null;
        }
        return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : throw new ZarrShapeException($"invalid slice '{part}'");
    }

    /// <inheritdoc />
    public override string ToString() => $"{Start}:{Stop}" + (Step == 1 ? "" : ":" + Step.ToString(CultureInfo.InvariantCulture));
}

/// <summary>A selection resolved against a shape: per dimension start, step and count.</summary>
internal sealed class ResolvedSelection
{
    public ResolvedSelection(IReadOnlyList<ZarrSlice>? slices, long[] shape, string path)
    {
        slices ??= [];
        if (slices.Count > shape.Length)
        {
            throw new ZarrShapeException($"selection has {slices.Count} dimensions but the array has {shape.Length}", path);
        }
        Start = new long[shape.Length];
        Step = new long[shape.Length];
        Count = new long[shape.Length];
        for (var d = 0; d < shape.Length; d++)
        {
            var s = d < slices.Count ? slices[d] : ZarrSlice.All;
            if (s.Step < 1)
            {
                throw new ZarrShapeException($"slice step must be positive, not {s.Step}", path);
            }
            var n = shape[d];
            var start = s.Start is { } a ? (a < 0 ? a + n : a) : 0;
            var stop = s.Stop is { } b ? (b < 0 ? b + n : b) : n;
            if (start < 0 || start > n || (s.Stop is not null && (stop < 0 || stop > n)))
            {
                throw new ZarrShapeException($"slice {s} is out of bounds for dimension {d} of length {n}", path);
            }
            stop = Math.Clamp(stop, start, n);
            Start[d] = start;
            Step[d] = s.Step;
            Count[d] = stop <= start ? 0 : ((stop - start - 1) / s.Step) + 1;
        }
    }

    public long[] Start { get; }

    public long[] Step { get; }

    public long[] Count { get; }

    public long Elements => Count.Aggregate(1L, (a, b) => a * b);

    /// <summary>Maps dimension <paramref name="d"/> of a block at <paramref name="origin"/> with <paramref name="extent"/> valid elements.</summary>
    public Pipeline.DimMap Map(int d, long origin, long extent)
    {
        if (Count[d] == 0)
        {
            return default;
        }
        var start = Start[d];
        var step = Step[d];
        var last = start + ((Count[d] - 1) * step);
        var lo = Math.Max(start, origin);
        var hi = Math.Min(last + 1, origin + extent);
        if (lo >= hi)
        {
            return default;
        }
        var k0 = (lo - start + step - 1) / step;
        var i0 = start + (k0 * step);
        if (i0 >= hi)
        {
            return default;
        }
        var k1 = (hi - 1 - start) / step;
        return new Pipeline.DimMap((int)(i0 - origin), k0, (int)(k1 - k0 + 1), (int)step);
    }

    /// <summary>The block indices (of size <paramref name="block"/>) that dimension <paramref name="d"/> touches.</summary>
    public IEnumerable<long> Blocks(int d, long block)
    {
        if (Count[d] == 0)
        {
            yield break;
        }
        var first = Start[d] / block;
        var last = (Start[d] + ((Count[d] - 1) * Step[d])) / block;
        for (var c = first; c <= last; c++)
        {
            if (Map(d, c * block, block).Count > 0)
            {
                yield return c;
            }
        }
    }
}
