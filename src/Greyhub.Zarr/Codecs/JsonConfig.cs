using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Codecs;

/// <summary>Typed reads of codec configuration fields with codec errors on wrong types.</summary>
internal static class JsonConfig
{
    public static int GetInt(JsonObject? o, string key, int fallback, string codec)
    {
        var node = o?[key];
        if (node is null)
        {
            return fallback;
        }
        if (node is JsonValue v && v.TryGetValue(out int i))
        {
            return i;
        }
        if (node is JsonValue d && d.TryGetValue(out double x) && x == Math.Floor(x) && x is >= int.MinValue and <= int.MaxValue)
        {
            return (int)x;
        }
        throw new ZarrCodecException($"codec '{codec}': '{key}' must be an integer, not {node.ToJsonString()}");
    }

    public static string? GetString(JsonObject? o, string key, string codec)
    {
        var node = o?[key];
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue v && v.TryGetValue(out string? s))
        {
            return s;
        }
        throw new ZarrCodecException($"codec '{codec}': '{key}' must be a string, not {node.ToJsonString()}");
    }

    public static JsonObject V3(string name, JsonObject? configuration)
    {
        var o = new JsonObject { ["name"] = name };
        if (configuration is not null)
        {
            o["configuration"] = configuration;
        }
        return o;
    }
}

/// <summary>A factory made of a delegate.</summary>
internal sealed class DelegateCodecFactory(string name, string? numcodecsId, Func<JsonObject?, ZarrCodecContext, ZarrBytesCodec> create) : IZarrCodecFactory
{
    public string Name => name;

    public string? NumcodecsId => numcodecsId;

    public ZarrBytesCodec Create(JsonObject? configuration, ZarrCodecContext context) => create(configuration, context);
}
