using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Greyhub.Hub.Tests;

/// <summary>One operation of the document: a path and method, what it answers on success, and the scopes it declares.</summary>
public sealed record OpenApiOperation(string Path, string Method, string Id, JsonObject Node, IReadOnlyList<string> Scopes)
{
    public string Key => Method + " " + Path;

    /// <summary>The success statuses the document lists (2xx).</summary>
    public IReadOnlyList<int> SuccessStatuses =>
        [.. Node["responses"]!.AsObject().Select(r => int.Parse(r.Key, System.Globalization.CultureInfo.InvariantCulture)).Where(s => s is >= 200 and < 300)];

    /// <summary>The JSON schema of the response with <paramref name="status"/>, if the document gives one.</summary>
    public JsonObject? ResponseSchema(int status) =>
        Node["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]?["content"]?["application/json"]?["schema"]?.AsObject();

    public override string ToString() => $"{Key} ({Id})";
}

/// <summary>
/// JupyterHub's OpenAPI document (tests/fixtures/jupyterhub-openapi/rest-api.yml), read as JSON nodes: its operations,
/// and a check of a JSON value against one of its schemas.
/// </summary>
public sealed class OpenApiDocument
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    private OpenApiDocument(JsonObject root) => Root = root;

    public JsonObject Root { get; }

    public string Version => (string)Root["info"]!["version"]!;

    public static OpenApiDocument Load()
    {
        var path = Path.Combine(RepoRoot(), "tests", "fixtures", "jupyterhub-openapi", "rest-api.yml");
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            yaml.Load(reader);
        }
        return new OpenApiDocument(ToJson(yaml.Documents[0].RootNode)!.AsObject());
    }

    /// <summary>Every operation, in the document's order.</summary>
    public IReadOnlyList<OpenApiOperation> Operations()
    {
        var defaultScopes = Scopes(Root["security"]);
        var operations = new List<OpenApiOperation>();
        foreach (var (path, item) in Root["paths"]!.AsObject())
        {
            foreach (var (method, node) in item!.AsObject().Where(m => Methods.Contains(m.Key)))
            {
                var op = node!.AsObject();
                var scopes = op["security"] is { } security ? Scopes(security) : defaultScopes;
                operations.Add(new OpenApiOperation(path, method.ToUpperInvariant(), (string?)op["operationId"] ?? "", op, scopes));
            }
        }
        return operations;
    }

    /// <summary>The target of a <c>$ref</c> (<c>#/components/...</c>) and its last segment (the schema's name).</summary>
    public (string Name, JsonObject Node) Resolve(string reference)
    {
        JsonNode node = Root;
        var segments = reference.TrimStart('#', '/').Split('/');
        foreach (var segment in segments)
        {
            node = node[segment] ?? throw new InvalidOperationException("unresolved $ref " + reference);
        }
        return (segments[^1], node.AsObject());
    }

    /// <summary>The OAuth scopes a <c>security</c> list requires (any scheme's; empty when any token will do).</summary>
    private static IReadOnlyList<string> Scopes(JsonNode? security) =>
        security is JsonArray list
            ? [.. list.SelectMany(requirement => requirement!.AsObject().SelectMany(s => s.Value!.AsArray().Select(v => (string)v!)))]
            : [];

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(ToJson)]),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidOperationException("unexpected YAML node " + node.NodeType),
    };

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Greyhub.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Greyhub.slnx not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// Checks a response body against a schema of the document: <c>$ref</c>, <c>allOf</c>, <c>oneOf</c> with its
/// discriminator, <c>type</c> (one or a list), <c>enum</c>, <c>properties</c>, <c>required</c>,
/// <c>additionalProperties</c> and <c>items</c>. Every property the document lists must be present (the document
/// names few <c>required</c> ones, JupyterHub sends them all), except those <paramref name="optional"/> names
/// (<c>Schema.field</c>); a null is accepted where the document's type has no null only for the fields
/// <paramref name="nullable"/> names, where JupyterHub itself sends null.
/// </summary>
public sealed class OpenApiSchemaCheck(OpenApiDocument document, IReadOnlySet<string> optional, IReadOnlySet<string> nullable)
{
    /// <summary>
    /// Adds every mismatch of <paramref name="value"/> to <paramref name="problems"/>; <paramref name="owner"/> names
    /// the schema holding its properties (a component name, or the operation id for inline ones).
    /// </summary>
    public void Check(JsonElement value, JsonObject schema, string owner, List<string> problems) => Check(value, schema, owner, "", "$", problems);

    private void Check(JsonElement value, JsonObject schema, string owner, string field, string at, List<string> problems)
    {
        if ((string?)schema["$ref"] is { } reference)
        {
            var (name, target) = document.Resolve(reference);
            Check(value, target, name, field, at, problems);
            return;
        }
        foreach (var part in schema["allOf"]?.AsArray() ?? [])
        {
            Check(value, part!.AsObject(), owner, field, at, problems);
        }
        if (schema["oneOf"] is JsonArray && schema["discriminator"] is JsonObject discriminator)
        {
            var property = (string)discriminator["propertyName"]!;
            var kind = value.ValueKind == JsonValueKind.Object && value.TryGetProperty(property, out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : "";
            if ((string?)discriminator["mapping"]?[kind] is { } mapped)
            {
                var (name, target) = document.Resolve(mapped);
                Check(value, target, name, field, at, problems);
            }
            else
            {
                problems.Add($"{at}: '{property}' is '{kind}', none of the kinds the document maps");
            }
        }
        if (Types(schema) is { } types && !types.Any(t => Is(value, t)))
        {
            if (!(value.ValueKind == JsonValueKind.Null && nullable.Contains(field)))
            {
                problems.Add($"{at}: {Describe(value)} where the document types {(field.Length > 0 ? field : "it")} as {string.Join(" or ", types)}");
            }
            return;
        }
        if (schema["enum"] is JsonArray allowed && value.ValueKind == JsonValueKind.String && !allowed.Any(a => (string?)a == value.GetString()))
        {
            problems.Add($"{at}: '{value.GetString()}' is none of {string.Join(", ", allowed.Select(a => (string?)a))}");
        }
        if (value.ValueKind == JsonValueKind.Object)
        {
            CheckObject(value, schema, owner, at, problems);
        }
        if (value.ValueKind == JsonValueKind.Array && schema["items"] is JsonObject items)
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(item, items, owner, field, $"{at}[{i++}]", problems);
            }
        }
    }

    private void CheckObject(JsonElement value, JsonObject schema, string owner, string at, List<string> problems)
    {
        foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
        {
            var field = owner + "." + name;
            if (value.TryGetProperty(name, out var v))
            {
                Check(v, property!.AsObject(), field, field, $"{at}.{name}", problems);
            }
            else if (!optional.Contains(field))
            {
                problems.Add($"{at}: no '{name}' ({field})");
            }
        }
        foreach (var name in schema["required"]?.AsArray().Select(r => (string)r!) ?? [])
        {
            if (!value.TryGetProperty(name, out _))
            {
                problems.Add($"{at}: no '{name}', which the document requires");
            }
        }
        if (schema["additionalProperties"] is JsonObject additional)
        {
            foreach (var p in value.EnumerateObject())
            {
                Check(p.Value, additional, owner + "[]", owner + "[]", $"{at}.{p.Name}", problems);
            }
        }
    }

    private static IReadOnlyList<string>? Types(JsonObject schema) => schema["type"] switch
    {
        JsonArray list => [.. list.Select(t => (string)t!)],
        JsonValue one => [(string)one!],
        _ => null,
    };

    private static bool Is(JsonElement value, string type) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => throw new InvalidOperationException("unknown schema type " + type),
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"a string '{value.GetString()}'",
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "a" + (value.ValueKind is JsonValueKind.Array or JsonValueKind.Object ? "n " : " ") + value.ValueKind.ToString().ToLowerInvariant(),
    };
}
