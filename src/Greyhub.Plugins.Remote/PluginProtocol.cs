using System.Text.Json.Serialization;

namespace Greyhub.Plugins.Remote;

/// <summary>The wire shapes of protocol version 1 (docs/plugins/openapi.yaml): snake_case JSON, one record per body.</summary>
internal static class PluginProtocol
{
    /// <summary>The protocol version this hub speaks.</summary>
    public const int Version = 1;

    /// <summary>The header that carries the version on every request, so a plug-in can refuse one it does not speak.</summary>
    public const string VersionHeader = "Greyhub-Plugin-Protocol";
}

/// <summary>GET /v1/handshake: who the plug-in is (the engine and/or authenticator it serves) and which protocol versions it speaks.</summary>
internal sealed record HandshakeResponse(
    [property: JsonPropertyName("protocols")] IReadOnlyList<int> Protocols,
    [property: JsonPropertyName("engine")] string? Engine,
    [property: JsonPropertyName("runs_locally")] bool RunsLocally = false,
    [property: JsonPropertyName("hosts")] HostedParts? Hosts = null,
    [property: JsonPropertyName("engine_calls")] IReadOnlyList<string>? EngineCalls = null)
{
    /// <summary>Whether the engine serves an optional call (1.2: <c>find</c>); a plug-in older than the call lists none.</summary>
    public bool EngineServes(string call) => EngineCalls?.Contains(call) ?? false;

    /// <summary>The authenticator class the plug-in serves, or null when it serves none.</summary>
    public string? AuthenticatorClass() => Hosts?.Authenticator?.Class;
}

/// <summary>
/// One part a plug-in serves (<c>authenticator</c>): its class and the calls it answers; for an authenticator (1.2) its
/// sign-in form's own HTML and service name (JupyterHub's <c>custom_html</c> and <c>login_service</c>), and when it
/// refreshes users (<c>auth_refresh_age</c> in seconds, <c>refresh_pre_spawn</c>; asked only when <c>calls</c> lists <c>refresh_user</c>).
/// </summary>
internal sealed record WireHosted(
    [property: JsonPropertyName("class")] string? Class,
    [property: JsonPropertyName("calls")] IReadOnlyList<string>? Calls = null,
    [property: JsonPropertyName("custom_html")] string? CustomHtml = null,
    [property: JsonPropertyName("login_service")] string? LoginService = null,
    [property: JsonPropertyName("auth_refresh_age")] double? AuthRefreshAge = null,
    [property: JsonPropertyName("refresh_pre_spawn")] bool? RefreshPreSpawn = null);

/// <summary>What to run, as <c>JobSpec</c> on the wire.</summary>
internal sealed record WireJobSpec(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("command")] IReadOnlyList<string> Command,
    [property: JsonPropertyName("environment")] IReadOnlyDictionary<string, string> Environment,
    [property: JsonPropertyName("image")] string? Image,
    [property: JsonPropertyName("working_directory")] string? WorkingDirectory,
    [property: JsonPropertyName("resources")] WireResources Resources,
    [property: JsonPropertyName("labels")] IReadOnlyDictionary<string, string> Labels,
    [property: JsonPropertyName("port_variable")] string? PortVariable,
    [property: JsonPropertyName("host_variable")] string? HostVariable,
    [property: JsonPropertyName("key")] string? Key = null);

/// <summary>Resources; null is the plug-in's default.</summary>
internal sealed record WireResources(
    [property: JsonPropertyName("cpus")] double? Cpus,
    [property: JsonPropertyName("memory_bytes")] long? MemoryBytes,
    [property: JsonPropertyName("gpus")] int? Gpus,
    [property: JsonPropertyName("time_limit_seconds")] double? TimeLimitSeconds);

/// <summary>POST /v1/jobs/launch: a launch with a key, so a retried launch returns the first job instead of a second one.</summary>
internal sealed record LaunchRequest(
    [property: JsonPropertyName("idempotency_key")] string IdempotencyKey,
    [property: JsonPropertyName("spec")] WireJobSpec Spec);

/// <summary>A job as the plug-in knows it: its id for people and its opaque state, stored by the hub and sent back verbatim.</summary>
internal sealed record WireJob(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("state")] string State);

/// <summary>POST /v1/jobs/status: many jobs, one call.</summary>
internal sealed record StatusRequest([property: JsonPropertyName("jobs")] IReadOnlyList<WireJob> Jobs);

/// <summary>One status per job asked about, in the same order.</summary>
internal sealed record StatusResponse([property: JsonPropertyName("statuses")] IReadOnlyList<WireStatus> Statuses);

/// <summary>A job's status; <c>phase</c> is <c>pending</c>, <c>running</c> or <c>exited</c>.</summary>
internal sealed record WireStatus(
    [property: JsonPropertyName("phase")] string Phase,
    [property: JsonPropertyName("host")] string? Host = null,
    [property: JsonPropertyName("port")] int? Port = null,
    [property: JsonPropertyName("exit_code")] int? ExitCode = null,
    [property: JsonPropertyName("reason")] string? Reason = null);

/// <summary>POST /v1/jobs/find (1.2, optional): the job launched with <c>spec.key</c>, for a hub that crashed before storing it.</summary>
internal sealed record FindRequest([property: JsonPropertyName("key")] string Key);

/// <summary>The job launched with the key, or null when the plug-in knows none.</summary>
internal sealed record FindResponse([property: JsonPropertyName("job")] WireJob? Job);

/// <summary>POST /v1/jobs/stop.</summary>
internal sealed record StopRequest(
    [property: JsonPropertyName("job")] WireJob Job,
    [property: JsonPropertyName("grace_seconds")] double GraceSeconds);

/// <summary>POST /v1/jobs/log.</summary>
internal sealed record LogRequest(
    [property: JsonPropertyName("job")] WireJob Job,
    [property: JsonPropertyName("max_bytes")] int MaxBytes);

/// <summary>The log tail.</summary>
internal sealed record LogResponse([property: JsonPropertyName("log")] string Log);

/// <summary>An empty answer (stop).</summary>
internal sealed record EmptyResponse;

/// <summary>Any failure the plug-in reports: a status code of 4xx/5xx and this body.</summary>
internal sealed record ErrorResponse([property: JsonPropertyName("error")] string? Error);

[JsonSerializable(typeof(HandshakeResponse))]
[JsonSerializable(typeof(LaunchRequest))]
[JsonSerializable(typeof(WireJob))]
[JsonSerializable(typeof(StatusRequest))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(FindRequest))]
[JsonSerializable(typeof(FindResponse))]
[JsonSerializable(typeof(StopRequest))]
[JsonSerializable(typeof(LogRequest))]
[JsonSerializable(typeof(LogResponse))]
[JsonSerializable(typeof(EmptyResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
internal sealed partial class PluginJson : JsonSerializerContext;
