using System.Text.Json.Serialization;

namespace Greyhub.Data;

/// <summary>Source-generated JSON for the few JSON columns.</summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class DataJson : JsonSerializerContext;
