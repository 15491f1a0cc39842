using Microsoft.Extensions.Options;

namespace Greyhub.Data.Access.QuickLook;

/// <summary>Bounds of the data page's quick-look images (<c>Greyhub:Data:QuickLook</c>).</summary>
internal sealed class QuickLookOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Greyhub:Data:QuickLook";

    /// <summary>The longest side of an image, in pixels: a larger slice is read with a stride.</summary>
    public int MaxPixels { get; set; } = 512;

    /// <summary>
    /// The most decoded chunk bytes one image may cost. A slice whose strided read still touches more (chunks much
    /// larger than the stride, or a huge slice) is refused rather than read.
    /// </summary>
    public long MaxDecodedBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>How many images are drawn at once; more requests wait.</summary>
    public int MaxConcurrentRenders { get; set; } = 2;

    /// <summary>How long a drawn image is kept (chunks rewritten in place are seen after this).</summary>
    public TimeSpan CacheLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many drawn images are kept.</summary>
    public int CacheEntries { get; set; } = 256;
}

/// <summary>Reports every bad quick-look setting at start.</summary>
internal sealed class QuickLookOptionsValidator : IValidateOptions<QuickLookOptions>
{
    public ValidateOptionsResult Validate(string? name, QuickLookOptions options)
    {
        var failures = new List<string>();
        if (options.MaxPixels is < 16 or > 4096)
        {
            failures.Add($"{QuickLookOptions.Section}:MaxPixels must be between 16 and 4096 (was {options.MaxPixels}).");
        }
        if (options.MaxDecodedBytes < 1024 * 1024)
        {
            failures.Add($"{QuickLookOptions.Section}:MaxDecodedBytes must be at least 1 MiB (was {options.MaxDecodedBytes}).");
        }
        if (options.MaxConcurrentRenders < 1)
        {
            failures.Add($"{QuickLookOptions.Section}:MaxConcurrentRenders must be at least 1 (was {options.MaxConcurrentRenders}).");
        }
        if (options.CacheLifetime < TimeSpan.Zero)
        {
            failures.Add($"{QuickLookOptions.Section}:CacheLifetime must not be negative (was {options.CacheLifetime}).");
        }
        if (options.CacheEntries < 0)
        {
            failures.Add($"{QuickLookOptions.Section}:CacheEntries must not be negative (was {options.CacheEntries}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
