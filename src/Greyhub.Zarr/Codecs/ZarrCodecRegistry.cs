using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Codecs;

/// <summary>
/// Codec factories by v3 name and v2 numcodecs id. <see cref="Default"/> holds the built-in codecs (gzip, zlib,
/// crc32c, shuffle, delta, fletcher32) plus whatever other assemblies register; a new registry
/// can be passed in <see cref="ZarrOptions.Codecs"/> instead.
/// </summary>
public sealed class ZarrCodecRegistry
{
    private readonly ConcurrentDictionary<string, IZarrCodecFactory> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IZarrCodecFactory> _byId = new(StringComparer.Ordinal);

    /// <summary>Creates a registry holding the built-in codecs.</summary>
    public ZarrCodecRegistry()
    {
        BuiltInCodecs.RegisterAll(this);
    }

    /// <summary>The process-wide registry used when options name none.</summary>
    public static ZarrCodecRegistry Default { get; } = new();

    /// <summary>The registered v3 names, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _byName.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Adds or replaces a factory (by its name and numcodecs id).</summary>
    public void Register(IZarrCodecFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _byName[factory.Name] = factory;
        if (factory.NumcodecsId is { } id)
        {
            _byId[id] = factory;
        }
    }

    /// <summary>True when a codec of this v3 name or numcodecs id is registered.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name) || _byId.ContainsKey(name)
        || (name.StartsWith("numcodecs.", StringComparison.Ordinal) && _byId.ContainsKey(name["numcodecs.".Length..]));

    /// <summary>Creates a codec from a v3 <c>{"name", "configuration"}</c> object (or a bare name string).</summary>
    public ZarrBytesCodec CreateV3(JsonNode codec, ZarrCodecContext context)
    {
        string name;
        JsonObject? configuration = null;
        if (codec is JsonValue v && v.TryGetValue(out string? s))
        {
            name = s;
        }
        else if (codec is JsonObject o && o["name"] is JsonValue nv && nv.TryGetValue(out string? n))
        {
            name = n;
            configuration = o["configuration"] as JsonObject;
        }
        else
        {
            throw new ZarrMetadataException($"codec entry must be an object with a string 'name': {codec.ToJsonString()}");
        }
        if (_byName.TryGetValue(name, out var factory))
        {
            return factory.Create(configuration, context with { ZarrFormat = 3 });
        }
        // zarr-python 3 writes v2 numcodecs codecs as "numcodecs.<id>" with the v2 fields as configuration.
        if (name.StartsWith("numcodecs.", StringComparison.Ordinal) && _byId.TryGetValue(name["numcodecs.".Length..], out factory))
        {
            var v2 = configuration is null ? [] : (JsonObject)configuration.DeepClone();
            v2["id"] = factory.NumcodecsId;
            return factory.Create(v2, context with { ZarrFormat = 2 });
        }
        throw Unknown(name);
    }

    /// <summary>Creates a codec from a v2 numcodecs <c>{"id": ...}</c> object.</summary>
    public ZarrBytesCodec CreateV2(JsonObject codec, ZarrCodecContext context)
    {
        if (codec["id"] is not JsonValue idv || !idv.TryGetValue(out string? id))
        {
            throw new ZarrMetadataException($"numcodecs entry must have a string 'id': {codec.ToJsonString()}");
        }
        if (_byId.TryGetValue(id, out var factory))
        {
            return factory.Create(codec, context with { ZarrFormat = 2 });
        }
        throw Unknown(id);
    }

    /// <summary>Creates a codec by name with its default settings (plus optional v3 configuration).</summary>
    public ZarrBytesCodec Create(string name, ZarrCodecContext context, JsonObject? configuration = null)
        => CreateV3(new JsonObject { ["name"] = name, ["configuration"] = configuration?.DeepClone() }, context);

    private ZarrUnsupportedException Unknown(string name)
        => new($"unsupported codec '{name}'; registered codecs: {string.Join(", ", Names)}");
}
