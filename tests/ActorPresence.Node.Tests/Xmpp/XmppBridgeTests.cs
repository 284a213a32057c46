using System.Globalization;
using System.Text.Json;
using ActorPresence.Testing;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests.Xmpp;

/// <summary>The XMPP tests share one <see cref="XmppCluster"/>, so they run one after another, and after the
/// other collections rather than beside them: three more node processes, ejabberd and the stand-ins add
/// enough load to the two cores to starve the timing-sensitive tests running in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class XmppClusterCollection : ICollectionFixture<XmppCluster>
{
    public const string Name = "XMPP cluster";
}

/// <summary>
/// A private ejabberd and three node processes with the XMPP bridge on (it runs on one of them), reaching
/// the server through a <see cref="DropProxy"/>. The bridge's limits are small so the tests see them:
/// stanzas of 16 KiB at most, expire-after 3 s, a republish every 6 s, a quick reconnect.
/// </summary>
public sealed class XmppCluster : IAsyncLifetime
{
    public const string BridgeEid = "02:00:00:00:00:aa";

    private readonly string _work = Directory.CreateTempSubdirectory("ap-xmpp-").FullName;

    public Ejabberd Server { get; private set; } = null!;

    public DropProxy Proxy { get; private set; } = null!;

    public List<NodeProcess> Nodes { get; } = [];

    /// <summary>The nodes not killed by a test.</summary>
    public List<NodeProcess> Alive => Nodes.Where(n => !n.HasExited).ToList();

    public async Task InitializeAsync()
    {
        Server = await Ejabberd.StartAsync();
        await Server.RegisterAsync("bridge", "bridge-pw");
        for (var i = 1; i <= 6; i++)
        {
            await Server.RegisterAsync($"asterisk{i}", $"ast-pw-{i}");
        }
        Proxy = new DropProxy(Server.Port);
        var password = Path.Combine(_work, "bridge.password");
        await File.WriteAllTextAsync(password, "bridge-pw\n");
        var remoting = Enumerable.Range(0, 3).Select(_ => NodeProcess.FreePort()).ToArray();
        for (var i = 0; i < 3; i++)
        {
            var name = $"x{i + 1}";
            var config = ClusterHocon.WriteFile(_work, name, ClusterHocon.Join(ClusterHocon.NodeProcesses(TimeSpan.FromSeconds(3)), $$"""
                actorpresence.xmpp {
                  enabled = on
                  server = "127.0.0.1"
                  port = {{Proxy.Port}}
                  jid = "bridge@{{Ejabberd.Domain}}"
                  password-file = "{{password}}"
                  ca = "{{Server.CaPem}}"
                  eid = "{{BridgeEid}}"
                  expire-after = 3s
                  max-stanza-bytes = 16384
                  ping-interval = 2s
                  request-timeout = 5s
                  reconnect-min = 200ms
                  reconnect-max = 1s
                  republish-interval = 6s
                }
                """));
            Nodes.Add(NodeProcess.Start(new NodeLaunch(name, Path.Combine(_work, name), "127.0.0.1", remoting[i], "127.0.0.1", NodeProcess.FreePort(),
                [$"akka.tcp://actorpresence@127.0.0.1:{remoting[0]}"], config)));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            node.Dispose();
        }
        await Proxy.DisposeAsync();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[Collection(XmppClusterCollection.Name)]
public sealed class XmppBridgeTests(XmppCluster cluster, ITestOutputHelper output) : ProcessTestKit(output)
{
    private const string DeviceNode = "device_state";
    private const string MailboxNode = "message_waiting";

    [Fact]
    public async Task An_Asterisk_servers_states_and_counts_reach_every_node_and_the_sites_own_changes_reach_it_in_res_xmpp_form_without_echo()
    {
        await AwaitReadyAsync();
        await using var asterisk = await StandInAsync(1, "02:00:00:00:00:01");
        var alive = cluster.Alive;
        var (a, b, c) = (alive[0], alive[Math.Min(1, alive.Count - 1)], alive[^1]);

        // In: the server's view of PJSIP/1000 on every node, aggregated by the same rule; MWI with urgent 0.
        await asterisk.DeviceStateAsync("PJSIP/1000", "INUSE");
        await asterisk.MwiAsync("1000@default", 2, 5);
        await AwaitAssertAsync(async () =>
        {
            foreach (var node in cluster.Alive)
            {
                await AssertDeviceAsync(node, "PJSIP/1000", "INUSE", ("ast:02:00:00:00:00:01", "INUSE"));
                var mailbox = (await node.Api.GetAsync("/api/v1/mailboxes/1000@default"))!.Value;
                Assert.Equal((2, 5, 0), (mailbox.GetProperty("new").GetInt32(), mailbox.GetProperty("old").GetInt32(), mailbox.GetProperty("urgent").GetInt32()));
            }
        }, Wait);

        // Out: a node's change reaches the server as res_xmpp writes it, with the bridge's EID.
        await b.Api.SetDeviceAsync("PJSIP/2000", "RINGING");
        var ringing = await AwaitItemAsync(asterisk, DeviceNode, "PJSIP/2000", i => Text(i) == "RINGING");
        Assert.Equal("state", ringing.GetProperty("element").GetString());
        Assert.Equal("http://asterisk.org", ringing.GetProperty("ns").GetString());
        Assert.Equal(1, ringing.GetProperty("payloads").GetInt32());
        Assert.Equal(XmppCluster.BridgeEid, ringing.GetProperty("attrs").GetProperty("eid").GetString());
        Assert.Equal("1", ringing.GetProperty("attrs").GetProperty("cachable").GetString());
        Assert.Equal("bridge@localhost", Bare(ringing.GetProperty("publisher").GetString()));

        // XMPP has no delete: a lamp whose last view goes is published as INVALID (neutral in Asterisk).
        await b.Api.WithdrawDeviceAsync("PJSIP/2000");
        await AwaitItemAsync(asterisk, DeviceNode, "PJSIP/2000", i => Text(i) == "INVALID");

        // A device both sides see: the server is told only this site's own views (NOT_INUSE), never
        // its own INUSE back.
        await c.Api.SetDeviceAsync("PJSIP/1000", "NOT_INUSE");
        await AwaitItemAsync(asterisk, DeviceNode, "PJSIP/1000", i => Text(i) == "NOT_INUSE");

        // MWI out: counts a node wrote (the urgent count has no place on this wire).
        await a.Api.SetMailboxAsync("2000@default", 3, 1, 1);
        var mwi = await AwaitItemAsync(asterisk, MailboxNode, "2000@default", _ => true);
        Assert.Equal("mailbox", mwi.GetProperty("element").GetString());
        Assert.Equal([["NEWMSGS", "3"], ["OLDMSGS", "1"]], mwi.GetProperty("children").EnumerateArray().Select(p => p.EnumerateArray().Select(x => x.GetString()!).ToArray()).ToArray());
        Assert.Equal(XmppCluster.BridgeEid, mwi.GetProperty("attrs").GetProperty("eid").GetString());

        // No echo: once a later change has arrived, nothing the server itself published came back from the bridge.
        await a.Api.SetDeviceAsync("PJSIP/1999", "BUSY");
        await AwaitItemAsync(asterisk, DeviceNode, "PJSIP/1999", i => Text(i) == "BUSY");
        var fromBridge = asterisk.Items.Where(i => Bare(i.GetProperty("publisher").GetString()) == "bridge@localhost").ToList();
        Assert.DoesNotContain(fromBridge, i => i.GetProperty("id").GetString() == "1000@default");
        Assert.DoesNotContain(fromBridge, i => i.GetProperty("id").GetString() == "PJSIP/1000" && Text(i) == "INUSE");

        await AwaitAssertAsync(async () =>
        {
            var xmpp = (await a.Api.GetAsync("/api/v1/xmpp"))!.Value;
            Assert.Equal("connected", xmpp.GetProperty("state").GetString());
            Assert.Equal(XmppCluster.BridgeEid, xmpp.GetProperty("eid").GetString());
            var eid = xmpp.GetProperty("eids").EnumerateArray().Single(e => e.GetProperty("eid").GetString() == "02:00:00:00:00:01");
            Assert.Equal("asterisk1@localhost", eid.GetProperty("account").GetString());
            Assert.Equal("online", eid.GetProperty("state").GetString());
        }, Wait);
    }

    [Fact]
    public async Task An_Asterisk_that_goes_offline_is_stale_then_withdrawn_and_is_sent_the_sites_state_when_it_returns()
    {
        await AwaitReadyAsync();
        const string Eid = "02:00:00:00:00:02";
        await using var asterisk = await StandInAsync(2, Eid);
        var node = cluster.Alive[0];
        await node.Api.SetDeviceAsync("PJSIP/3001", "INUSE");
        await AwaitItemAsync(asterisk, DeviceNode, "PJSIP/3001", i => Text(i) == "INUSE");
        await asterisk.DeviceStateAsync("PJSIP/3000", "BUSY");
        await AwaitAssertAsync(async () =>
        {
            await AssertDeviceAsync(node, "PJSIP/3000", "BUSY", ("ast:" + Eid, "BUSY"));
            Assert.Equal("online", await EidStateAsync(node, Eid));
        }, Wait);

        // Its account goes away: stale at once, the view still there; withdrawn after expire-after (3 s).
        await asterisk.SendAsync("offline");
        await AwaitAssertAsync(async () => Assert.Equal("stale", await EidStateAsync(node, Eid)), Wait, TimeSpan.FromMilliseconds(100));
        await AssertDeviceAsync(node, "PJSIP/3000", "BUSY", ("ast:" + Eid, "BUSY"));
        await AwaitAssertAsync(async () =>
        {
            Assert.Equal("withdrawn", await EidStateAsync(node, Eid));
            foreach (var n in cluster.Alive)
            {
                var device = await n.Api.GetAsync("/api/v1/devices/PJSIP/3000");
                Assert.True(device is null || device.Value.GetProperty("views").GetArrayLength() == 0, $"{n.Name} still shows {device}");
            }
        }, Wait);

        // It comes back: the bridge publishes the site's state again for it.
        var before = Count(asterisk, DeviceNode, "PJSIP/3001");
        var returns = await BridgeMetricAsync("actorpresence_xmpp_republishes_total", ("reason", "return"));
        await asterisk.SendAsync("online");
        await AwaitAssertAsync(async () =>
        {
            Assert.True(await BridgeMetricAsync("actorpresence_xmpp_republishes_total", ("reason", "return")) > returns);
            Assert.True(Count(asterisk, DeviceNode, "PJSIP/3001") > before, asterisk.Output);
        }, Wait);
        await AwaitAssertAsync(async () => Assert.Equal("online", await EidStateAsync(node, Eid)), Wait);
    }

    [Fact]
    public async Task Bad_items_an_oversized_stanza_and_a_connection_dropped_mid_stanza_are_counted_and_the_bridge_reconnects()
    {
        await AwaitReadyAsync();
        const string Eid = "02:00:00:00:00:03";
        await using var asterisk = await StandInAsync(3, Eid);
        var node = cluster.Alive[0];
        var start = await XmppAsync(node);

        // Items the bridge refuses: an unknown state text, an EID that is not one, a mailbox without counts.
        await asterisk.RawItemAsync(DeviceNode, "PJSIP/4000", $"<state xmlns=\"http://asterisk.org\" eid=\"{Eid}\" cachable=\"1\">SHOUTING</state>");
        await asterisk.RawItemAsync(DeviceNode, "PJSIP/4000", "<state xmlns=\"http://asterisk.org\" eid=\"not-an-eid\" cachable=\"1\">INUSE</state>");
        await asterisk.RawItemAsync(MailboxNode, "4000@default", $"<mailbox xmlns=\"http://asterisk.org\" eid=\"{Eid}\"><NEWMSGS>x</NEWMSGS></mailbox>");
        await AwaitAssertAsync(async () => Assert.Equal(start.GetProperty("refused").GetInt64() + 3, (await XmppAsync(node)).GetProperty("refused").GetInt64()), Wait);
        Assert.Null(await node.Api.GetAsync("/api/v1/devices/PJSIP/4000"));

        // A stanza over the bridge's 16 KiB: the connection ends, and is made again.
        await asterisk.RawItemAsync(DeviceNode, "PJSIP/4001", $"<state xmlns=\"http://asterisk.org\" eid=\"{Eid}\" cachable=\"1\">{new string('X', 20_000)}</state>");
        await AwaitAssertAsync(async () =>
        {
            var now = await XmppAsync(node);
            Assert.Equal("connected", now.GetProperty("state").GetString());
            Assert.True(now.GetProperty("connects").GetInt64() > start.GetProperty("connects").GetInt64(), now.ToString());
            Assert.Contains("larger than 16384", now.GetProperty("lastError").GetString());
        }, Wait);

        // The server's bytes cut in the middle of an event: the bridge connects again and takes the next items.
        var connects = (await XmppAsync(node)).GetProperty("connects").GetInt64();
        cluster.Proxy.DropNext();
        await asterisk.DeviceStateAsync("PJSIP/4002", "RINGING");
        await AwaitAssertAsync(async () =>
        {
            var now = await XmppAsync(node);
            Assert.Equal("connected", now.GetProperty("state").GetString());
            Assert.True(now.GetProperty("connects").GetInt64() > connects, now.ToString());
        }, Wait);
        Assert.True(cluster.Proxy.Dropped >= 1);
        await asterisk.DeviceStateAsync("PJSIP/4003", "ONHOLD");
        await AwaitAssertAsync(async () => await AssertDeviceAsync(node, "PJSIP/4003", "ONHOLD", ("ast:" + Eid, "ONHOLD")), Wait);

        // Every node kept serving throughout.
        foreach (var n in cluster.Alive)
        {
            Assert.NotNull(await n.Api.GetAsync("/api/v1/devices/PJSIP/4003"));
        }

        // The bridge's node counted all of it.
        var bridge = (await XmppAsync(node)).GetProperty("bridge").GetString();
        using var http = new HttpClient { BaseAddress = cluster.Alive.Single(n => n.Launch.RemotingAddress == bridge).Launch.HttpAddress };
        var metrics = await PrometheusText.ScrapeAsync(http);
        foreach (var reason in new[] { "state", "eid", "counts" })
        {
            Assert.True(metrics.Sum("actorpresence_xmpp_refusals_total", ("reason", reason)) >= 1, $"no refusal for {reason}:\n{metrics.Text}");
        }
        Assert.True(metrics.Sum("actorpresence_xmpp_disconnects_total", ("reason", "oversized")) >= 1, metrics.Text);
        Assert.True(metrics.Sum("actorpresence_xmpp_connects_total") >= 3, metrics.Text);
        Assert.Equal(1, metrics.Sum("actorpresence_xmpp_connected"));
        Assert.True(metrics.Sum("actorpresence_xmpp_items_in_total", ("kind", "device")) >= 1, metrics.Text);
    }

    [Fact]
    public async Task When_the_bridges_node_is_killed_the_bridge_moves_reconnects_and_republishes_and_an_orderly_stop_publishes_invalid()
    {
        await AwaitReadyAsync();
        await using var asterisk = await StandInAsync(4, "02:00:00:00:00:04");
        var nodes = cluster.Alive;
        var bridge = (await XmppAsync(nodes[0])).GetProperty("bridge").GetString();
        var killed = nodes.Single(n => n.Launch.RemotingAddress == bridge);
        // The lamp's view is on a node that stays (the killed node's own views go with it).
        await nodes.First(n => n != killed).Api.SetDeviceAsync("PJSIP/5000", "ONHOLD");
        await AwaitItemAsync(asterisk, DeviceNode, "PJSIP/5000", i => Text(i) == "ONHOLD");
        var before = Count(asterisk, DeviceNode, "PJSIP/5000");
        // A second server the bridge knows before it moves; it goes away after the move.
        const string LeavingEid = "02:00:00:00:00:05";
        await using var leaving = await StandInAsync(5, LeavingEid);
        await leaving.DeviceStateAsync("PJSIP/5100", "BUSY");
        await AwaitAssertAsync(async () => Assert.Equal("online", await EidStateAsync(nodes[0], LeavingEid)), Wait);

        killed.Kill();
        Output!.WriteLine($"killed {killed.Name}, the bridge's node");
        var survivors = cluster.Alive;
        await AwaitUpAsync(survivors, survivors.Select(n => n.Name).Order().ToList(), onlyThese: true);
        await AwaitAssertAsync(async () =>
        {
            var now = await XmppAsync(survivors[0]);
            Assert.NotEqual(bridge, now.GetProperty("bridge").GetString());
            Assert.Equal("connected", now.GetProperty("state").GetString());
            Assert.True(Count(asterisk, DeviceNode, "PJSIP/5000") > before, asterisk.Output);
        }, Wait);

        // The moved bridge follows the EIDs seen before the move (kept in the account's private storage):
        // the server that goes away now is expired and its view withdrawn, though it published nothing since.
        await AwaitAssertAsync(async () => Assert.Equal("online", await EidStateAsync(survivors[0], LeavingEid)), Wait);
        await leaving.SendAsync("offline");
        await AwaitAssertAsync(async () =>
        {
            Assert.Equal("withdrawn", await EidStateAsync(survivors[0], LeavingEid));
            Assert.Null(await survivors[^1].Api.GetAsync("/api/v1/devices/PJSIP/5100"));
        }, Wait);

        // An orderly stop of the bridge's node: INVALID for what it published (XMPP has no delete), then
        // the next node takes over and publishes the state again.
        var second = (await XmppAsync(survivors[0])).GetProperty("bridge").GetString();
        var stopping = survivors.Single(n => n.Launch.RemotingAddress == second);
        var last = survivors.Single(n => n != stopping);
        // The node that stays holds a view of the lamp too, so the next bridge has it to publish.
        await last.Api.SetDeviceAsync("PJSIP/5000", "ONHOLD");
        var invalidBefore = asterisk.Items.Count(i => i.GetProperty("id").GetString() == "PJSIP/5000" && Text(i) == "INVALID");
        Assert.Equal(0, await stopping.TerminateAsync(Wait));
        await AwaitAssertAsync(() =>
        {
            Assert.True(asterisk.Items.Count(i => i.GetProperty("id").GetString() == "PJSIP/5000" && Text(i) == "INVALID") > invalidBefore, asterisk.Output);
            return Task.CompletedTask;
        }, Wait);
        Assert.Equal(last, cluster.Alive.Single());
        await AwaitAssertAsync(async () =>
        {
            Assert.Equal(last.Launch.RemotingAddress, (await XmppAsync(last)).GetProperty("bridge").GetString());
            Assert.Equal("ONHOLD", Text(asterisk.Items.Last(i => i.GetProperty("id").GetString() == "PJSIP/5000")));
        }, Wait);
    }

    [Fact]
    public async Task The_bridge_publishes_the_sites_state_again_on_its_period_though_nothing_changed()
    {
        await AwaitReadyAsync();
        await using var asterisk = await StandInAsync(6, "02:00:00:00:00:06");
        await cluster.Alive[0].Api.SetDeviceAsync("PJSIP/6000", "BUSY");
        await AwaitItemAsync(asterisk, DeviceNode, "PJSIP/6000", i => Text(i) == "BUSY");
        var periods = await BridgeMetricAsync("actorpresence_xmpp_republishes_total", ("reason", "period"));
        var before = Count(asterisk, DeviceNode, "PJSIP/6000");

        // No write, no reconnect, no return: the period (6 s here) alone sends it again.
        await AwaitAssertAsync(async () =>
        {
            Assert.True(await BridgeMetricAsync("actorpresence_xmpp_republishes_total", ("reason", "period")) > periods);
            Assert.True(Count(asterisk, DeviceNode, "PJSIP/6000") > before, asterisk.Output);
        }, Wait);
        Assert.Equal("BUSY", Text(asterisk.Items.Last(i => i.GetProperty("id").GetString() == "PJSIP/6000")));
    }

    // ----- helpers -----

    /// <summary>A metric's sum on the node running the bridge now.</summary>
    private async Task<double> BridgeMetricAsync(string name, params (string Label, string Value)[] labels)
    {
        var bridge = (await XmppAsync(cluster.Alive[0])).GetProperty("bridge").GetString();
        using var http = new HttpClient { BaseAddress = cluster.Alive.Single(n => n.Launch.RemotingAddress == bridge).Launch.HttpAddress };
        return (await PrometheusText.ScrapeAsync(http)).Sum(name, labels);
    }

    /// <summary>Waits until the three nodes form a cluster (the first test to run) and the bridge is connected.</summary>
    private async Task AwaitReadyAsync()
    {
        var alive = cluster.Alive;
        await AwaitUpAsync(alive, alive.Select(n => n.Name).Order().ToList());
        await AwaitAssertAsync(async () => Assert.Equal("connected", (await XmppAsync(alive[0])).GetProperty("state").GetString()), Wait);
    }

    private async Task<AsteriskStandIn> StandInAsync(int account, string eid)
    {
        var standIn = AsteriskStandIn.Start(cluster.Server, $"asterisk{account}", $"ast-pw-{account}", eid);
        await AwaitAssertAsync(() =>
        {
            Assert.True(standIn.Count("online") >= 1 && standIn.Count("result sub-message_waiting") >= 1, standIn.Output);
            return Task.CompletedTask;
        }, Wait);
        return standIn;
    }

    private async Task<JsonElement> AwaitItemAsync(AsteriskStandIn standIn, string node, string id, Func<JsonElement, bool> match)
    {
        JsonElement found = default;
        await AwaitAssertAsync(() =>
        {
            var item = standIn.Items.LastOrDefault(i => i.GetProperty("node").GetString() == node && i.GetProperty("id").GetString() == id
                && Bare(i.GetProperty("publisher").GetString()) == "bridge@localhost" && match(i));
            Assert.True(item.ValueKind == JsonValueKind.Object, $"no {node} item {id} from the bridge yet:\n{standIn.Output}");
            found = item;
            return Task.CompletedTask;
        }, Wait);
        return found;
    }

    private static int Count(AsteriskStandIn standIn, string node, string id) =>
        standIn.Items.Count(i => i.GetProperty("node").GetString() == node && i.GetProperty("id").GetString() == id && Bare(i.GetProperty("publisher").GetString()) == "bridge@localhost");

    private static string? Text(JsonElement item) => item.TryGetProperty("text", out var text) ? text.GetString() : null;

    private static string Bare(string? jid) => jid is null ? "" : jid.Split('/')[0];

    private static async Task<JsonElement> XmppAsync(NodeProcess node) => (await node.Api.GetAsync("/api/v1/xmpp"))!.Value;

    private static async Task<string?> EidStateAsync(NodeProcess node, string eid) =>
        (await XmppAsync(node)).GetProperty("eids").EnumerateArray().FirstOrDefault(e => e.GetProperty("eid").GetString() == eid) is { ValueKind: JsonValueKind.Object } e
            ? e.GetProperty("state").GetString()
            : null;

    private static async Task AssertDeviceAsync(NodeProcess node, string device, string state, params (string Node, string State)[] views)
    {
        var doc = await node.Api.GetAsync($"/api/v1/devices/{device}");
        Assert.True(doc is not null, $"{node.Name} has no {device}");
        Assert.Equal(state, doc!.Value.GetProperty("state").GetString());
        Assert.Equal(
            views.Select(v => $"{v.Node}={v.State}").Order(StringComparer.Ordinal),
            doc.Value.GetProperty("views").EnumerateArray().Select(v => $"{v.GetProperty("node").GetString()}={v.GetProperty("state").GetString()}").Order(StringComparer.Ordinal));
    }
}
