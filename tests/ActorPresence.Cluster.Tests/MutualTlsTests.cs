using ActorPresence.Domain;
using ActorPresence.Testing;
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
        using var trusted = new TestCertificates("ActorPresence Test CA", _dir);
        using var other = new TestCertificates("Somebody Else's CA", _dir);
        var caPem = trusted.WriteCaPem();
        var nodePfx = trusted.WritePkcs12("node", "node-pass");
        var roguePfx = other.WritePkcs12("rogue", "rogue-pass");

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
