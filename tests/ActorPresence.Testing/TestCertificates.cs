using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorPresence.Testing;

/// <summary>
/// A throw-away certificate authority made for one test (no certificate is committed): it issues
/// certificates for server and client use with a loopback subject alternative name, and writes
/// them as the node expects them (PKCS#12 with a password, the CA as PEM).
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly RSA _caKey = RSA.Create(2048);

    public TestCertificates(string caName, string directory)
    {
        Directory = directory;
        var now = DateTimeOffset.UtcNow;
        var request = new CertificateRequest($"CN={caName}", _caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));
    }

    public string Directory { get; }

    public X509Certificate2 Ca { get; }

    /// <summary>A certificate whose subject's common name is <paramref name="commonName"/>, signed by this CA.</summary>
    public X509Certificate2 Issue(string commonName)
    {
        var now = DateTimeOffset.UtcNow;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var signed = request.Create(Ca, now.AddDays(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(12));
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>Issues a certificate for <paramref name="commonName"/> and writes it as <c>name.pfx</c>; returns the path.</summary>
    public string WritePkcs12(string commonName, string password, string? fileName = null)
    {
        using var certificate = Issue(commonName);
        var path = Path.Combine(Directory, (fileName ?? commonName) + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    /// <summary>Writes this CA's certificate as PEM; returns the path.</summary>
    public string WriteCaPem(string fileName = "ca")
    {
        var path = Path.Combine(Directory, fileName + ".pem");
        File.WriteAllText(path, Ca.ExportCertificatePem());
        return path;
    }

    public void Dispose()
    {
        Ca.Dispose();
        _caKey.Dispose();
    }
}
