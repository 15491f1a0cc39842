namespace Greyhub.Data.Entities;

/// <summary>
/// A service added at run time through the API (JupyterHub 5's <c>POST /services/{name}</c>); services from
/// configuration are never stored. Its token lives hashed in <c>api_tokens</c>, its OAuth client in
/// <c>oauth_clients</c>; this row holds the rest of its definition.
/// </summary>
public sealed class ServiceEntity
{
    /// <summary>Database id.</summary>
    public int Id { get; set; }

    /// <summary>The service's name; unique.</summary>
    public required string Name { get; set; }

    /// <summary>The definition as the hub's JSON (no secret in it).</summary>
    public string Spec { get; set; } = "{}";

    /// <summary>When it was added (UTC).</summary>
    public DateTime Created { get; set; }
}
