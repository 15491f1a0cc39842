namespace Greyhub.Zarr.Compression;

/// <summary>
/// Thrown when compressed input is corrupt, truncated or uses a feature this library does not support.
/// The codecs of this library throw only this type (or <see cref="BloscException"/>) for bad input.
/// </summary>
public class CompressedDataException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public CompressedDataException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public CompressedDataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public CompressedDataException()
        : base("Invalid compressed data.")
    {
    }
}

/// <summary>Thrown when a Blosc frame is corrupt, truncated or unsupported.</summary>
public sealed class BloscException : CompressedDataException
{
    /// <summary>Creates the exception with a message.</summary>
    public BloscException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public BloscException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public BloscException()
        : base("Invalid Blosc frame.")
    {
    }
}
