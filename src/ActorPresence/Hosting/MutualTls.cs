using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace ActorPresence.Hosting;

/// <summary>
/// Mutual TLS between nodes (<c>actorpresence.tls</c>): each node presents its own certificate
/// (a PKCS#12 file) and accepts a peer only if the peer's certificate chains to the cluster's CA
/// (a PEM file), on inbound and outbound connections alike. The system trust store plays no part,
/// so a private CA made for one cluster admits exactly that cluster's nodes.
/// </summary>
public static class MutualTls
{
    /// <summary>The DotNetty SSL setup for <paramref name="config"/>, or null when TLS is off.</summary>
    public static DotNettySslSetup? SetupFor(Config config) => SetupFor(TlsSettings.FromConfig(config));

    /// <summary>The DotNetty SSL setup for <paramref name="tls"/>, or null when TLS is off.</summary>
    public static DotNettySslSetup? SetupFor(TlsSettings tls)
    {
        if (!tls.Enabled)
        {
            return null;
        }
        var certificatePath = tls.CertificatePath ?? throw new InvalidSettingException("actorpresence.tls.certificate-path", TlsSettings.RequiredWhenEnabled);
        var caPath = tls.CaPath ?? throw new InvalidSettingException("actorpresence.tls.ca-path", TlsSettings.RequiredWhenEnabled);
        X509Certificate2 certificate;
        X509Certificate2Collection authorities;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(certificatePath, tls.CertificatePassword);
            authorities = [];
            authorities.ImportFromPemFile(caPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ConfigurationException($"actorpresence.tls: cannot load the certificate '{certificatePath}' or the CA '{caPath}': {e.Message}");
        }
        if (!certificate.HasPrivateKey)
        {
            throw new InvalidSettingException("actorpresence.tls.certificate-path", $"names '{certificatePath}', which has no private key");
        }
        if (authorities.Count == 0)
        {
            throw new InvalidSettingException("actorpresence.tls.ca-path", $"names '{caPath}', which holds no certificate");
        }
        return new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true, TrustOnly(authorities));
    }

    /// <summary>Accepts a peer certificate only if it chains to one of <paramref name="authorities"/>.</summary>
    public static CertificateValidationCallback TrustOnly(X509Certificate2Collection authorities) =>
        (certificate, _, remotePeer, _, log) =>
        {
            if (certificate is null)
            {
                log?.Warning("TLS: {0} presented no certificate; refused", remotePeer);
                return false;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
            var trusted = chain.Build(certificate);
            if (!trusted)
            {
                log?.Warning("TLS: certificate '{0}' of {1} does not chain to the cluster CA ({2}); refused",
                    certificate.Subject, remotePeer, string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim())));
            }
            return trusted;
        };
}
