using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Greyhub.Proxy.Sni.Tests;

/// <summary>A cluster's TLS material as Dask wants it: its own CA and one certificate (server and client) for its SNI name.</summary>
internal sealed class ClusterCertificates : IDisposable
{
    private ClusterCertificates(X509Certificate2 ca, X509Certificate2 leaf) => (Ca, Leaf) = (ca, leaf);

    /// <summary>The cluster's own certificate authority.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The certificate with the private key, SAN = the server name.</summary>
    public X509Certificate2 Leaf { get; }

    /// <summary>A fresh CA and a certificate for <paramref name="serverName"/>, signed by it.</summary>
    public static ClusterCertificates Create(string serverName)
    {
        var now = TimeProvider.System.GetUtcNow();
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest($"CN={serverName} CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));

        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={serverName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(serverName);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = BigInteger.Abs(new BigInteger(RandomNumberGenerator.GetBytes(16))).ToByteArray(isUnsigned: true, isBigEndian: true);
        using var signed = request.Create(ca, now.AddDays(-1), now.AddDays(1), serial);
        return new ClusterCertificates(ca, signed.CopyWithPrivateKey(key));
    }

    /// <summary>Writes ca.pem, cert.pem and key.pem into <paramref name="directory"/>; returns their paths.</summary>
    public (string Ca, string Cert, string Key) WritePem(string directory)
    {
        Directory.CreateDirectory(directory);
        var paths = (Path.Combine(directory, "ca.pem"), Path.Combine(directory, "cert.pem"), Path.Combine(directory, "key.pem"));
        File.WriteAllText(paths.Item1, Ca.ExportCertificatePem());
        File.WriteAllText(paths.Item2, Leaf.ExportCertificatePem());
        File.WriteAllText(paths.Item3, Leaf.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return paths;
    }

    public void Dispose()
    {
        Ca.Dispose();
        Leaf.Dispose();
    }
}
