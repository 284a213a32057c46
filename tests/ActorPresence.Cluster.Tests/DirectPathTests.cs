using ActorPresence.Domain;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.DistributedData;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;
using static ActorPresence.Entities.Messages.EntityCommands;
using static ActorPresence.Entities.Messages.EntityQueries;

namespace ActorPresence.Cluster.Tests;

/// <summary>The two paths: straight to the other nodes, and through distributed data. Either alone
/// delivers every change; together they never deliver one twice.</summary>
public sealed class DirectPathTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(15);

    private static readonly DeviceState[] Cycle =
        [DeviceState.Ringing, DeviceState.InUse, DeviceState.OnHold, DeviceState.Busy, DeviceState.NotInUse];

    [Fact]
    public async Task Changes_reach_the_other_nodes_over_the_direct_path_while_distributed_data_is_idle()
    {
        // Distributed data would take ten minutes to gossip or to notify anyone: only the direct path can deliver.
        await using var cluster = await TestCluster.StartAsync(3, Output!, hocon: """
            akka.cluster.distributed-data.gossip-interval = 10m
            akka.cluster.distributed-data.notify-subscribers-interval = 10m
            actorpresence.replica-poll-interval = 10m
            """);
        var lamp = new DeviceId("PJSIP/6000");
        var box = new MailboxId("6000");
        await using var watcher = await Recorder.StartAsync(cluster[2].Api, SubscriptionFilter.Device(lamp));

        await cluster[0].Api.SetDeviceStateAsync(lamp, DeviceState.Ringing);
        await cluster[0].Api.SetMailboxAsync(box, new MailboxCounts(1, 0));

        await AwaitAssertAsync(async () =>
        {
            Assert.Equal(DeviceState.Ringing, (await cluster[2].Api.GetDeviceAsync(lamp))?.State);
            Assert.Equal(new MailboxCounts(1, 0), (await cluster[1].Api.GetMailboxAsync(box))?.Counts);
        }, Converge);
        await AwaitAssertAsync(() => Assert.Equal(DeviceState.Ringing, Assert.IsType<DeviceStateEvent>(Assert.Single(watcher.Events)).Device.State), Converge);
    }

    [Fact]
    public async Task With_the_direct_path_cut_changes_still_arrive_through_distributed_data_in_order()
    {
        // node1 drops everything it would send directly; only distributed data carries its changes.
        await using var cluster = await TestCluster.StartAsync(1, Output!, o => o.DirectPathEnabled = false);
        await cluster.AddNodeAsync("node2");
        await cluster.AddNodeAsync("node3");
        var lamp = new DeviceId("PJSIP/7000");
        var box = new MailboxId("7000");
        await using var one = await Recorder.StartAsync(cluster[2].Api, SubscriptionFilter.Device(lamp));
        await using var all = await Recorder.StartAsync(cluster[1].Api, SubscriptionFilter.Everything);

        var written = new List<DeviceState>();
        for (var i = 0; i < 25; i++)
        {
            var state = Cycle[i % Cycle.Length];
            await cluster[0].Api.SetDeviceStateAsync(lamp, state);
            written.Add(state);
        }
        await cluster[0].Api.SetMailboxAsync(box, new MailboxCounts(4, 2, 1));

        foreach (var node in cluster.Nodes.Skip(1))
        {
            await AwaitAssertAsync(async () =>
            {
                Assert.Equal(written[^1], (await node.Api.GetDeviceAsync(lamp))?.State);
                Assert.Equal(new MailboxCounts(4, 2, 1), (await node.Api.GetMailboxAsync(box))?.Counts);
            }, Converge);
        }
        // Distributed data may fold several quick changes into one; what arrives is in write order, once each, ending with the last.
        foreach (var recorder in new[] { one, all })
        {
            await AwaitAssertAsync(() =>
            {
                var seen = recorder.Events.OfType<DeviceStateEvent>().ToList();
                Assert.Equal(written[^1], seen[^1].Device.State);
                var stamps = seen.Select(e => e.Device.Views.Single().UpdatedAt).ToList();
                Assert.Equal(stamps.Order(), stamps);
                Assert.Equal(stamps.Count, stamps.Distinct().Count());
            }, Converge);
        }
    }

    [Fact]
    public async Task With_both_paths_working_no_subscriber_sees_a_change_twice()
    {
        await using var cluster = await TestCluster.StartAsync(3, Output!);
        var lamp = new DeviceId("PJSIP/8000");
        var receiver = cluster[2];
        await using var one = await Recorder.StartAsync(receiver.Api, SubscriptionFilter.Device(lamp));
        await using var prefix = await Recorder.StartAsync(receiver.Api, SubscriptionFilter.WithPrefix(EntityKind.Device, "PJSIP/8"));

        var written = new List<DeviceState>();
        for (var i = 0; i < 50; i++)
        {
            var state = Cycle[i % Cycle.Length];
            await cluster[0].Api.SetDeviceStateAsync(lamp, state);
            written.Add(state);
        }

        // Wait until distributed data on the receiver has delivered the last write too ...
        var last = (await cluster[0].Api.GetDeviceAsync(lamp))!.Views.Single().UpdatedAt;
        var key = new KeySpace(EntityKind.Device, ActorPresenceRuntime.Get(receiver.System).Settings.KeyCount).KeyOf(lamp.Value);
        var probe = CreateTestProbe(receiver.System);
        DistributedData.Get(receiver.System).Replicator.Tell(Dsl.Subscribe(key, probe.Ref));
        await probe.FishForMessageAsync<Changed>(
            c => c.Get(key).Get(lamp.Value).Entries.OfType<DeviceViewEntry>().Any(e => e.Stamp.Time == last),
            Converge);
        // ... and the manager has read the replica twice since (so at least once after it held the
        // last write), and the entity actor has handled what that read forwarded (they answer in order) ...
        var devices = ActorPresenceRuntime.Get(receiver.System).Devices;
        var polls = (await devices.Ask<ManagerStats>(GetStats.Instance, Converge)).ReplicaPolls;
        await AwaitAssertAsync(async () => Assert.True((await devices.Ask<ManagerStats>(GetStats.Instance, Converge)).ReplicaPolls >= polls + 2), Converge);
        await receiver.Api.GetDeviceAsync(lamp);
        // ... then one more change: anything delivered twice would have come before it.
        await cluster[0].Api.SetDeviceStateAsync(lamp, DeviceState.Unavailable);
        written.Add(DeviceState.Unavailable);

        foreach (var recorder in new[] { one, prefix })
        {
            await AwaitAssertAsync(() => Assert.Equal(DeviceState.Unavailable, Assert.IsType<DeviceStateEvent>(recorder.Events[^1]).Device.State), Converge);
            var events = recorder.Events.Cast<DeviceStateEvent>().ToList();
            Assert.Equal(written, events.Select(e => e.Device.State));
            var stamps = events.Select(e => e.Device.Views.Single().UpdatedAt).ToList();
            Assert.Equal(stamps.Count, stamps.Distinct().Count());
        }
    }
}
