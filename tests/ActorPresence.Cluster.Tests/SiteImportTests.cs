using ActorPresence.Domain;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorPresence.Entities.Messages.EntityQueries;
using Xunit.Abstractions;

namespace ActorPresence.Cluster.Tests;

/// <summary>
/// What a site gateway writes into its own cluster (docs/federation.md): a peer site's aggregate of a
/// device as the view <c>@site</c>, and mailbox and presence values with the stamp the peer gave them.
/// </summary>
public sealed class SiteImportTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(10);
    private static readonly SiteId Berlin = new("berlin");

    private static ActorPresenceService Gateway(TestNode node) => (ActorPresenceService)node.Api;

    private static Task<int> SetViewAsync(TestNode node, DeviceId device, SiteId site, DeviceState? state) =>
        Gateway(node).SetSiteViewsAsync(site, [(device, state)]);

    private static async Task<bool> ImportMailboxAsync(TestNode node, MailboxId box, MailboxCounts counts, long ticks, NodeName writer, SiteId site) =>
        await Gateway(node).ImportMailboxesAsync(site, [(box, counts, ticks, writer)]) == 1;

    private static async Task<bool> ImportPresenceAsync(TestNode node, PresentityId presentity, Presence presence, long ticks, NodeName writer, SiteId site) =>
        await Gateway(node).ImportPresencesAsync(site, [(presentity, presence, ticks, writer)]) == 1;

    [Fact]
    public async Task A_sites_view_shows_as_at_site_on_every_node_and_is_aggregated_with_the_local_views()
    {
        await using var cluster = await TestCluster.StartAsync(3, Output!);
        var lamp = new DeviceId("PJSIP/1000");

        var set = await SetViewAsync(cluster[0], lamp, Berlin, DeviceState.Ringing);
        var written = await cluster[0].Api.GetDeviceAsync(lamp);
        await cluster[1].Api.SetDeviceStateAsync(lamp, DeviceState.InUse);

        Assert.Equal(1, set);
        Assert.Equal("@berlin", Assert.Single(written!.Views).Node.Value);
        Assert.Equal(new SiteId("berlin"), Assert.Single(written.Views).Node.Site);
        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () =>
            {
                var device = await node.Api.GetDeviceAsync(lamp);
                Assert.Equal(DeviceState.RingInUse, device?.State);
                Assert.Equal(["@berlin", "node2"], device!.Views.Select(v => v.Node.Value).Order(StringComparer.Ordinal));
            }, Converge);
        }
    }

    [Fact]
    public async Task Many_views_written_at_once_create_no_entity_actor_and_reach_every_node_and_subscriber()
    {
        await using var cluster = await TestCluster.StartAsync(3, Output!);
        var lamps = Enumerable.Range(0, 2_500).Select(i => new DeviceId($"SNAP/{i:D4}")).ToList();
        await using var here = await Recorder.StartAsync(cluster[0].Api, SubscriptionFilter.WithPrefix(EntityKind.Device, "SNAP/"));
        await using var there = await Recorder.StartAsync(cluster[2].Api, SubscriptionFilter.WithPrefix(EntityKind.Device, "SNAP/"));

        // More than one message's worth: the writes go to the manager in several messages.
        var set = await Gateway(cluster[0]).SetSiteViewsAsync(Berlin, lamps.Select(l => (l, (DeviceState?)DeviceState.InUse)).ToList());
        var stats = await ActorPresenceRuntime.Get(cluster[0].System).Devices.Ask<ManagerStats>(GetStats.Instance, Converge);
        var again = await Gateway(cluster[0]).SetSiteViewsAsync(Berlin, lamps.Select(l => (l, (DeviceState?)DeviceState.InUse)).ToList());

        Assert.True(lamps.Count > ActorPresenceService.WritesPerMessage);
        Assert.Equal(lamps.Count, set);
        Assert.Equal(0, again);
        Assert.Equal(0, stats.LiveEntities);
        foreach (var recorder in new[] { here, there })
        {
            await AwaitAssertAsync(() =>
            {
                var lit = recorder.Events.OfType<DeviceStateEvent>().Where(e => e.Device.State == DeviceState.InUse).Select(e => e.Device.Id).Distinct().Count();
                Assert.Equal(lamps.Count, lit);
            }, Converge);
        }
        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () =>
            {
                var last = await node.Api.GetDeviceAsync(lamps[^1]);
                Assert.Equal("@berlin", Assert.Single(last!.Views).Node.Value);
                Assert.Equal(lamps.Count, (await node.Api.ListIdsAsync(EntityKind.Device, "SNAP/", limit: 10_000)).Count);
            }, Converge);
        }

        var withdrawn = await Gateway(cluster[0]).SetSiteViewsAsync(Berlin, lamps.Select(l => (l, (DeviceState?)null)).ToList());

        Assert.Equal(lamps.Count, withdrawn);
        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () => Assert.Empty(await node.Api.ListIdsAsync(EntityKind.Device, "SNAP/", limit: 10_000)), Converge);
        }
    }

    [Fact]
    public async Task A_view_written_among_many_to_a_device_whose_actor_is_live_is_taken_by_that_actor()
    {
        // No replica poll during the test: the live actor can only have berlin's view from the write itself.
        await using var cluster = await TestCluster.StartAsync(2, Output!, hocon: "actorpresence.replica-poll-interval = 60s");
        var lamp = new DeviceId("PJSIP/1003");
        // This node's own view keeps the device's actor alive here.
        await cluster[0].Api.SetDeviceStateAsync(lamp, DeviceState.InUse);

        var set = await Gateway(cluster[0]).SetSiteViewsAsync(Berlin, [(lamp, DeviceState.Ringing), (new DeviceId("PJSIP/1004"), DeviceState.Busy)]);
        // Read at once: the live actor answers, so it must hold berlin's view already.
        var device = await cluster[0].Api.GetDeviceAsync(lamp);
        var stats = await ActorPresenceRuntime.Get(cluster[0].System).Devices.Ask<ManagerStats>(GetStats.Instance, Converge);

        Assert.Equal(2, set);
        Assert.Equal(DeviceState.RingInUse, device!.State);
        Assert.Equal(["@berlin", "node1"], device.Views.Select(v => v.Node.Value).Order(StringComparer.Ordinal));
        Assert.Equal(1, stats.LiveEntities);
        await AwaitAssertAsync(async () => Assert.Equal(DeviceState.RingInUse, (await cluster[1].Api.GetDeviceAsync(lamp))?.State), Converge);
    }

    [Fact]
    public async Task Withdrawing_a_sites_view_leaves_the_local_views_and_setting_the_same_state_again_changes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(2, Output!);
        var lamp = new DeviceId("PJSIP/1001");
        await cluster[1].Api.SetDeviceStateAsync(lamp, DeviceState.NotInUse);
        // The gateway's node holds node2's view before it writes berlin's.
        await AwaitAssertAsync(async () => Assert.NotNull(await cluster[0].Api.GetDeviceAsync(lamp)), Converge);
        await SetViewAsync(cluster[0], lamp, Berlin, DeviceState.Busy);

        var again = await SetViewAsync(cluster[0], lamp, Berlin, DeviceState.Busy);
        var withdrawn = await SetViewAsync(cluster[0], lamp, Berlin, null);
        var left = await cluster[0].Api.GetDeviceAsync(lamp);
        var twice = await SetViewAsync(cluster[0], lamp, Berlin, null);

        Assert.Equal(0, again);
        Assert.Equal(1, withdrawn);
        Assert.Equal(0, twice);
        Assert.Equal("node2", Assert.Single(left!.Views).Node.Value);
        await AwaitAssertAsync(async () =>
        {
            var device = await cluster[1].Api.GetDeviceAsync(lamp);
            Assert.Equal(DeviceState.NotInUse, device?.State);
            Assert.Equal("node2", Assert.Single(device!.Views).Node.Value);
        }, Converge);
    }

    [Fact]
    public async Task A_sites_view_outlives_the_node_that_wrote_it_when_that_node_leaves()
    {
        // The gateway is a singleton that moves: its node leaving must not take the site's lamps with it.
        await using var cluster = await TestCluster.StartAsync(3, Output!);
        var lamp = new DeviceId("PJSIP/1002");
        await SetViewAsync(cluster[2], lamp, Berlin, DeviceState.InUse);
        await cluster[2].Api.SetDeviceStateAsync(lamp, DeviceState.NotInUse);
        await AwaitAssertAsync(async () => Assert.Equal(2, (await cluster[0].Api.GetDeviceAsync(lamp))?.Views.Count), Converge);

        var leaving = cluster[2];
        await leaving.Cluster.LeaveAsync();
        cluster.Remove(leaving);
        await leaving.DisposeAsync();

        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () =>
            {
                var device = await node.Api.GetDeviceAsync(lamp);
                Assert.Equal("@berlin", Assert.Single(device!.Views).Node.Value);
                Assert.Equal(DeviceState.InUse, device.State);
            }, Converge);
        }
    }

    [Fact]
    public async Task An_imported_value_keeps_its_writer_and_time_and_wins_or_loses_by_its_stamp()
    {
        await using var cluster = await TestCluster.StartAsync(2, Output!);
        var box = new MailboxId("1000");
        var local = await cluster[1].Api.SetMailboxAsync(box, new MailboxCounts(1, 0));
        var older = local.State.WrittenAt.UtcTicks - 1;
        var newer = local.State.WrittenAt.UtcTicks + 1;
        // The gateway's node holds node2's value before the imports are compared with it.
        await AwaitAssertAsync(async () => Assert.NotNull(await cluster[0].Api.GetMailboxAsync(box)), Converge);

        var lost = await ImportMailboxAsync(cluster[0], box, new MailboxCounts(9, 9), older, new NodeName("node1"), Berlin);
        var won = await ImportMailboxAsync(cluster[0], box, new MailboxCounts(2, 3), newer, new NodeName("node1"), Berlin);
        var repeated = await ImportMailboxAsync(cluster[0], box, new MailboxCounts(2, 3), newer, new NodeName("node1"), Berlin);

        Assert.False(lost);
        Assert.True(won);
        Assert.False(repeated);
        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () =>
            {
                var mailbox = await node.Api.GetMailboxAsync(box);
                Assert.Equal(new MailboxCounts(2, 3), mailbox?.Counts);
                Assert.Equal("node1@berlin", mailbox!.WrittenBy.Value);
                Assert.Equal(Berlin, mailbox.WrittenBy.Site);
                Assert.Equal(newer, mailbox.WrittenAt.UtcTicks);
            }, Converge);
        }
    }

    [Fact]
    public async Task A_local_write_after_seeing_an_imported_value_wins_even_if_the_import_came_from_a_clock_ahead()
    {
        await using var cluster = await TestCluster.StartAsync(2, Output!);
        var alice = new PresentityId("alice");
        // Berlin's clock is an hour ahead of this site's.
        var ahead = DateTimeOffset.UtcNow.AddHours(1).UtcTicks;
        Assert.True(await ImportPresenceAsync(cluster[0], alice, new Presence(PresenceState.Away), ahead, new NodeName("pbx1"), Berlin));
        await AwaitAssertAsync(async () => Assert.Equal(PresenceState.Away, (await cluster[1].Api.GetPresenceAsync(alice))?.Presence.State), Converge);

        var local = await cluster[1].Api.SetPresenceAsync(alice, new Presence(PresenceState.Dnd));

        Assert.True(local.Changed);
        Assert.True(local.State.WrittenAt.UtcTicks > ahead);
        await AwaitAssertAsync(async () =>
        {
            var presence = await cluster[0].Api.GetPresenceAsync(alice);
            Assert.Equal(PresenceState.Dnd, presence?.Presence.State);
            Assert.Equal("node2", presence!.WrittenBy.Value);
            Assert.Null(presence.WrittenBy.Site);
        }, Converge);
    }

    [Fact]
    public async Task The_gateway_refuses_its_own_site_an_imported_writer_and_a_stamp_that_is_no_clock_reading()
    {
        await using var cluster = await TestCluster.StartAsync(1, Output!);
        var gateway = Gateway(cluster[0]);
        var box = new MailboxId("1000");

        var ownView = await Assert.ThrowsAsync<ValidationException>(() => gateway.SetSiteViewsAsync(SiteId.Local, [(new DeviceId("PJSIP/1"), DeviceState.InUse)]));
        var ownImport = await Assert.ThrowsAsync<ValidationException>(() => gateway.ImportMailboxesAsync(SiteId.Local, [(box, new MailboxCounts(1, 0), 100, new NodeName("n1"))]));
        var echoed = await Assert.ThrowsAsync<ValidationException>(() =>
            gateway.ImportMailboxesAsync(Berlin, [(box, new MailboxCounts(1, 0), 100, NodeName.Imported(new NodeName("n1"), new SiteId("rome")))]));
        var zero = await Assert.ThrowsAsync<ValidationException>(() => gateway.ImportMailboxesAsync(Berlin, [(box, new MailboxCounts(1, 0), 0, new NodeName("n1"))]));
        // One bad entry among good ones: nothing of the batch is written.
        var undefined = await Assert.ThrowsAsync<ValidationException>(() =>
            gateway.SetSiteViewsAsync(Berlin, [(new DeviceId("PJSIP/1"), DeviceState.InUse), (new DeviceId("PJSIP/2"), (DeviceState)99)]));

        Assert.Equal(["site", "site", "writer", "stamp", "state"], new[] { ownView, ownImport, echoed, zero, undefined }.Select(e => e.Field));
        Assert.Null(await gateway.GetMailboxAsync(box));
        Assert.Null(await gateway.GetDeviceAsync(new DeviceId("PJSIP/1")));
    }
}
