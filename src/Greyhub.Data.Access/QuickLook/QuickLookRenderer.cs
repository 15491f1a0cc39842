using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Greyhub.Data.Access.Datasets;
using Greyhub.Data.Access.Pages;
using Greyhub.Data.Access.Serving;
using Greyhub.Zarr;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Greyhub.Data.Access.QuickLook;

/// <summary>
/// Draws quick looks: checks the parameters, bounds the work, and keeps drawn images by dataset version and
/// parameters. At most <see cref="QuickLookOptions.MaxConcurrentRenders"/> images are drawn at once.
/// </summary>
internal sealed class QuickLookRenderer : IDisposable
{
    private readonly QuickLookOptions _options;
    private readonly TimeSpan _remoteDeadline;
    private readonly TimeProvider _time;
    private readonly MemoryCache _cache;
    private readonly SemaphoreSlim _renders;
    private readonly SemaphoreSlim _remoteRenders;

    public QuickLookRenderer(IOptions<QuickLookOptions> options, IOptions<DataAccessOptions>? data = null, TimeProvider? time = null)
    {
        _options = options.Value;
        _remoteDeadline = data?.Value.RemoteDeadline ?? new DataAccessOptions().RemoteDeadline;
        _time = time ?? TimeProvider.System;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = Math.Max(1, _options.CacheEntries) });
        _renders = new SemaphoreSlim(_options.MaxConcurrentRenders);
        // Remote drawings wait on the network: they have slots of their own, so a slow remote never holds a local one.
        _remoteRenders = new SemaphoreSlim(_options.MaxConcurrentRenders);
    }

    /// <summary>The most bytes a drawing fetches from a remote: what it may decode.</summary>
    public long MaxFetchBytes => _options.MaxDecodedBytes;

    /// <summary>The quick look of a local dataset whose canonical root is <paramref name="root"/>.</summary>
    public Task<QuickLookResult> RenderAsync(DatasetEntry dataset, string root, string? arrayPath, string? index, CancellationToken cancellationToken) =>
        RenderAsync(dataset, DatasetSource.Local(root), arrayPath, index, cancellationToken);

    /// <summary>
    /// The quick look of <paramref name="arrayPath"/> in <paramref name="dataset"/> (read from <paramref name="source"/>)
    /// at <paramref name="index"/>: comma-separated indices of the leading dimensions, each 0 when left out. A remote
    /// dataset's drawing (waiting for a slot included) ends by <see cref="DataAccessOptions.RemoteDeadline"/>.
    /// </summary>
    public async Task<QuickLookResult> RenderAsync(DatasetEntry dataset, DatasetSource source, string? arrayPath, string? index, CancellationToken cancellationToken)
    {
        if (!source.IsRemote)
        {
            return await RenderCoreAsync(dataset, source, arrayPath, index, _renders, cancellationToken);
        }
        using var deadline = new CancellationTokenSource(_remoteDeadline, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await RenderCoreAsync(dataset, source, arrayPath, index, _remoteRenders, linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return QuickLookResult.Unprocessable($"The remote store did not answer within {_remoteDeadline.TotalSeconds:0.#} s; try again later.");
        }
    }

    private async Task<QuickLookResult> RenderCoreAsync(DatasetEntry dataset, DatasetSource source, string? arrayPath, string? index, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        if (dataset.Record.Format == DatasetFormats.Files)
        {
            return QuickLookResult.Bad($"Dataset {dataset.Record.Name} holds plain files, not Zarr arrays: there is nothing to draw.");
        }
        if (source.Store is not { } store)
        {
            return QuickLookResult.Unprocessable(source.Problem ?? $"Dataset {dataset.Record.Name} cannot be read.");
        }
        if (string.IsNullOrEmpty(arrayPath))
        {
            return QuickLookResult.Bad("Name the array to draw: ?array=NAME (a path in the Zarr hierarchy).");
        }
        arrayPath = arrayPath.Trim('/');
        if (arrayPath.Length == 0 || !DataEndpoints.KeyIsSafe(arrayPath))
        {
            return QuickLookResult.Bad($"'{arrayPath}' is not an array path of this dataset.");
        }
        ZarrArray array;
        try
        {
            array = await ZarrArray.OpenAsync(store, arrayPath, cancellationToken: cancellationToken);
        }
        catch (ZarrNodeNotFoundException)
        {
            return QuickLookResult.Bad($"Dataset {dataset.Record.Name} has no array named '{arrayPath}'.");
        }
        catch (ZarrException e)
        {
            return QuickLookResult.Unprocessable($"Array '{arrayPath}' cannot be opened: {e.Message}");
        }
        var shape = array.Shape;
        if (shape.Count < 2)
        {
            return QuickLookResult.Bad($"Array '{arrayPath}' has {shape.Count} dimension(s); a quick look needs two or more.");
        }
        if (!DatasetDescriber.IsNumeric(array.DataType))
        {
            return QuickLookResult.Bad($"Array '{arrayPath}' holds {array.DataType.V3Name} elements; a quick look draws numbers only.");
        }
        if (ParseIndex(index, shape) is not { } at)
        {
            return QuickLookResult.Bad(IndexError(index, shape, DatasetDescriber.DimensionsOf(array)));
        }
        if (Math.Max(shape[^2], shape[^1]) / _options.MaxPixels >= int.MaxValue)
        {
            // A shape no store really has (a remote's metadata is not trusted): no stride fits it.
            return QuickLookResult.Unprocessable($"Array '{arrayPath}' is too large for a quick look ({string.Join(" × ", shape)}).");
        }
        var stride = QuickLookSlice.StrideFor(shape[^2], shape[^1], _options.MaxPixels);
        var cost = QuickLookSlice.DecodedBytes(array, stride);
        if (cost > _options.MaxDecodedBytes)
        {
            return QuickLookResult.Unprocessable(
                $"Drawing '{arrayPath}' would decode {cost / (1024 * 1024):F0} MiB of chunks (at most {_options.MaxDecodedBytes / (1024 * 1024)} MiB): " +
                "its chunks are too large for a quick look of this slice. Read it with xarray instead.");
        }
        var key = CacheKey(dataset, source, arrayPath, at);
        if (_cache.TryGetValue(key, out QuickLookImage? cached) && cached is not null)
        {
            return new QuickLookResult(cached);
        }
        await slots.WaitAsync(cancellationToken);
        try
        {
            if (_cache.TryGetValue(key, out cached) && cached is not null)
            {
                return new QuickLookResult(cached);
            }
            double[] values;
            try
            {
                values = await QuickLookSlice.ReadAsync(array, at, stride, cancellationToken);
            }
            catch (ZarrException e)
            {
                return QuickLookResult.Unprocessable($"Array '{arrayPath}' cannot be read: {e.Message}");
            }
            var rows = QuickLookSlice.Samples(shape[^2], stride);
            var columns = QuickLookSlice.Samples(shape[^1], stride);
            var (png, min, max) = QuickLookDrawing.Draw(values, rows, columns, QuickLookSlice.Missing(array));
            var (scale, offset) = QuickLookSlice.Packing(array);
            (min, max) = (min * scale + offset, max * scale + offset);
            if (min > max)
            {
                (min, max) = (max, min);
            }
            var image = new QuickLookImage(png, columns, rows, stride, min, max, arrayPath, at, DatasetDescriber.DimensionsOf(array),
                "\"ql-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..24] + "\"");
            _cache.Set(key, image, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _options.CacheLifetime > TimeSpan.Zero ? _options.CacheLifetime : TimeSpan.FromTicks(1) });
            return new QuickLookResult(image);
        }
        finally
        {
            slots.Release();
        }
    }

    public void Dispose()
    {
        _cache.Dispose();
        _renders.Dispose();
        _remoteRenders.Dispose();
    }

    /// <summary>The leading dimensions' indices, or null when the text is not one non-negative integer per leading dimension (at most) in range.</summary>
    private static long[]? ParseIndex(string? text, IReadOnlyList<long> shape)
    {
        var leading = shape.Count - 2;
        var at = new long[leading];
        if (string.IsNullOrWhiteSpace(text))
        {
            return at;
        }
        var parts = text.Split(',');
        if (parts.Length > leading)
        {
            return null;
        }
        for (var d = 0; d < parts.Length; d++)
        {
            if (!long.TryParse(parts[d].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var i) || i >= shape[d])
            {
                return null;
            }
            at[d] = i;
        }
        return at;
    }

    private static string IndexError(string? text, IReadOnlyList<long> shape, IReadOnlyList<string> dimensions)
    {
        var leading = shape.Count - 2;
        if (leading == 0)
        {
            return $"index={text} does not apply: the array has two dimensions ({dimensions[0]}, {dimensions[1]}), both drawn.";
        }
        var ranges = string.Join(", ", Enumerable.Range(0, leading).Select(d => $"{dimensions[d]} 0..{shape[d] - 1}"));
        return $"index={text} is not valid: give up to {leading} comma-separated whole number(s), one per leading dimension ({ranges}).";
    }

    /// <summary>
    /// The dataset's version (its record's modification, and the array's metadata file's, or a remote hierarchy's
    /// version) and the parameters. Chunks rewritten in place without either changing are seen when the entry expires.
    /// </summary>
    private string CacheKey(DatasetEntry dataset, DatasetSource source, string arrayPath, long[] at)
    {
        var stamp = source.Version;
        if (source.Root is { } root)
        {
            var metadata = Path.Combine(root, arrayPath, dataset.Record.Format == DatasetFormats.ZarrV3 ? "zarr.json" : ".zarray");
            stamp = File.Exists(metadata) ? File.GetLastWriteTimeUtc(metadata).Ticks.ToString(CultureInfo.InvariantCulture) : "0";
        }
        return string.Join('\n', dataset.Record.Name, dataset.Record.Location, dataset.Record.Modified.Ticks, stamp, arrayPath, string.Join(',', at), _options.MaxPixels);
    }
}
