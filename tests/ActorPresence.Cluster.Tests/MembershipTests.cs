using ActorPresence.Domain;
using Akka.Cluster;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorPresence.Cluster.Tests;

public sealed class MembershipTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_node_that_joins_late_receives_the_full_state()
    {
        await using var cluster = await TestCluster.StartAsync(2, Output!);
        for (var i = 0; i < 20; i++)
        {
            await cluster[i % 2].Api.SetDeviceStateAsync(new DeviceId($"PJSIP/{100 + i}"), DeviceState.InUse);
            await cluster[i % 2].Api.SetMailboxAsync(new MailboxId($"{100 + i}@default"), new MailboxCounts(i, 1));
            await cluster[i % 2].Api.SetPresenceAsync(new PresentityId($"user{i}"), new Presence(PresenceState.Chat, "", $"hello {i}"));
        }
        await cluster[1].Api.SetDeviceStateAsync(new DeviceId("PJSIP/100"), DeviceState.Ringing);

        var late = await cluster.AddNodeAsync("late");

        await AwaitAssertAsync(async () =>
        {
            Assert.Equal(20, (await late.Api.ListIdsAsync(EntityKind.Device, "PJSIP/")).Count);
            Assert.Equal(20, (await late.Api.ListIdsAsync(EntityKind.Mailbox)).Count);
            Assert.Equal(20, (await late.Api.ListIdsAsync(EntityKind.Presence)).Count);
            Assert.Equal(DeviceState.RingInUse, (await late.Api.GetDeviceAsync(new DeviceId("PJSIP/100")))?.State);
            Assert.Equal(new MailboxCounts(19, 1), (await late.Api.GetMailboxAsync(new MailboxId("119")))?.Counts);
            Assert.Equal("hello 7", (await late.Api.GetPresenceAsync(new PresentityId("user7")))?.Presence.Message);
        }, Converge);

        // A subscriber to everything on the new node starts from that full state.
        await using var everything = await Recorder.StartAsync(late.Api, SubscriptionFilter.Everything);
        await AwaitAssertAsync(() =>
        {
            var initial = everything.Events.Where(e => e.IsInitial).ToList();
            Assert.Equal(60, initial.Count);
            Assert.Equal(60, initial.Select(e => (e.Kind, e.Id)).Distinct().Count());
        }, Converge);
    }

    [Fact]
    public async Task A_member_that_leaves_gracefully_has_its_views_removed_and_subscribers_are_told()
    {
        await using var cluster = await TestCluster.StartAsync(3, Output!);
        var lamp = new DeviceId("PJSIP/2000");
        await cluster[0].Api.SetDeviceStateAsync(lamp, DeviceState.NotInUse);
        await cluster[2].Api.SetDeviceStateAsync(lamp, DeviceState.Busy);
        await AwaitAssertAsync(async () => Assert.Equal(DeviceState.Busy, (await cluster[1].Api.GetDeviceAsync(lamp))?.State), Converge);
        await using var watcher = await Recorder.StartAsync(cluster[1].Api, SubscriptionFilter.Device(lamp));

        var leaving = cluster[2];
        await leaving.Cluster.LeaveAsync();
        cluster.Remove(leaving);
        await leaving.DisposeAsync();

        await AssertViewsOfNode3GoneAsync(cluster, lamp, watcher);
    }

    [Fact]
    public async Task A_member_that_is_downed_has_its_views_removed_and_subscribers_are_told()
    {
        await using var cluster = await TestCluster.StartAsync(3, Output!);
        var lamp = new DeviceId("PJSIP/3000");
        await cluster[0].Api.SetDeviceStateAsync(lamp, DeviceState.NotInUse);
        await cluster[2].Api.SetDeviceStateAsync(lamp, DeviceState.Busy);
        await AwaitAssertAsync(async () => Assert.Equal(DeviceState.Busy, (await cluster[1].Api.GetDeviceAsync(lamp))?.State), Converge);
        await using var watcher = await Recorder.StartAsync(cluster[1].Api, SubscriptionFilter.WithPrefix(EntityKind.Device, "PJSIP/"));

        var dead = cluster[2];
        cluster.Remove(dead);
        await cluster.PartitionAsync(cluster.Nodes, [dead]);
        await AwaitAssertAsync(() => Assert.Contains(cluster[0].Cluster.State.Unreachable, m => m.Address.Equals(dead.Address)), Converge);
        cluster[0].Cluster.Down(dead.Address);

        await AssertViewsOfNode3GoneAsync(cluster, lamp, watcher);
        await dead.DisposeAsync();
    }

    private async Task AssertViewsOfNode3GoneAsync(TestCluster survivors, DeviceId lamp, Recorder watcher)
    {
        foreach (var node in survivors.Nodes)
        {
            await AwaitAssertAsync(async () =>
            {
                Assert.DoesNotContain(node.Cluster.State.Members, m => MemberName(m) == "node3");
                var device = await node.Api.GetDeviceAsync(lamp);
                Assert.Equal(DeviceState.NotInUse, device?.State);
                Assert.Equal("node1", Assert.Single(device!.Views).Node.Value);
            }, Converge);
        }
        await AwaitAssertAsync(() =>
        {
            var last = Assert.IsType<DeviceStateEvent>(watcher.Events.Last(e => e.Id == lamp.Value));
            Assert.False(last.IsInitial);
            Assert.Equal("node3", last.Origin.Value);
            Assert.Equal(DeviceState.NotInUse, last.Device.State);
        }, Converge);
    }

    private static string? MemberName(Member m) => Membership.MembershipActor.NodeNameOf(m);
}
