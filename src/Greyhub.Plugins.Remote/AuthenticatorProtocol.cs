using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Greyhub.Plugins.Remote;

/// <summary>POST /v1/authenticator/authenticate: the login form's fields, as JupyterHub's <c>Authenticator.authenticate(handler, data)</c> receives them.</summary>
internal sealed record AuthenticateRequest([property: JsonPropertyName("data")] IReadOnlyDictionary<string, string> Data);

/// <summary>The answer: the user, or null for wrong credentials (and for a user the plug-in's own rules block or do not allow).</summary>
internal sealed record AuthenticateResponse([property: JsonPropertyName("user")] WireAuthUser? User);

/// <summary>An authenticated user.</summary>
internal sealed record WireAuthUser(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("admin")] bool? Admin = null,
    [property: JsonPropertyName("groups")] IReadOnlyList<string>? Groups = null,
    [property: JsonPropertyName("auth_state")] JsonObject? AuthState = null);

/// <summary>A user as the hub knows it, sent to the hooks.</summary>
internal sealed record WireUserModel(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("admin")] bool Admin,
    [property: JsonPropertyName("groups")] IReadOnlyList<string> Groups);

/// <summary>POST /v1/authenticator/pre_spawn_start: a server of this user is about to start (and, 1.2, post_spawn_stop: it stopped).</summary>
internal sealed record PreSpawnStartRequest(
    [property: JsonPropertyName("user")] WireUserModel User,
    [property: JsonPropertyName("auth_state")] JsonObject? AuthState,
    [property: JsonPropertyName("server_name")] string ServerName);

/// <summary>The environment variables to add to the server.</summary>
internal sealed record PreSpawnStartResponse([property: JsonPropertyName("environment")] IReadOnlyDictionary<string, string>? Environment);

/// <summary>
/// POST /v1/authenticator/refresh_user's answer (1.2): <c>valid</c> false when the user must sign in again; otherwise
/// <c>user</c> is what changed (null: nothing).
/// </summary>
internal sealed record RefreshUserResponse(
    [property: JsonPropertyName("valid")] bool Valid,
    [property: JsonPropertyName("user")] WireAuthUser? User = null);

/// <summary>An answer without content (post_spawn_stop).</summary>
internal sealed record EmptyAnswer;

[JsonSerializable(typeof(EmptyAnswer))]
[JsonSerializable(typeof(AuthenticateRequest))]
[JsonSerializable(typeof(AuthenticateResponse))]
[JsonSerializable(typeof(PreSpawnStartRequest))]
[JsonSerializable(typeof(PreSpawnStartResponse))]
[JsonSerializable(typeof(RefreshUserResponse))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
internal sealed partial class AuthJson : JsonSerializerContext;
