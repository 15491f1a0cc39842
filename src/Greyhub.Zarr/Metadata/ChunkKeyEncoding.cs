using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Greyhub.Zarr.Metadata;

/// <summary>v3 <c>default</c> (<c>c/1/2</c>) or <c>v2</c> (<c>1.2</c>) chunk keys, with their separator.</summary>
internal sealed record ChunkKeyEncoding(bool Default, char Separator)
{
    public string Key(ReadOnlySpan<long> coords)
    {
        if (coords.Length == 0)
        {
            return Default ? "c" : "0";
        }
        var sb = new StringBuilder(Default ? "c" + Separator : "");
        for (var d = 0; d < coords.Length; d++)
        {
            if (d > 0)
            {
                sb.Append(Separator);
            }
            sb.Append(coords[d].ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    public JsonObject ToV3() => new()
    {
        ["name"] = Default ? "default" : "v2",
        ["configuration"] = new JsonObject { ["separator"] = Separator.ToString() },
    };

    public static ChunkKeyEncoding Parse(JsonNode? node, string path)
    {
        if (node is not JsonObject o || o["name"]?.GetValueKind() != System.Text.Json.JsonValueKind.String)
        {
            throw new ZarrMetadataException("chunk_key_encoding must be an object with a name", path);
        }
        var name = (string)o["name"]!;
        var sep = (o["configuration"] as JsonObject)?["separator"];
        char? separator = sep is JsonValue v && v.TryGetValue(out string? s) && s is "." or "/" ? s[0]
            : sep is null ? null : throw new ZarrMetadataException($"chunk key separator {sep.ToJsonString()} must be \".\" or \"/\"", path);
        return name switch
        {
            "default" => new(true, separator ?? '/'),
            "v2" => new(false, separator ?? '.'),
            _ => throw new ZarrUnsupportedException($"unsupported chunk_key_encoding '{name}'", path),
        };
    }
}
