using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Greyhub.Clusters;

/// <summary>
/// A cluster's own TLS identity, as Dask Gateway makes it: a fresh key and a self-signed certificate that is at once the
/// CA, the scheduler's and workers' certificate and the client's. Holding the pair is what lets one talk to that
/// scheduler; no other cluster's pair, and no certificate without its key, will do. The key is ECDSA P-256 where Gateway
/// uses RSA-2048: Python's ssl (so distributed's TLS and the Gateway client) takes either, and P-256 is made in well
/// under a millisecond, where RSA-2048's prime search took 0.5-3.8 s of the create request on a loaded 2-core machine.
/// </summary>
internal static class ClusterCredentials
{
    public static (string CertPem, string KeyPem) Create(string clusterName, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=dask-internal", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(clusterName);
        names.AddDnsName("daskgateway-" + clusterName);
        names.AddDnsName("dask-internal");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(365));
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>A random token (hex) and its SHA-256 (hex), which is all the database keeps.</summary>
    public static (string Token, string Hash) NewToken()
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token));
    }

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));

    /// <summary>Compares a presented token with a stored hash in constant time.</summary>
    public static bool Matches(string token, string hash) =>
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(Hash(token)), System.Text.Encoding.ASCII.GetBytes(hash));
}
