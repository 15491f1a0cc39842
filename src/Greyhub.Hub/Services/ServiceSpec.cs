using System.Text.Json;
using System.Text.Json.Serialization;
using Greyhub.Hub.Auth;

namespace Greyhub.Hub.Services;

/// <summary>
/// A service added through the API as the database keeps it (<c>services.Spec</c>): its definition without a secret.
/// Only services the hub does not run can be added at run time, so there is no command, environment, user or folder.
/// </summary>
internal sealed record ServiceSpec
{
    public string? Url { get; init; }

    public bool Admin { get; init; }

    public bool Display { get; init; } = true;

    public bool OauthNoConfirm { get; init; }

    public JsonElement? Info { get; init; }

    public string OauthClientId { get; init; } = "";

    public string? OauthRedirectUri { get; init; }

    public IReadOnlyList<string> OauthClientAllowedScopes { get; init; } = [];

    /// <summary>The stored form of <paramref name="service"/>.</summary>
    public static string Write(ServiceDefinition service) => JsonSerializer.Serialize(new ServiceSpec
    {
        Url = service.Url,
        Admin = service.Admin,
        Display = service.Display,
        OauthNoConfirm = service.OauthNoConfirm,
        Info = JsonDocument.Parse(service.Info).RootElement.Clone(),
        OauthClientId = service.OauthClientId,
        OauthRedirectUri = service.OauthRedirectUri,
        OauthClientAllowedScopes = service.OauthClientAllowedScopes,
    }, ServiceSpecJson.Default.ServiceSpec);

    /// <summary>The definition of a stored service.</summary>
    public static ServiceDefinition Read(string name, string json, HubUrls urls)
    {
        var spec = JsonSerializer.Deserialize(json, ServiceSpecJson.Default.ServiceSpec) ?? new ServiceSpec();
        return new ServiceDefinition
        {
            Name = name,
            Url = spec.Url,
            Admin = spec.Admin,
            Display = spec.Display,
            OauthNoConfirm = spec.OauthNoConfirm,
            Info = spec.Info is { ValueKind: JsonValueKind.Object } info ? info.GetRawText() : "{}",
            OauthClientId = spec.OauthClientId.Length > 0 ? spec.OauthClientId : ServiceRules.DefaultClientId(name),
            OauthRedirectUri = spec.OauthRedirectUri,
            OauthClientAllowedScopes = spec.OauthClientAllowedScopes,
            Prefix = urls.ServicePrefix(name),
            FromConfig = false,
        };
    }
}

/// <summary>Source-generated JSON of <see cref="ServiceSpec"/>, in JupyterHub's field names.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ServiceSpec))]
internal sealed partial class ServiceSpecJson : JsonSerializerContext;
