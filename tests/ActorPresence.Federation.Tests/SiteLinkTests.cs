using ActorPresence.Domain;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ActorPresence.Federation.Tests;

/// <summary>Two or three sites in this process, each its own cluster, linked over gRPC with mutual TLS on loopback.</summary>
public sealed class SiteLinkTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Link = TimeSpan.FromSeconds(20);

    private static SiteLinks Links(SiteNode node) =>
        node.Host.Services.GetRequiredService<SiteLinksHostedService>().Links ?? throw new InvalidOperationException($"{node.Name} has no site links");

    private async Task<SiteGateway> GatewayOf(Site site)
    {
        SiteGateway? gateway = null;
        await AwaitAssertAsync(() => Assert.NotNull(gateway = site.Nodes.Select(n => Links(n).Gateway).FirstOrDefault(g => g is not null)), Link);
        return gateway!;
    }

    [Fact]
    public async Task A_device_on_one_site_shows_as_at_site_on_the_other_and_is_aggregated_with_its_views()
    {
        using var federation = new Federation();
        await using var a = await Site.StartAsync(federation, "a", 1, ["b"], Output!);
        await using var b = await Site.StartAsync(federation, "b", 1, ["a"], Output!);
        var lamp = new DeviceId("PJSIP/1000");

        await a[0].Api.SetDeviceStateAsync(lamp, DeviceState.Ringing);
        await b[0].Api.SetDeviceStateAsync(lamp, DeviceState.InUse);

        await AwaitAssertAsync(async () =>
        {
            var onB = await b[0].Api.GetDeviceAsync(lamp);
            Assert.Equal(["@a", "b1"], onB!.Views.Select(v => v.Node.Value).Order(StringComparer.Ordinal));
            Assert.Equal(DeviceState.RingInUse, onB.State);
            var onA = await a[0].Api.GetDeviceAsync(lamp);
            Assert.Equal(["@b", "a1"], onA!.Views.Select(v => v.Node.Value).Order(StringComparer.Ordinal));
            Assert.Equal(DeviceState.RingInUse, onA.State);
        }, Link);

        // A site exports its own views only: b's view of a's aggregate never travels back to a.
        await a[0].Api.WithdrawDeviceStateAsync(lamp);
        await AwaitAssertAsync(async () =>
        {
            var onB = await b[0].Api.GetDeviceAsync(lamp);
            Assert.Equal("b1", Assert.Single(onB!.Views).Node.Value);
            var onA = await a[0].Api.GetDeviceAsync(lamp);
            Assert.Equal("@b", Assert.Single(onA!.Views).Node.Value);
            Assert.Equal(DeviceState.InUse, onA.State);
        }, Link);
    }

    [Fact]
    public async Task Across_two_sites_every_pair_of_device_states_aggregates_by_the_table()
    {
        using var federation = new Federation();
        await using var a = await Site.StartAsync(federation, "a", 1, ["b"], Output!);
        await using var b = await Site.StartAsync(federation, "b", 1, ["a"], Output!);
        var states = Enum.GetValues<DeviceState>();
        var pairs = states.SelectMany(x => states.Select(y => (Lamp: new DeviceId($"PJSIP/{x}-{y}"), OnA: x, OnB: y))).ToList();

        Assert.Equal(81, pairs.Count);
        await Parallel.ForEachAsync(pairs, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (pair, _) =>
        {
            await a[0].Api.SetDeviceStateAsync(pair.Lamp, pair.OnA);
            await b[0].Api.SetDeviceStateAsync(pair.Lamp, pair.OnB);
        });

        await AwaitAssertAsync(async () =>
        {
            foreach (var (lamp, onA, onB) in pairs)
            {
                // The domain tests check Combine against the table itself.
                var expected = DeviceStateAggregation.Combine(onA, onB);
                var seenOnB = await b[0].Api.GetDeviceAsync(lamp);
                Assert.True(seenOnB is not null, $"b has no {lamp}");
                Assert.Equal(["@a", "b1"], seenOnB.Views.Select(v => v.Node.Value).Order(StringComparer.Ordinal));
                Assert.True(expected == seenOnB.State, $"{lamp} on b: {seenOnB.State}, the table says {expected}");
                var seenOnA = await a[0].Api.GetDeviceAsync(lamp);
                Assert.True(seenOnA is not null, $"a has no {lamp}");
                Assert.Equal(["@b", "a1"], seenOnA.Views.Select(v => v.Node.Value).Order(StringComparer.Ordinal));
                Assert.True(expected == seenOnA.State, $"{lamp} on a: {seenOnA.State}, the table says {expected}");
            }
        }, Link);
    }

    [Fact]
    public async Task Mailbox_and_presence_cross_with_their_stamps_and_a_write_that_saw_another_wins_on_both_sites()
    {
        using var federation = new Federation();
        await using var a = await Site.StartAsync(federation, "a", 1, ["b"], Output!);
        await using var b = await Site.StartAsync(federation, "b", 1, ["a"], Output!);
        var box = new MailboxId("1000@default");
        var alice = new PresentityId("alice");

        var written = await a[0].Api.SetMailboxAsync(box, new MailboxCounts(2, 5));
        await a[0].Api.SetPresenceAsync(alice, new Presence(PresenceState.Away, "", "lunch"));
        await AwaitAssertAsync(async () =>
        {
            var mailbox = await b[0].Api.GetMailboxAsync(box);
            Assert.Equal(new MailboxCounts(2, 5), mailbox?.Counts);
            Assert.Equal("a1@a", mailbox!.WrittenBy.Value);
            Assert.Equal(written.State.WrittenAt, mailbox.WrittenAt);
            Assert.Equal("lunch", (await b[0].Api.GetPresenceAsync(alice))?.Presence.Message);
        }, Link);

        // b has seen a's value: its write wins on both sites.
        await b[0].Api.SetMailboxAsync(box, new MailboxCounts(0, 7));
        await b[0].Api.SetPresenceAsync(alice, new Presence(PresenceState.Dnd));
        foreach (var node in new[] { a[0], b[0] })
        {
            await AwaitAssertAsync(async () =>
            {
                Assert.Equal(new MailboxCounts(0, 7), (await node.Api.GetMailboxAsync(box))?.Counts);
                Assert.Equal(PresenceState.Dnd, (await node.Api.GetPresenceAsync(alice))?.Presence.State);
            }, Link);
        }
        Assert.Equal("b1@b", (await a[0].Api.GetMailboxAsync(box))!.WrittenBy.Value);
        Assert.Equal("b1", (await b[0].Api.GetMailboxAsync(box))!.WrittenBy.Value);
    }

    [Fact]
    public async Task A_site_started_later_gets_everything_in_the_snapshot_on_connect()
    {
        using var federation = new Federation();
        federation.Plan("b", 1);
        await using var a = await Site.StartAsync(federation, "a", 1, ["b"], Output!);
        // 10,000 entities of the three kinds.
        const int Devices = 8_000, Mailboxes = 1_000, Presentities = 1_000;
        var writes = Enumerable.Range(0, Devices).Select(i => (Func<Task>)(() => a[0].Api.SetDeviceStateAsync(new DeviceId($"PJSIP/s{i}"), DeviceState.InUse)))
            .Concat(Enumerable.Range(0, Mailboxes).Select(i => (Func<Task>)(() => a[0].Api.SetMailboxAsync(new MailboxId($"s{i}"), new MailboxCounts(i, 1)))))
            .Concat(Enumerable.Range(0, Presentities).Select(i => (Func<Task>)(() => a[0].Api.SetPresenceAsync(new PresentityId($"s{i}"), new Presence(PresenceState.Away, message: $"m{i}")))));
        await Parallel.ForEachAsync(writes, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (write, _) => await write());

        await using var b = await Site.StartAsync(federation, "b", 1, ["a"], Output!);

        await AwaitAssertAsync(async () =>
        {
            Assert.Equal(Devices, (await b[0].Api.ListIdsAsync(EntityKind.Device, "PJSIP/s", limit: 10_000)).Count);
            Assert.Equal(Mailboxes, (await b[0].Api.ListIdsAsync(EntityKind.Mailbox, "s", limit: 10_000)).Count);
            Assert.Equal(Presentities, (await b[0].Api.ListIdsAsync(EntityKind.Presence, "s", limit: 10_000)).Count);
        }, Link);
        var device = await b[0].Api.GetDeviceAsync(new DeviceId("PJSIP/s1234"));
        Assert.Equal("@a", Assert.Single(device!.Views).Node.Value);
        Assert.Equal(DeviceState.InUse, device.State);
        var mailbox = await b[0].Api.GetMailboxAsync(new MailboxId("s567"));
        Assert.Equal(new MailboxCounts(567, 1), mailbox!.Counts);
        Assert.Equal("a1@a", mailbox.WrittenBy.Value);
        var presence = await b[0].Api.GetPresenceAsync(new PresentityId("s890"));
        Assert.Equal(new Presence(PresenceState.Away, message: "m890"), presence!.Presence);
        var gateway = await GatewayOf(b);
        var report = Assert.Single(gateway.Reports());
        Assert.Equal(PeerState.Connected, report.State);
        Assert.True(report.EntitiesIn >= Devices + Mailboxes + Presentities, $"{report.EntitiesIn} entries in");
    }

    [Fact]
    public async Task Every_node_reports_the_links_as_the_gateway_sees_them_and_the_gateway_moves_when_its_node_leaves()
    {
        using var federation = new Federation();
        federation.Plan("a", 3);
        await using var a = await Site.StartAsync(federation, "a", 3, ["b"], Output!);
        await using var b = await Site.StartAsync(federation, "b", 1, ["a"], Output!);
        var lamp = new DeviceId("PJSIP/4000");
        await a[2].Api.SetDeviceStateAsync(lamp, DeviceState.InUse);
        await AwaitAssertAsync(async () => Assert.Equal(DeviceState.InUse, (await b[0].Api.GetDeviceAsync(lamp))?.State), Link);

        foreach (var node in a.Nodes)
        {
            var view = await Links(node).SitesAsync(TimeSpan.FromSeconds(5));
            Assert.Equal("a1", view.GatewayNode);
            var peer = Assert.Single(view.Peers!);
            Assert.Equal(PeerState.Connected, peer.State);
            Assert.True(peer.EntitiesOut >= 1, $"{peer.EntitiesOut} entries out");
        }

        // The gateway's node leaves: the singleton moves to the next oldest and the link comes back by itself.
        var (leaving, next, writer) = (a[0], a[1], a[2]);
        await leaving.Cluster.LeaveAsync();
        a.Remove(leaving);
        await leaving.DisposeAsync();
        await writer.Api.SetDeviceStateAsync(lamp, DeviceState.Ringing);

        await AwaitAssertAsync(async () =>
        {
            Assert.Equal(DeviceState.Ringing, (await b[0].Api.GetDeviceAsync(lamp))?.State);
            var view = await Links(next).SitesAsync(TimeSpan.FromSeconds(2));
            Assert.Equal("a2", view.GatewayNode);
            Assert.Equal(PeerState.Connected, Assert.Single(view.Peers!).State);
        }, Link);
    }

    [Fact]
    public async Task With_three_sites_each_carries_only_its_own_writes_no_entry_is_echoed_or_relayed()
    {
        using var federation = new Federation();
        await using var a = await Site.StartAsync(federation, "a", 1, ["b", "c"], Output!);
        await using var b = await Site.StartAsync(federation, "b", 1, ["a", "c"], Output!);
        await using var c = await Site.StartAsync(federation, "c", 1, ["a", "b"], Output!);
        var gateways = new[] { await GatewayOf(a), await GatewayOf(b), await GatewayOf(c) };
        await AwaitAssertAsync(() => Assert.All(gateways.SelectMany(g => g.Reports()), r => Assert.Equal(PeerState.Connected, r.State)), Link);
        var lamp = new DeviceId("PJSIP/5000");
        var box = new MailboxId("5000");

        await a[0].Api.SetDeviceStateAsync(lamp, DeviceState.InUse);
        await a[0].Api.SetMailboxAsync(box, new MailboxCounts(1, 0));

        foreach (var node in new[] { b[0], c[0] })
        {
            await AwaitAssertAsync(async () =>
            {
                var device = await node.Api.GetDeviceAsync(lamp);
                Assert.Equal("@a", Assert.Single(device!.Views).Node.Value);
                Assert.Equal("a1@a", (await node.Api.GetMailboxAsync(box))?.WrittenBy.Value);
            }, Link);
        }
        var onA = await a[0].Api.GetDeviceAsync(lamp);
        Assert.Equal("a1", Assert.Single(onA!.Views).Node.Value);
        // What each link carried: a sent its two entries to b and to c; b and c sent nothing to anyone.
        Report(gateways[0], "b").AssertCarried(output: 2, input: 0);
        Report(gateways[0], "c").AssertCarried(output: 2, input: 0);
        Report(gateways[1], "c").AssertCarried(output: 0, input: 0);
        Report(gateways[2], "b").AssertCarried(output: 0, input: 0);
        Report(gateways[1], "a").AssertCarried(output: 0, input: 2);
    }

    private static PeerReport Report(SiteGateway gateway, string peer) => gateway.Reports().Single(r => r.Site.Value == peer);

    [Fact]
    public async Task A_silent_site_goes_stale_then_its_device_views_are_withdrawn_while_its_mailboxes_stay_and_it_resyncs_when_back()
    {
        using var federation = new Federation();
        await using var a = await Site.StartAsync(federation, "a", 1, ["b"], Output!);
        await using var b = await Site.StartAsync(federation, "b", 1, ["a"], Output!);
        var lamp = new DeviceId("PJSIP/2000");
        var box = new MailboxId("2000");
        await a[0].Api.SetDeviceStateAsync(lamp, DeviceState.Busy);
        await a[0].Api.SetMailboxAsync(box, new MailboxCounts(3, 0));
        await AwaitAssertAsync(async () =>
        {
            Assert.Equal(DeviceState.Busy, (await b[0].Api.GetDeviceAsync(lamp))?.State);
            Assert.NotNull(await b[0].Api.GetMailboxAsync(box));
        }, Link);
        var gatewayB = await GatewayOf(b);

        // Site a goes away without a word.
        var gone = a[0];
        a.Remove(gone);
        await gone.DisposeAsync();

        await AwaitAssertAsync(() => Assert.Equal(PeerState.Stale, Assert.Single(gatewayB.Reports()).State), Link);
        await AwaitAssertAsync(async () =>
        {
            Assert.Null(await b[0].Api.GetDeviceAsync(lamp));
            Assert.Equal(PeerState.Down, Assert.Single(gatewayB.Reports()).State);
        }, Link);
        Assert.Equal("a1@a", (await b[0].Api.GetMailboxAsync(box))?.WrittenBy.Value);

        // Site a comes back (with the same state, re-set by its node): the link resyncs.
        await using var back = await Site.StartAsync(federation, "a", 1, ["b"], Output!);
        await back[0].Api.SetDeviceStateAsync(lamp, DeviceState.OnHold);
        await AwaitAssertAsync(async () =>
        {
            var device = await b[0].Api.GetDeviceAsync(lamp);
            Assert.Equal(DeviceState.OnHold, device?.State);
            Assert.Equal("@a", Assert.Single(device!.Views).Node.Value);
            Assert.Equal(PeerState.Connected, Assert.Single(gatewayB.Reports()).State);
        }, Link);
    }

    [Fact]
    public async Task A_peer_with_a_certificate_from_another_CA_or_of_an_unconfigured_site_is_refused()
    {
        using var refusals = new RefusalCounter();
        using var federation = new Federation();
        using var rogueCa = new Testing.TestCertificates("Somebody Else's CA", federation.Directory);
        await using var b = await Site.StartAsync(federation, "b", 1, ["a"], Output!);
        var lamp = new DeviceId("PJSIP/3000");

        // a's certificate names site a but comes from another CA (a trusts the right one, and dials b).
        federation.Plan("a", 1);
        await using var a = await SiteNodeAsync(federation, "a", ["b"], rogueCa.WritePkcs12("a", "fed-pass", "rogue-a"));
        await a.Api.SetDeviceStateAsync(lamp, DeviceState.Busy);
        // aa has a proper certificate, but b has no peer of that name (aa < b, so aa dials b).
        federation.Plan("aa", 1);
        await using var aa = await SiteNodeAsync(federation, "aa", ["b"], null);
        await aa.Api.SetDeviceStateAsync(lamp, DeviceState.InUse);

        await AwaitAssertAsync(() => Assert.True(refusals.Certificates >= 4, $"{refusals.Certificates} certificate refusals"), Link);
        Assert.Null(await b[0].Api.GetDeviceAsync(lamp));
        var gatewayB = await GatewayOf(b);
        Assert.Equal(PeerState.Down, Assert.Single(gatewayB.Reports()).State);
        Assert.Equal(0, Assert.Single(gatewayB.Reports()).EntitiesIn);
    }

    private async Task<SiteNode> SiteNodeAsync(Federation federation, string site, string[] peers, string? certificate)
    {
        var node = await SiteNode.StartAsync($"{site}1", federation.Hocon(site, 0, peers, certificate), Output!);
        await node.Cluster.JoinAsync(node.Cluster.SelfAddress);
        return node;
    }
}
