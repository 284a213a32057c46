using System.Text.Json;
using ActorPresence.Testing;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests;

/// <summary>
/// Two sites of node processes, each its own cluster (site a of three nodes, so that losing its
/// gateway's node leaves a majority; site b of two), linked over mutual TLS. Where this machine
/// allows network namespaces, each site runs in a namespace of its own (its nodes talk over that
/// namespace's loopback) and the sites reach each other only through a bridge: the internet is cut
/// by setting site a's link to the bridge down. Elsewhere every federation port is reached through a
/// <see cref="WanProxy"/> that stops all bytes both ways without closing a connection. Either way a
/// cut is silent, as a WAN failure is, and leaves each site's own cluster whole.
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
        await using ISiteNetwork internet = NetworkLab.Probe() is { } unavailable ? new RelayedSites(sites, unavailable) : new NamespacedSites(sites);
        Output!.WriteLine(internet.Description);
        var nodes = new Dictionary<string, List<NodeProcess>>();
        try
        {
            foreach (var (site, count) in sites)
            {
                var peer = site == "a" ? "b" : "a";
                var peers = string.Join(", ", Enumerable.Range(0, sites[peer]).Select(i => $"\"{peer}={internet.Dial(peer, i)}\""));
                nodes[site] = [];
                for (var i = 0; i < count; i++)
                {
                    var name = $"{site}{i + 1}";
                    var place = internet.Place(site, i);
                    var config = ClusterHocon.WriteFile(work, name, ClusterHocon.Join(ClusterHocon.NodeProcesses(StableAfter), $$"""
                        actorpresence.site = "{{site}}"
                        actorpresence.federation {
                          port = {{place.FederationPort}}
                          hostname = "{{place.FederationHost}}"
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
                    var launch = new NodeLaunch(name, Path.Combine(work, name), "127.0.0.1", place.RemotingPorts[i], place.HttpHost, place.HttpPort,
                        [$"akka.tcp://actorpresence@127.0.0.1:{place.RemotingPorts[0]}"], config, place.Namespace);
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
            internet.Cut();
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
            internet.Heal();
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

    /// <summary>Where a site's node runs and listens.</summary>
    /// <param name="RemotingPorts">Every node of the site's remoting port, on 127.0.0.1 where the node runs (the first is the seed).</param>
    private sealed record Place(string? Namespace, int[] RemotingPorts, string HttpHost, int HttpPort, string FederationHost, int FederationPort);

    /// <summary>The internet between the sites: where each node runs, how a peer dials it, and the cut.</summary>
    private interface ISiteNetwork : IAsyncDisposable
    {
        string Description { get; }

        Place Place(string site, int index);

        /// <summary>host:port at which the other site dials node <paramref name="index"/> of <paramref name="site"/>.</summary>
        string Dial(string site, int index);

        /// <summary>Stops every byte between the sites, both ways, closing nothing.</summary>
        void Cut();

        void Heal();
    }

    /// <summary>A network namespace per site (<see cref="NetworkLab"/>, one "node" per site): remoting on the
    /// namespace's own loopback, the federation on its bridge address, HTTP on its control link. The cut
    /// sets site a's link to the bridge down.</summary>
    private sealed class NamespacedSites : ISiteNetwork
    {
        private const int FirstRemotingPort = 4053;
        private const int FirstHttpPort = 5080;
        private const int FirstFederationPort = 7443;
        private readonly NetworkLab _lab = NetworkLab.Create(2);
        private readonly IReadOnlyDictionary<string, int> _sizes;

        public NamespacedSites(IReadOnlyDictionary<string, int> sizes) => _sizes = sizes;

        public string Description => $"network namespaces: site a in {_lab.Namespace(1)} ({_lab.ClusterAddress(1)}), site b in {_lab.Namespace(2)} ({_lab.ClusterAddress(2)}), joined by the bridge in {_lab.Hub}";

        private static int Of(string site) => site == "a" ? 1 : 2;

        public Place Place(string site, int index) => new(
            _lab.Namespace(Of(site)),
            Enumerable.Range(FirstRemotingPort, _sizes[site]).ToArray(),
            _lab.ControlAddress(Of(site)),
            FirstHttpPort + index,
            _lab.ClusterAddress(Of(site)),
            FirstFederationPort + index);

        public string Dial(string site, int index) => $"{_lab.ClusterAddress(Of(site))}:{FirstFederationPort + index}";

        public void Cut() => _lab.Cut(1);

        public void Heal() => _lab.Restore(1);

        public ValueTask DisposeAsync()
        {
            _lab.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Every node on this machine's loopback; each federation port behind a <see cref="WanProxy"/>.</summary>
    private sealed class RelayedSites : ISiteNetwork
    {
        private readonly Dictionary<string, Place[]> _places;
        private readonly Dictionary<string, WanProxy[]> _proxies;
        private readonly string _why;

        public RelayedSites(IReadOnlyDictionary<string, int> sizes, string why)
        {
            _why = why;
            _places = sizes.ToDictionary(s => s.Key, s =>
            {
                var remoting = Enumerable.Range(0, s.Value).Select(_ => NodeProcess.FreePort()).ToArray();
                return Enumerable.Range(0, s.Value).Select(_ => new Place(null, remoting, "127.0.0.1", NodeProcess.FreePort(), "127.0.0.1", NodeProcess.FreePort())).ToArray();
            });
            _proxies = _places.ToDictionary(s => s.Key, s => s.Value.Select(p => new WanProxy(p.FederationPort)).ToArray());
        }

        public string Description => $"loopback, the federation ports behind relays (network namespaces unavailable: {_why})";

        public Place Place(string site, int index) => _places[site][index];

        public string Dial(string site, int index) => $"127.0.0.1:{_proxies[site][index].Port}";

        public void Cut()
        {
            foreach (var proxy in _proxies.Values.SelectMany(p => p))
            {
                proxy.Cut();
            }
        }

        public void Heal()
        {
            foreach (var proxy in _proxies.Values.SelectMany(p => p))
            {
                proxy.Heal();
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var proxy in _proxies.Values.SelectMany(p => p))
            {
                await proxy.DisposeAsync();
            }
        }
    }
}
