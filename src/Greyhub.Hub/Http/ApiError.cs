using System.Text.Json.Serialization;

namespace Greyhub.Hub.Http;

/// <summary>JupyterHub's error body.</summary>
internal sealed record ApiError([property: JsonPropertyName("status")] int Status, [property: JsonPropertyName("message")] string Message);

/// <summary>Source-generated JSON for <see cref="ApiError"/>.</summary>
[JsonSerializable(typeof(ApiError))]
internal sealed partial class ApiErrorJson : JsonSerializerContext;
