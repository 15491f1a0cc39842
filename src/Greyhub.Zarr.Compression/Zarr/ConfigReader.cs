using System.Text.Json.Nodes;
using Greyhub.Zarr.Codecs;

namespace Greyhub.Zarr.Compression.Zarr;

/// <summary>Typed reads of codec configuration fields; wrong types become <see cref="ZarrCodecException"/>.</summary>
internal static class ConfigReader
{
    public static int Int(JsonObject? o, string key, int fallback, string codec)
    {
        var node = o?[key];
        if (node is null)
        {
            return fallback;
        }
        if (node is JsonValue v)
        {
            if (v.TryGetValue(out int i))
            {
                return i;
            }
            if (v.TryGetValue(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
            {
                return (int)d;
            }
        }
        throw new ZarrCodecException($"codec '{codec}': '{key}' must be an integer, not {node.ToJsonString()}");
    }

    public static string? String(JsonObject? o, string key, string codec)
    {
        var node = o?[key];
        if (node is null)
        {
            return null;
        }
        return node is JsonValue v && v.TryGetValue(out string? s)
            ? s
            : throw new ZarrCodecException($"codec '{codec}': '{key}' must be a string, not {node.ToJsonString()}");
    }

    public static bool Bool(JsonObject? o, string key, bool fallback, string codec)
    {
        var node = o?[key];
        if (node is null)
        {
            return fallback;
        }
        return node is JsonValue v && v.TryGetValue(out bool b)
            ? b
            : throw new ZarrCodecException($"codec '{codec}': '{key}' must be a boolean, not {node.ToJsonString()}");
    }
}
