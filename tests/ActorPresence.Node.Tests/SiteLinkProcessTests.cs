using System.Text.Json;
using ActorPresence.Testing;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests;

/// <summary>
/// Two sites of node processes, each its own cluster (site a of three nodes, so that losing its
/// gateway's node leaves a majority; site b of two), linked over mutual TLS. Every federation port is
/// reached through a <see cref="WanProxy"/> standing in for the internet: cutting it stops all bytes
/// both ways without closing a connection, as a WAN failure does; inside each site, nodes talk directly.
/// </summary>
public sealed class SiteLinkProcessTests(ITestOutputHelper output) : ProcessTestKit(output)
{
    private static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Sites_link_resync_after_a_cut_expire_a_silent_peers_views_and_survive_the_loss_of_the_gateways_node()
    {
        var work = Directory.CreateTempSubdirectory("ap-sites-proc-").FullName;
        using var ca = new TestCertificates("Federation CA", work);
        var caPem = ca.WriteCaPem();
        var sites = new Dictionary<string, int> { ["a"] = 3, ["b"] = 2 };
        var federationPorts = sites.ToDictionary(s => s.Key, s => Enumerable.Range(0, s.Value).Select(_ => NodeProcess.FreePort()).ToArray());
        var proxies = federationPorts.ToDictionary(s => s.Key, s => s.Value.Select(p => new WanProxy(p)).ToArray());
        var nodes = new Dictionary<string, List<NodeProcess>>();
        try
        {
            foreach (var (site, count) in sites)
            {
                var peer = site == "a" ? "b" : "a";
                var peers = string.Join(", ", proxies[peer].Select(p => $"\"{peer}=127.0.0.1:{p.Port}\""));
                var remoting = Enumerable.Range(0, count).Select(_ => NodeProcess.FreePort()).ToArray();
                nodes[site] = [];
                for (var i = 0; i < count; i++)
                {
                    var name = $"{site}{i + 1}";
                    var config = ClusterHocon.WriteFile(work, name, ClusterHocon.Join(ClusterHocon.NodeProcesses(StableAfter), $$"""
                        actorpresence.site = "{{site}}"
                        actorpresence.federation {
                          port = {{federationPorts[site][i]}}
                          peers = [{{peers}}]
                          certificate-path = "{{ca.WritePkcs12(site, "pw-fed", name)}}"
                          certificate-password = "pw-fed"
                          ca-path = "{{caPem}}"
                          stale-after = 2s
                          expire-after = 4s
                          heartbeat-interval = 500ms
                          reconnect-after = 250ms
                        }
                        """));
                    var launch = new NodeLaunch(name, Path.Combine(work, name), "127.0.0.1", remoting[i], "127.0.0.1", NodeProcess.FreePort(),
                        [$"akka.tcp://actorpresence@127.0.0.1:{remoting[0]}"], config);
                    nodes[site].Add(NodeProcess.Start(launch));
                }
            }
            var (a, b) = (nodes["a"], nodes["b"]);
            await AwaitUpAsync(a, ["a1", "a2", "a3"]);
            await AwaitUpAsync(b, ["b1", "b2"]);

            // Linked: a lamp with views on both sites aggregates across them (RINGING + INUSE = RINGINUSE).
            await a[1].Api.SetDeviceAsync("PJSIP/1000", "RINGING");
            await b[1].Api.SetDeviceAsync("PJSIP/1000", "INUSE");
            await a[2].Api.SetMailboxAsync("1000@default", 2, 1, 0);
            await AwaitAssertAsync(async () =>
            {
                await AssertDeviceAsync(b[0], "PJSIP/1000", "RINGINUSE", "@a", "b2");
                await AssertDeviceAsync(a[0], "PJSIP/1000", "RINGINUSE", "@b", "a2");
                Assert.Equal("a3@a", (await b[0].Api.GetAsync("/api/v1/mailboxes/1000@default"))?.GetProperty("writtenBy").GetString());
            }, Wait);

            // The internet goes silent: stale, then a's device views withdrawn on b; writes go on on both sides.
            foreach (var proxy in proxies.Values.SelectMany(p => p))
            {
                proxy.Cut();
            }
            await AwaitAssertAsync(async () => Assert.Equal("stale", await PeerStateAsync(b[0])), Wait);
            await AwaitAssertAsync(async () =>
            {
                await AssertDeviceAsync(b[1], "PJSIP/1000", "INUSE", "b2");
                Assert.Equal("down", await PeerStateAsync(b[0]));
            }, Wait);
            Assert.Equal("a3@a", (await b[0].Api.GetAsync("/api/v1/mailboxes/1000@default"))?.GetProperty("writtenBy").GetString());
            await a[0].Api.SetDeviceAsync("PJSIP/2000", "BUSY");
            await a[1].Api.WithdrawDeviceAsync("PJSIP/1000");
            await b[0].Api.SetMailboxAsync("2000@default", 5, 0, 0);

            // The link returns: snapshots both ways, the same state on both sites, no view left over.
            foreach (var proxy in proxies.Values.SelectMany(p => p))
            {
                proxy.Heal();
            }
            await AwaitAssertAsync(async () =>
            {
                await AssertDeviceAsync(b[1], "PJSIP/1000", "INUSE", "b2");
                await AssertDeviceAsync(b[1], "PJSIP/2000", "BUSY", "@a");
                await AssertDeviceAsync(a[2], "PJSIP/1000", "INUSE", "@b");
                Assert.Equal("b1@b", (await a[2].Api.GetAsync("/api/v1/mailboxes/2000@default"))?.GetProperty("writtenBy").GetString());
                Assert.Equal("connected", await PeerStateAsync(b[0]));
            }, Wait);

            // SIGKILL the node running a's gateway: a's cluster downs it, the singleton moves, the link resumes.
            var gateway = (await a[0].Api.GetAsync("/api/v1/sites"))!.Value.GetProperty("gateway").GetString();
            var killed = a.Single(n => n.Name == gateway);
            killed.Kill();
            var survivors = a.Where(n => n != killed).ToList();
            Output!.WriteLine($"killed {gateway}, the gateway's node");
            await AwaitUpAsync(survivors, survivors.Select(n => n.Name).Order().ToList(), onlyThese: true);
            await survivors[1].Api.SetDeviceAsync("PJSIP/3000", "ONHOLD");
            await AwaitAssertAsync(async () =>
            {
                await AssertDeviceAsync(b[0], "PJSIP/3000", "ONHOLD", "@a");
                var sites = (await survivors[0].Api.GetAsync("/api/v1/sites"))!.Value;
                Assert.NotEqual(gateway, sites.GetProperty("gateway").GetString());
                Assert.Equal("connected", sites.GetProperty("peers")[0].GetProperty("state").GetString());
            }, Wait);
        }
        finally
        {
            foreach (var proxy in proxies.Values.SelectMany(p => p))
            {
                await proxy.DisposeAsync();
            }
            StopAll(nodes.Values.SelectMany(n => n), work);
        }
    }

    private static async Task<string?> PeerStateAsync(NodeProcess node) =>
        (await node.Api.GetAsync("/api/v1/sites"))?.GetProperty("peers") is { ValueKind: JsonValueKind.Array } peers && peers.GetArrayLength() > 0
            ? peers[0].GetProperty("state").GetString()
            : null;

    private static async Task AssertDeviceAsync(NodeProcess node, string device, string state, params string[] views)
    {
        var doc = await node.Api.GetAsync($"/api/v1/devices/{device}");
        Assert.True(doc is not null, $"{node.Name} has no {device}");
        Assert.Equal(state, doc!.Value.GetProperty("state").GetString());
        Assert.Equal(views.Order(StringComparer.Ordinal), doc.Value.GetProperty("views").EnumerateArray().Select(v => v.GetProperty("node").GetString()!).Order(StringComparer.Ordinal));
    }
}
