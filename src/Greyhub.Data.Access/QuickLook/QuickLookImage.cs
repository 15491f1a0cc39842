namespace Greyhub.Data.Access.QuickLook;

/// <summary>A drawn quick look: the PNG and what the page says about it.</summary>
/// <param name="Png">The image, PNG-encoded.</param>
/// <param name="Width">Pixels across (the last dimension, strided).</param>
/// <param name="Height">Pixels down (the second-to-last dimension, strided; its index 0 at the bottom).</param>
/// <param name="Stride">Every how many elements one was read along both image axes (1: all).</param>
/// <param name="Min">The smallest valid value, CF <c>scale_factor</c>/<c>add_offset</c> applied (NaN when none is valid).</param>
/// <param name="Max">The largest valid value, likewise.</param>
/// <param name="Array">The array drawn.</param>
/// <param name="Index">The index of each leading dimension.</param>
/// <param name="Dimensions">The array's dimension names.</param>
/// <param name="ETag">A strong entity tag for the image (dataset version and parameters).</param>
public sealed record QuickLookImage(
    byte[] Png, int Width, int Height, int Stride, double Min, double Max, string Array, IReadOnlyList<long> Index, IReadOnlyList<string> Dimensions, string ETag);

/// <summary>Why a quick look was not drawn.</summary>
public enum QuickLookProblem
{
    /// <summary>The parameters are wrong (no such array, index out of range, an array that is not a 2-D grid of numbers).</summary>
    BadRequest,
    /// <summary>The array cannot be read (broken metadata or chunks), or the slice costs more than the configured bound.</summary>
    Unprocessable,
}

/// <summary>A quick look or the reason there is none.</summary>
/// <param name="Image">The image, when drawn.</param>
/// <param name="Problem">Otherwise, what kind of problem.</param>
/// <param name="Message">Otherwise, the problem in words.</param>
public sealed record QuickLookResult(QuickLookImage? Image, QuickLookProblem Problem = QuickLookProblem.BadRequest, string Message = "")
{
    /// <summary>Wrong parameters.</summary>
    public static QuickLookResult Bad(string message) => new(null, QuickLookProblem.BadRequest, message);

    /// <summary>An array that cannot be read, or a slice too costly.</summary>
    public static QuickLookResult Unprocessable(string message) => new(null, QuickLookProblem.Unprocessable, message);
}
