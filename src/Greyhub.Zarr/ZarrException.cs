namespace Greyhub.Zarr;

/// <summary>Base of every error this library reports; names the array path and chunk key when known.</summary>
public class ZarrException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ZarrException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>Creates the exception for a node and chunk.</summary>
    public ZarrException(string message, string? path, string? key, Exception? inner = null)
        : base(Describe(message, path, key), inner)
    {
        NodePath = path;
        ChunkKey = key;
    }

    /// <summary>The path of the array or group concerned, when known.</summary>
    public string? NodePath { get; }

    /// <summary>The store key of the chunk concerned, when known.</summary>
    public string? ChunkKey { get; }

    private static string Describe(string message, string? path, string? key)
    {
        var where = key is not null ? $" (array '/{path}', chunk '{key}')" : path is not null ? $" (node '/{path}')" : "";
        return message + where;
    }
}

/// <summary>Metadata is missing required fields, has wrong types or is not JSON.</summary>
public sealed class ZarrMetadataException : ZarrException
{
    /// <summary>Creates the exception.</summary>
    public ZarrMetadataException(string message, string? path = null, Exception? inner = null) : base(message, path, null, inner) { }
}

/// <summary>The metadata is valid but names a codec, data type or feature this library does not support.</summary>
public sealed class ZarrUnsupportedException : ZarrException
{
    /// <summary>Creates the exception.</summary>
    public ZarrUnsupportedException(string message, string? path = null) : base(message, path, null) { }
}

/// <summary>A chunk (or shard) is corrupt or truncated and cannot be decoded.</summary>
public sealed class ZarrChunkException : ZarrException
{
    /// <summary>Creates the exception.</summary>
    public ZarrChunkException(string message, string? path, string? key, Exception? inner = null) : base(message, path, key, inner) { }
}

/// <summary>A selection, buffer or element type does not fit the array.</summary>
public sealed class ZarrShapeException : ZarrException
{
    /// <summary>Creates the exception.</summary>
    public ZarrShapeException(string message, string? path = null) : base(message, path, null) { }
}

/// <summary>No array or group exists at the path.</summary>
public sealed class ZarrNodeNotFoundException : ZarrException
{
    /// <summary>Creates the exception.</summary>
    public ZarrNodeNotFoundException(string message, string? path) : base(message, path, null) { }
}
