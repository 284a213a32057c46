using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorPresence.Domain;
using Akka.Cluster;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorPresence.Cluster.Tests;

/// <summary>Mutual TLS between nodes, with a CA and certificates made for the test (none is committed).</summary>
public sealed class MutualTlsTests(ITestOutputHelper output) : TestKit(output: output), IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ap-tls-").FullName;

    [Fact]
    public async Task Nodes_with_certificates_from_the_cluster_CA_join_and_replicate_and_a_node_without_one_is_refused()
    {
        var (trustedCa, trustedNode) = MakeCaAndNode("ActorPresence Test CA", "node");
        var (_, rogueNode) = MakeCaAndNode("Somebody Else's CA", "rogue");
        var caPem = Write("ca.pem", trustedCa.ExportCertificatePem());
        var nodePfx = Write("node.pfx", trustedNode.Export(X509ContentType.Pkcs12, "node-pass"));
        var roguePfx = Write("rogue.pfx", rogueNode.Export(X509ContentType.Pkcs12, "rogue-pass"));

        await using var cluster = await TestCluster.StartAsync(2, Output!, hocon: Tls(nodePfx, "node-pass", caPem));
        Assert.Equal("akka.trttl.ssl.tcp", cluster[0].Address.Protocol);
        var lamp = new DeviceId("PJSIP/tls");
        await cluster[0].Api.SetDeviceStateAsync(lamp, DeviceState.Busy);
        await AwaitAssertAsync(async () => Assert.Equal(DeviceState.Busy, (await cluster[1].Api.GetDeviceAsync(lamp))?.State), TimeSpan.FromSeconds(10));

        // A node whose certificate does not chain to the cluster's CA trusts the same CA, but its
        // own certificate is refused, so its join never completes.
        await using var rogue = await TestNode.StartAsync("rogue", hocon: Tls(roguePfx, "rogue-pass", caPem));
        using var give = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAnyAsync<Exception>(() => rogue.Cluster.JoinAsync(cluster[0].Address, give.Token));
        Assert.DoesNotContain(cluster[0].Cluster.State.Members, m => m.Address.Equals(rogue.Address));
        Assert.Equal(2, cluster[0].Cluster.State.Members.Count(m => m.Status == MemberStatus.Up));
    }

    [Fact]
    public void A_missing_certificate_file_is_a_configuration_error_naming_it()
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString(Tls(Path.Combine(_dir, "absent.pfx"), "x", Path.Combine(_dir, "absent.pem")));
        var error = Assert.Throws<Akka.Configuration.ConfigurationException>(() => Hosting.MutualTls.SetupFor(config));
        Assert.Contains("absent.pfx", error.Message);
    }

    private static string Tls(string pfx, string password, string ca) => $"""
        actorpresence.tls {"{"}
          enabled = on
          certificate-path = "{pfx}"
          certificate-password = "{password}"
          ca-path = "{ca}"
        {"}"}
        """;

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A self-signed CA and a node certificate (server and client use, loopback SAN) it signs.</summary>
    private static (X509Certificate2 Ca, X509Certificate2 Node) MakeCaAndNode(string caName, string nodeName)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));

        using var nodeKey = RSA.Create(2048);
        var request = new CertificateRequest($"CN={nodeName}", nodeKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var signed = request.Create(ca, now.AddDays(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(12));
        return (ca, signed.CopyWithPrivateKey(nodeKey));
    }

    public new void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
        base.Dispose();
    }
}
