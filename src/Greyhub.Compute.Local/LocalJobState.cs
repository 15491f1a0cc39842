using System.Text.Json.Serialization;

namespace Greyhub.Compute.Local;

/// <summary>
/// What the hub keeps to find a local job again: the process id with its kernel start time (so a reused id is
/// never mistaken for our job), the port and the log.
/// </summary>
internal sealed record LocalJobState(
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("start_ticks")] long StartTicks,
    [property: JsonPropertyName("port")] int? Port,
    [property: JsonPropertyName("log")] string LogPath);

[JsonSerializable(typeof(LocalJobState))]
internal sealed partial class LocalJson : JsonSerializerContext;
