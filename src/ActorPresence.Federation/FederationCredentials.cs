using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorPresence.Domain;

namespace ActorPresence.Federation;

/// <summary>
/// This site's gateway certificate and the federation CA. A peer is who its certificate says: it must
/// chain to the federation CA (not to the system's trust store, nor to the cluster's CA), and its
/// subject's common name is its site id, which must be a configured peer.
/// </summary>
public sealed class FederationCredentials
{
    private readonly X509Certificate2Collection _authorities;
    private readonly HashSet<SiteId> _peers;

    private FederationCredentials(X509Certificate2 certificate, X509Certificate2Collection authorities, SiteId site, IEnumerable<SiteId> peers)
    {
        Certificate = certificate;
        _authorities = authorities;
        Site = site;
        _peers = [.. peers];
    }

    public X509Certificate2 Certificate { get; }

    public SiteId Site { get; }

    /// <summary>Loads the files <paramref name="settings"/> names and checks that the certificate is this site's.</summary>
    public static FederationCredentials Load(FederationSettings settings, SiteId site)
    {
        var certificatePath = settings.CertificatePath ?? throw new InvalidSettingException($"{FederationSettings.Section}.certificate-path", FederationSettings.RequiredWhenOn);
        var caPath = settings.CaPath ?? throw new InvalidSettingException($"{FederationSettings.Section}.ca-path", FederationSettings.RequiredWhenOn);
        X509Certificate2 certificate;
        X509Certificate2Collection authorities = [];
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(certificatePath, settings.CertificatePassword);
            authorities.ImportFromPemFile(caPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new InvalidSettingException($"{FederationSettings.Section}.certificate-path",
                $"cannot load the certificate '{certificatePath}' or the CA '{caPath}': {e.Message}");
        }
        if (!certificate.HasPrivateKey)
        {
            throw new InvalidSettingException($"{FederationSettings.Section}.certificate-path", $"names '{certificatePath}', which has no private key");
        }
        if (authorities.Count == 0)
        {
            throw new InvalidSettingException($"{FederationSettings.Section}.ca-path", $"names '{caPath}', which holds no certificate");
        }
        var named = SiteOf(certificate);
        if (!site.Equals(named))
        {
            throw new InvalidSettingException($"{FederationSettings.Section}.certificate-path",
                $"names a certificate for site '{named?.Value ?? certificate.Subject}', but this node's site is '{site}'");
        }
        return new FederationCredentials(certificate, authorities, site, settings.Peers.Select(p => p.Site));
    }

    /// <summary>The site a certificate is for: its subject's common name, if that is a valid site id.</summary>
    public static SiteId? SiteOf(X509Certificate2 certificate)
    {
        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        try
        {
            return string.IsNullOrEmpty(name) ? null : new SiteId(name);
        }
        catch (ValidationException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="certificate"/> is a configured peer's (and which); <paramref name="reason"/> says why not.</summary>
    public bool TryAcceptPeer(X509Certificate2? certificate, SiteId? expected, out SiteId? site, out string reason)
    {
        site = null;
        if (certificate is null)
        {
            reason = "no certificate presented";
            return false;
        }
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (!chain.Build(certificate))
            {
                reason = $"certificate '{certificate.Subject}' does not chain to the federation CA ({string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()))})";
                return false;
            }
        }
        site = SiteOf(certificate);
        if (site is null)
        {
            reason = $"certificate '{certificate.Subject}' names no valid site id";
            return false;
        }
        if (site.Equals(Site))
        {
            reason = $"certificate is for this site ('{site}'), not a peer's";
            return false;
        }
        if (!_peers.Contains(site))
        {
            reason = $"site '{site}' is not a configured peer";
            return false;
        }
        if (expected is not null && !site.Equals(expected))
        {
            reason = $"expected site '{expected}', the certificate is for '{site}'";
            return false;
        }
        reason = "";
        return true;
    }

    /// <summary>A client-side check of the server's certificate: it must be the peer we dialled.</summary>
    public RemoteCertificateValidationCallback ServerValidator(SiteId expected, Action<string> refused) =>
        (_, certificate, _, _) =>
        {
            if (TryAcceptPeer(certificate as X509Certificate2, expected, out _, out var reason))
            {
                return true;
            }
            refused(reason);
            return false;
        };
}
