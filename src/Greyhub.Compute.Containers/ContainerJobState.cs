using System.Text.Json.Serialization;

namespace Greyhub.Compute.Containers;

/// <summary>
/// What the hub keeps to find a container again: its id (the only thing used to find it), its name, the hub instance
/// that owns it, the host port it binds in host network mode, whether it has a port at all, and where its log is
/// kept once the container is removed.
/// </summary>
internal sealed record ContainerJobState(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("instance")] string Instance,
    [property: JsonPropertyName("has_port")] bool HasPort,
    [property: JsonPropertyName("host_port")] int? HostPort,
    [property: JsonPropertyName("log")] string LogPath);

/// <summary>How a container ended, saved next to its log when Greyhub removes it.</summary>
internal sealed record ContainerExitRecord(
    [property: JsonPropertyName("exit_code")] long ExitCode,
    [property: JsonPropertyName("reason")] string Reason);

[JsonSerializable(typeof(ContainerJobState))]
[JsonSerializable(typeof(ContainerExitRecord))]
internal sealed partial class ContainerJson : JsonSerializerContext;
