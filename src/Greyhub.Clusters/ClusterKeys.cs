using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Greyhub.Clusters;

/// <summary>
/// Clusters' private keys at rest: encrypted with ASP.NET Core Data Protection under the hub's key ring (the data
/// folder's <c>keys/</c>, the ring that already guards users' <c>auth_state</c> and the login cookie) before they go
/// into <c>dask_clusters</c>, so the database alone never holds a usable key. The scheduler and workers read the key
/// from the cluster's owner-only folder, not from the database.
/// </summary>
internal sealed class ClusterKeys(IDataProtectionProvider protection)
{
    // Versioned purpose, its own (a key stored for clusters cannot be unprotected as an auth_state, nor the reverse).
    private readonly IDataProtector _protector = protection.CreateProtector("Greyhub.Clusters.TlsKey.v1");

    private const string PemStart = "-----BEGIN";

    /// <summary>What the database stores for <paramref name="keyPem"/>.</summary>
    public string Protect(string keyPem) => _protector.Protect(keyPem);

    /// <summary>
    /// The PEM of a stored key; null when it can no longer be decrypted (the key ring was lost or replaced: the cluster
    /// still runs, but its owner cannot be handed its credentials again).
    /// </summary>
    public string? Unprotect(string stored)
    {
        // Rows written before keys were encrypted hold the PEM itself.
        if (stored.StartsWith(PemStart, StringComparison.Ordinal))
        {
            return stored;
        }
        try
        {
            return _protector.Unprotect(stored);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
