using System.Text.Json;
using System.Text.Json.Serialization;

namespace Greyhub.Plugins.Remote;

/// <summary>The owner of a server as a spawner sees it (JupyterHub's <c>user.name</c>, <c>admin</c>, <c>groups</c>).</summary>
internal sealed record WireUser(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("admin")] bool Admin,
    [property: JsonPropertyName("groups")] IReadOnlyList<string> Groups);

/// <summary>
/// POST /v1/spawner/start: everything JupyterHub gives a spawner before <c>start()</c>. Answers at once; the start runs
/// on and is followed with <see cref="SpawnerProgressRequest"/>. A start with a <c>spawn_id</c> seen before starts nothing.
/// </summary>
internal sealed record SpawnerStartRequest(
    [property: JsonPropertyName("spawn_id")] string SpawnId,
    [property: JsonPropertyName("user")] WireUser User,
    [property: JsonPropertyName("server_name")] string ServerName,
    [property: JsonPropertyName("service_prefix")] string ServicePrefix,
    [property: JsonPropertyName("base_url")] string BaseUrl,
    [property: JsonPropertyName("hub_api_url")] string HubApiUrl,
    [property: JsonPropertyName("api_token")] string ApiToken,
    [property: JsonPropertyName("oauth_client_id")] string OAuthClientId,
    [property: JsonPropertyName("oauth_redirect_uri")] string OAuthRedirectUri,
    [property: JsonPropertyName("environment")] IReadOnlyDictionary<string, string> Environment,
    [property: JsonPropertyName("arguments")] IReadOnlyList<string> Arguments,
    [property: JsonPropertyName("user_options")] JsonElement UserOptions,
    [property: JsonPropertyName("state")] string? State);

/// <summary>The start accepted.</summary>
internal sealed record SpawnerStartResponse([property: JsonPropertyName("spawn_id")] string SpawnId);

/// <summary>
/// POST /v1/spawner/progress: the events after <c>after</c>, waiting up to <c>wait_seconds</c> for one; with <c>stream</c>
/// (1.3, when <c>hosts.spawner.calls</c> lists <c>progress_stream</c>) the answer is JSON lines, one per batch of events
/// (an empty one after <c>wait_seconds</c> of silence), until the one that is done.
/// </summary>
internal sealed record SpawnerProgressRequest(
    [property: JsonPropertyName("spawn_id")] string SpawnId,
    [property: JsonPropertyName("after")] int After,
    [property: JsonPropertyName("wait_seconds")] double WaitSeconds,
    [property: JsonPropertyName("stream")] bool Stream = false);

/// <summary>One event of <c>Spawner.progress()</c>.</summary>
internal sealed record WireProgressEvent(
    [property: JsonPropertyName("progress")] int? Progress,
    [property: JsonPropertyName("message")] string? Message);

/// <summary>Progress so far; once <c>done</c>, the server's <c>url</c> and <c>state</c>, or the <c>error</c> and the server's last output (<c>log</c>).</summary>
internal sealed record SpawnerProgressResponse(
    [property: JsonPropertyName("events")] IReadOnlyList<WireProgressEvent>? Events,
    [property: JsonPropertyName("next")] int Next,
    [property: JsonPropertyName("done")] bool Done,
    [property: JsonPropertyName("url")] string? Url = null,
    [property: JsonPropertyName("state")] string? State = null,
    [property: JsonPropertyName("error")] string? Error = null,
    [property: JsonPropertyName("log")] string? Log = null);

/// <summary>POST /v1/spawner/poll: many servers' states, one call.</summary>
internal sealed record SpawnerPollRequest([property: JsonPropertyName("servers")] IReadOnlyList<string> Servers);

/// <summary>One status per server, in order.</summary>
internal sealed record SpawnerPollResponse([property: JsonPropertyName("statuses")] IReadOnlyList<WireSpawnerStatus>? Statuses);

/// <summary>JupyterHub's <c>poll()</c>: running (None), or ended with an exit code.</summary>
internal sealed record WireSpawnerStatus(
    [property: JsonPropertyName("running")] bool Running,
    [property: JsonPropertyName("url")] string? Url = null,
    [property: JsonPropertyName("exit_code")] int? ExitCode = null,
    [property: JsonPropertyName("reason")] string? Reason = null);

/// <summary>
/// POST /v1/spawner/wait (1.3, when <c>hosts.spawner.calls</c> lists <c>wait</c>): answers once the server no longer runs,
/// or after <c>wait_seconds</c> with it running.
/// </summary>
internal sealed record SpawnerWaitRequest(
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("wait_seconds")] double WaitSeconds);

/// <summary>The server's status: not running, or still running when the wait ran out.</summary>
internal sealed record SpawnerWaitResponse([property: JsonPropertyName("status")] WireSpawnerStatus? Status);

/// <summary>POST /v1/spawner/stop.</summary>
internal sealed record SpawnerStopRequest(
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("now")] bool Now);

/// <summary>POST /v1/spawner/log.</summary>
internal sealed record SpawnerLogRequest(
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("max_bytes")] int MaxBytes);

/// <summary>POST /v1/spawner/options_form.</summary>
internal sealed record SpawnerOptionsFormRequest(
    [property: JsonPropertyName("user")] WireUser User,
    [property: JsonPropertyName("server_name")] string ServerName);

/// <summary>The form's HTML, or null for none.</summary>
internal sealed record SpawnerOptionsFormResponse([property: JsonPropertyName("html")] string? Html);

/// <summary>POST /v1/spawner/options_from_form: the posted fields, each a list of values.</summary>
internal sealed record SpawnerOptionsFromFormRequest(
    [property: JsonPropertyName("user")] WireUser User,
    [property: JsonPropertyName("server_name")] string ServerName,
    [property: JsonPropertyName("form_data")] IReadOnlyDictionary<string, IReadOnlyList<string>> FormData);

/// <summary>The <c>user_options</c> the form makes.</summary>
internal sealed record SpawnerOptionsFromFormResponse([property: JsonPropertyName("user_options")] JsonElement UserOptions);

/// <summary>What the handshake says about a hosted spawner (<c>hosts.spawner</c>): its class, whether it has a form, the calls it serves (1.3: <c>wait</c> is optional).</summary>
internal sealed record HostedSpawner(
    [property: JsonPropertyName("class")] string? Class,
    [property: JsonPropertyName("options_form")] bool OptionsForm = false,
    [property: JsonPropertyName("calls")] IReadOnlyList<string>? Calls = null);

/// <summary>The handshake's <c>hosts</c>: what a bridge serves.</summary>
internal sealed record HostedParts(
    [property: JsonPropertyName("spawner")] HostedSpawner? Spawner = null,
    [property: JsonPropertyName("authenticator")] WireHosted? Authenticator = null);


[JsonSerializable(typeof(SpawnerStartRequest))]
[JsonSerializable(typeof(SpawnerStartResponse))]
[JsonSerializable(typeof(SpawnerProgressRequest))]
[JsonSerializable(typeof(SpawnerProgressResponse))]
[JsonSerializable(typeof(SpawnerPollRequest))]
[JsonSerializable(typeof(SpawnerPollResponse))]
[JsonSerializable(typeof(SpawnerWaitRequest))]
[JsonSerializable(typeof(SpawnerWaitResponse))]
[JsonSerializable(typeof(SpawnerStopRequest))]
[JsonSerializable(typeof(SpawnerLogRequest))]
[JsonSerializable(typeof(SpawnerOptionsFormRequest))]
[JsonSerializable(typeof(SpawnerOptionsFormResponse))]
[JsonSerializable(typeof(SpawnerOptionsFromFormRequest))]
[JsonSerializable(typeof(SpawnerOptionsFromFormResponse))]
[JsonSerializable(typeof(LogResponse))]
[JsonSerializable(typeof(EmptyResponse))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
internal sealed partial class SpawnerJson : JsonSerializerContext;
