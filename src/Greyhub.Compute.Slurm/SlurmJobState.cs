using System.Text.Json.Serialization;

namespace Greyhub.Compute.Slurm;

/// <summary>
/// What the hub keeps to find a Slurm job again: its id, the marker in its comment (<c>greyhub:MARKER</c>, so a job id
/// that now names someone else's job is never touched) its folder in the shared jobs directory, and whether its script picks a port (then it counts as running only once
/// its endpoint is recorded).
/// </summary>
internal sealed record SlurmJobState(
    [property: JsonPropertyName("job_id")] string JobId,
    [property: JsonPropertyName("marker")] string Marker,
    [property: JsonPropertyName("dir")] string Directory,
    [property: JsonPropertyName("port")] bool PicksPort = false);

[JsonSerializable(typeof(SlurmJobState))]
internal sealed partial class SlurmStateJson : JsonSerializerContext;
