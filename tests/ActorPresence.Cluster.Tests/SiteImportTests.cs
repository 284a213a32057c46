using ActorPresence.Domain;
using Akka.TestKit.Xunit2;
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

    [Fact]
    public async Task A_sites_view_shows_as_at_site_on_every_node_and_is_aggregated_with_the_local_views()
    {
        await using var cluster = await TestCluster.StartAsync(3, Output!);
        var lamp = new DeviceId("PJSIP/1000");

        var set = await Gateway(cluster[0]).SetSiteViewAsync(lamp, Berlin, DeviceState.Ringing);
        await cluster[1].Api.SetDeviceStateAsync(lamp, DeviceState.InUse);

        Assert.True(set.Changed);
        Assert.Equal("@berlin", Assert.Single(set.State.Views).Node.Value);
        Assert.Equal(new SiteId("berlin"), Assert.Single(set.State.Views).Node.Site);
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
    public async Task Withdrawing_a_sites_view_leaves_the_local_views_and_setting_the_same_state_again_changes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(2, Output!);
        var lamp = new DeviceId("PJSIP/1001");
        await cluster[1].Api.SetDeviceStateAsync(lamp, DeviceState.NotInUse);
        // The gateway's node holds node2's view before it writes berlin's.
        await AwaitAssertAsync(async () => Assert.NotNull(await cluster[0].Api.GetDeviceAsync(lamp)), Converge);
        await Gateway(cluster[0]).SetSiteViewAsync(lamp, Berlin, DeviceState.Busy);

        var again = await Gateway(cluster[0]).SetSiteViewAsync(lamp, Berlin, DeviceState.Busy);
        var withdrawn = await Gateway(cluster[0]).SetSiteViewAsync(lamp, Berlin, null);
        var twice = await Gateway(cluster[0]).SetSiteViewAsync(lamp, Berlin, null);

        Assert.False(again.Changed);
        Assert.True(withdrawn.Changed);
        Assert.False(twice.Changed);
        Assert.Equal("node2", Assert.Single(withdrawn.State.Views).Node.Value);
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
        await Gateway(cluster[2]).SetSiteViewAsync(lamp, Berlin, DeviceState.InUse);
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

        var lost = await Gateway(cluster[0]).ImportMailboxAsync(box, new MailboxCounts(9, 9), older, new NodeName("node1"), Berlin);
        var won = await Gateway(cluster[0]).ImportMailboxAsync(box, new MailboxCounts(2, 3), newer, new NodeName("node1"), Berlin);
        var repeated = await Gateway(cluster[0]).ImportMailboxAsync(box, new MailboxCounts(2, 3), newer, new NodeName("node1"), Berlin);

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
        Assert.True(await Gateway(cluster[0]).ImportPresenceAsync(alice, new Presence(PresenceState.Away), ahead, new NodeName("pbx1"), Berlin));
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

        var ownView = await Assert.ThrowsAsync<ValidationException>(() => gateway.SetSiteViewAsync(new DeviceId("PJSIP/1"), SiteId.Local, DeviceState.InUse));
        var ownImport = await Assert.ThrowsAsync<ValidationException>(() => gateway.ImportMailboxAsync(box, new MailboxCounts(1, 0), 100, new NodeName("n1"), SiteId.Local));
        var echoed = await Assert.ThrowsAsync<ValidationException>(() =>
            gateway.ImportMailboxAsync(box, new MailboxCounts(1, 0), 100, NodeName.Imported(new NodeName("n1"), new SiteId("rome")), Berlin));
        var zero = await Assert.ThrowsAsync<ValidationException>(() => gateway.ImportMailboxAsync(box, new MailboxCounts(1, 0), 0, new NodeName("n1"), Berlin));
        var undefined = await Assert.ThrowsAsync<ValidationException>(() => gateway.SetSiteViewAsync(new DeviceId("PJSIP/1"), Berlin, (DeviceState)99));

        Assert.Equal(["site", "site", "writer", "stamp", "state"], new[] { ownView, ownImport, echoed, zero, undefined }.Select(e => e.Field));
        Assert.Null(await gateway.GetMailboxAsync(box));
    }
}
