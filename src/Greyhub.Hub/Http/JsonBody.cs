using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Http;

/// <summary>Reads and checks JSON request bodies with JupyterHub's error messages.</summary>
internal static class JsonBody
{
    /// <summary>Reads the body as JSON; null when the body is empty.</summary>
    public static async Task<JsonElement?> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength == 0)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length == 0 || IsWhitespace(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
        {
            return null;
        }
        // JsonDocument checks UTF-8 inside strings only when a string is read, which would then throw (a 500):
        // check the whole body once here instead.
        if (!System.Text.Unicode.Utf8.IsValid(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
        {
            throw ApiException.BadRequest("Invalid UTF-8 in body of request");
        }
        try
        {
            using var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), new JsonDocumentOptions { MaxDepth = 64 });
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw ApiException.BadRequest("Invalid JSON in body of request");
        }
        catch (ArgumentException)
        {
            throw ApiException.BadRequest("Invalid UTF-8 in body of request");
        }
    }

    /// <summary>Reads a body that must be a JSON object (or empty, when allowed).</summary>
    public static async Task<JsonElement?> ReadObjectAsync(HttpRequest request, bool required, CancellationToken cancellationToken)
    {
        var body = await ReadAsync(request, cancellationToken);
        if (body is null)
        {
            return required ? throw ApiException.BadRequest("Request body is required") : null;
        }
        if (body.Value.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest("Request body must be a JSON object");
        }
        return body;
    }

    /// <summary>Rejects keys outside <paramref name="allowed"/> ("Invalid {what} model: unexpected keys").</summary>
    public static void OnlyKeys(JsonElement body, string what, params string[] allowed)
    {
        var unexpected = body.EnumerateObject().Select(p => p.Name).Where(n => !allowed.Contains(n, StringComparer.Ordinal)).ToList();
        if (unexpected.Count > 0)
        {
            throw ApiException.BadRequest($"Invalid {what} model: unexpected keys: {string.Join(", ", unexpected)}");
        }
    }

    /// <summary>An optional string field; wrong types are a 400.</summary>
    public static string? String(JsonElement body, string name, string what)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw ApiException.BadRequest($"{what}.{name} must be str, not {TypeName(value)}");
    }

    /// <summary>An optional bool field; wrong types are a 400.</summary>
    public static bool? Bool(JsonElement body, string name, string what)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiException.BadRequest($"{what}.{name} must be bool, not {TypeName(value)}"),
        };
    }

    /// <summary>An optional list of strings; wrong types are a 400.</summary>
    public static List<string>? StringList(JsonElement body, string name, string what)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw ApiException.BadRequest($"{what}.{name} must be list, not {TypeName(value)}");
        }
        var list = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw ApiException.BadRequest($"{what}.{name} must be a list of str, found {TypeName(item)}");
            }
            list.Add(item.GetString()!);
        }
        return list;
    }

    /// <summary>JupyterHub's (Python's) name for a JSON value's type, for messages.</summary>
    public static string TypeName(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "str",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "int" : "float",
        JsonValueKind.True or JsonValueKind.False => "bool",
        JsonValueKind.Array => "list",
        JsonValueKind.Object => "dict",
        _ => "NoneType",
    };

    private static bool IsWhitespace(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }
        return true;
    }
}
