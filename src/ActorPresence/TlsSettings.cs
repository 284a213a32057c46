using System.Text;
using Akka.Configuration;

namespace ActorPresence;

/// <summary>
/// The <c>actorpresence.tls</c> section, read once and validated: mutual TLS between nodes
/// (<see cref="Hosting.MutualTls"/> loads the files it names). With TLS on, both files are required.
/// </summary>
/// <param name="CertificatePath">This node's certificate and private key (PKCS#12); null when not set.</param>
/// <param name="CertificatePassword">Password of the PKCS#12 file; empty for none.</param>
/// <param name="CaPath">The cluster's CA certificate(s), PEM; null when not set.</param>
public sealed record TlsSettings(bool Enabled, string? CertificatePath, string CertificatePassword, string? CaPath)
{
    internal const string RequiredWhenEnabled = "is required when actorpresence.tls.enabled = on";

    public static TlsSettings FromConfig(Config config)
    {
        var section = new SettingsReader(config, "actorpresence.tls");
        var enabled = section.Flag("enabled");
        var certificate = section.Optional("certificate-path");
        var ca = section.Optional("ca-path");
        if (enabled && certificate is null)
        {
            throw section.Invalid("certificate-path", RequiredWhenEnabled);
        }
        if (enabled && ca is null)
        {
            throw section.Invalid("ca-path", RequiredWhenEnabled);
        }
        return new TlsSettings(enabled, certificate, section.String("certificate-password"), ca);
    }

    // Keeps the password out of logs and messages that print the record.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Enabled = {Enabled}, CertificatePath = {CertificatePath}, CertificatePassword = ***, CaPath = {CaPath}");
        return true;
    }
}
