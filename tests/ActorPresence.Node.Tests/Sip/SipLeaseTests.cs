using System.Net;
using ActorPresence.Testing;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests.Sip;

/// <summary>
/// An Asterisk view whose publication died with its node: no node holds the publication any more, so
/// none would ever expire it. Another node's edge withdraws it once it is older than the lease (twice
/// max-expires) — Asterisk itself would keep such a lamp lit forever.
/// </summary>
public sealed class SipLeaseTests(ITestOutputHelper output) : TestKit(output: output), IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("ap-sip-lease-").FullName;

    [Fact]
    public async Task An_asterisk_view_left_by_a_stopped_node_is_withdrawn_by_another_edge_after_its_lease()
    {
        // x holds publications for an hour; y's lease on Asterisk views is 2 × 2 s.
        var x = await TestNodeHost.StartAsync("lease-x", "--sip-port", TestNodeHost.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        var seed = Akka.Cluster.Cluster.Get(x.App.Services.GetRequiredService<ActorSystem>()).SelfAddress.ToString();
        var shortLease = ClusterHocon.WriteFile(_dir, "y", ClusterHocon.Join(ClusterHocon.InProcess, "actorpresence.sip { min-expires = 1, max-expires = 2, default-expires = 2 }"));
        await using var y = await TestNodeHost.StartAsync("lease-y", "--config", shortLease, "--seeds", seed, "--sip-port", TestNodeHost.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            await using (var sipp = Sipp.Client("publish-device.xml", SipCluster.Target(x), "asterisk"))
            {
                await sipp.AssertPassesAsync(Wait);
            }
            await AwaitAssertAsync(async () =>
            {
                var device = await y.GetJsonAsync("/api/v1/devices/PJSIP/7000");
                Assert.Equal("ast:02:00:00:00:00:02", Assert.Single(device.GetProperty("views").EnumerateArray()).GetProperty("node").GetString());
            }, Wait);
        }
        finally
        {
            // The node holding the publication stops: nothing will expire it now.
            await x.DisposeAsync();
        }

        await AwaitAssertAsync(async () =>
        {
            using var response = await y.Http.GetAsync("/api/v1/devices/PJSIP/7000");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }, Wait);
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
