using System.Text.Json;
using System.Text.Json.Serialization;
using Greyhub.Abstractions.Compute;

namespace Greyhub.Spawners.Engine;

/// <summary>The spawner's state: the engine's job handle as JSON (<c>{"engine":…,"id":…,"job":{…}}</c>).</summary>
internal static class JobHandleJson
{
    public static string Write(JobHandle job) =>
        JsonSerializer.Serialize(new Saved(job.Engine, job.Id, JsonDocument.Parse(job.State).RootElement), SpawnerJson.Default.Saved);

    public static JobHandle? Read(string state)
    {
        try
        {
            var saved = JsonSerializer.Deserialize(state, SpawnerJson.Default.Saved);
            return saved is { Engine.Length: > 0, Id.Length: > 0 } ? new JobHandle(saved.Engine, saved.Id, saved.Job.GetRawText()) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal sealed record Saved(
        [property: JsonPropertyName("engine")] string Engine,
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("job")] JsonElement Job);
}

[JsonSerializable(typeof(JobHandleJson.Saved))]
internal sealed partial class SpawnerJson : JsonSerializerContext;
