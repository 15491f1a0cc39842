using Greyhub.Zarr.Codecs;

namespace Greyhub.Zarr;

/// <summary>Settings shared by arrays and groups; one instance is one concurrency budget.</summary>
public sealed class ZarrOptions
{
    private SemaphoreSlim? _budget;

    /// <summary>The options used when none are given.</summary>
    public static ZarrOptions Default { get; } = new();

    /// <summary>The codec registry that metadata is resolved against.</summary>
    public ZarrCodecRegistry Codecs { get; init; } = ZarrCodecRegistry.Default;

    /// <summary>
    /// How many chunk reads/writes may be in flight at once, across every operation that uses these options
    /// (a global budget, so concurrent callers do not multiply it).
    /// </summary>
    public int MaxConcurrency { get; init; } = Math.Max(4, Environment.ProcessorCount * 2);

    /// <summary>Whether a chunk whose elements all equal the fill value is written (true) or removed (false).</summary>
    public bool WriteEmptyChunks { get; init; } = true;

    internal SemaphoreSlim Budget
    {
        get
        {
            if (_budget is null)
            {
                Interlocked.CompareExchange(ref _budget, new SemaphoreSlim(Math.Max(1, MaxConcurrency)), null);
            }
            return _budget;
        }
    }
}
