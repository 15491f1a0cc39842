using System.Reflection;
using System.Text.Json.Serialization;
using YamlDotNet.RepresentationModel;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>docs/plugins/openapi.yaml says what the hub sends and reads: every call it makes and every field of its wire records.</summary>
public sealed class OpenApiDocumentTests
{
    private static YamlMappingNode Document()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(AppContext.BaseDirectory, "plugins", "openapi.yaml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            node = ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        }
        return (YamlMappingNode)node;
    }

    private static string[] Fields(Type type) =>
        [.. type.GetProperties().Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name).Order(StringComparer.Ordinal)];

    private static string[] Properties(YamlMappingNode schema) =>
        [.. Map(schema, "properties").Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order(StringComparer.Ordinal)];

    [Fact]
    public void The_document_names_every_call_and_field_the_hub_uses()
    {
        var document = Document();
        var paths = Map(document, "paths").Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToList();
        Assert.Equal(["/v1/handshake", "/v1/jobs/launch", "/v1/jobs/status", "/v1/jobs/find", "/v1/jobs/stop", "/v1/jobs/log",
            "/v1/spawner/start", "/v1/spawner/progress", "/v1/spawner/poll", "/v1/spawner/wait", "/v1/spawner/stop", "/v1/spawner/log",
            "/v1/spawner/options_form", "/v1/spawner/options_from_form",
            "/v1/authenticator/authenticate", "/v1/authenticator/pre_spawn_start", "/v1/authenticator/post_spawn_stop",
            "/v1/authenticator/refresh_user"], paths);

        var schemas = Map(document, "components", "schemas");
        Assert.Equal(Fields(typeof(HandshakeResponse)), Properties(Map(schemas, "Handshake")));
        Assert.Equal(Fields(typeof(LaunchRequest)), Properties(Map(schemas, "LaunchRequest")));
        Assert.Equal(Fields(typeof(WireJobSpec)), Properties(Map(schemas, "JobSpec")));
        Assert.Equal(Fields(typeof(WireResources)), Properties(Map(schemas, "JobSpec", "properties", "resources")));
        Assert.Equal(Fields(typeof(WireJob)), Properties(Map(schemas, "Job")));
        Assert.Equal(Fields(typeof(WireStatus)), Properties(Map(schemas, "Status")));
        Assert.Equal(Fields(typeof(FindRequest)), Properties(Map(document, "paths", "/v1/jobs/find", "post", "requestBody", "content", "application/json", "schema")));
        Assert.Equal(Fields(typeof(FindResponse)), Properties(Map(document, "paths", "/v1/jobs/find", "post", "responses", "200", "content", "application/json", "schema")));
        Assert.Equal(Fields(typeof(ErrorResponse)), Properties(Map(schemas, "Error")));
        Assert.Equal(Fields(typeof(HostedSpawner)), Properties(Map(schemas, "Handshake", "properties", "hosts", "properties", "spawner")));
        Assert.Equal(Fields(typeof(WireUser)), Properties(Map(schemas, "SpawnerUser")));
        Assert.Equal(Fields(typeof(SpawnerStartRequest)), Properties(Map(schemas, "SpawnerStart")));
        Assert.Equal(Fields(typeof(SpawnerProgressRequest)), Properties(Map(schemas, "SpawnerProgressRequest")));
        Assert.Equal(Fields(typeof(SpawnerProgressResponse)), Properties(Map(schemas, "SpawnerProgress")));
        Assert.Equal(Fields(typeof(WireProgressEvent)), Properties(Map(schemas, "SpawnerProgress", "properties", "events", "items")));
        Assert.Equal(Fields(typeof(WireSpawnerStatus)), Properties(Map(schemas, "SpawnerStatus")));
        Assert.Equal(Fields(typeof(SpawnerWaitRequest)), Properties(Map(document, "paths", "/v1/spawner/wait", "post", "requestBody", "content", "application/json", "schema")));
        Assert.Equal(Fields(typeof(SpawnerWaitResponse)), Properties(Map(document, "paths", "/v1/spawner/wait", "post", "responses", "200", "content", "application/json", "schema")));
        Assert.Equal(Fields(typeof(WireHosted)), Properties(Map(schemas, "Hosted")));
        Assert.Equal(Fields(typeof(AuthenticateRequest)), Properties(Map(schemas, "AuthenticateRequest")));
        Assert.Equal(Fields(typeof(WireAuthUser)), Properties(Map(schemas, "AuthenticatedUser")));
        Assert.Equal(Fields(typeof(WireUserModel)), Properties(Map(schemas, "UserModel")));
        Assert.Equal(Fields(typeof(PreSpawnStartRequest)), Properties(Map(schemas, "PreSpawnStartRequest")));
        Assert.Equal(Fields(typeof(RefreshUserResponse)), Properties(Map(schemas, "RefreshUserResponse")));
    }
}
