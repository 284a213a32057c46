using ActorPresence.Domain;
using ActorPresence.Entities;
using ActorPresence.Replication;
using ActorPresence.Supervision;
using Akka.Actor;
using Akka.DistributedData;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorPresence.Cluster.Tests;

/// <summary>A manager that fails never leaves its subscribers silent: they go on receiving changes,
/// or their subscription ends with an error that says why.</summary>
public sealed class ManagerFailureTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Subscribers_of_a_manager_that_fails_get_the_current_state_again_and_then_every_later_change()
    {
        await using var cluster = await TestCluster.StartAsync(2, Output!);
        var writer = cluster[0];
        var watcher = cluster[1];
        var lamp = new DeviceId("PJSIP/7000");
        await writer.Api.SetDeviceStateAsync(lamp, DeviceState.InUse);
        // In the watcher's replica, not only held ahead of it: what a manager holds ahead of its
        // replica goes with a failed manager, and comes back only when distributed data brings it.
        await AwaitAssertAsync(async () => Assert.True(await InReplicaAsync(watcher, lamp.Value)), Converge);
        await using var one = await Recorder.StartAsync(watcher.Api, SubscriptionFilter.Device(lamp));
        await using var prefix = await Recorder.StartAsync(watcher.Api, SubscriptionFilter.WithPrefix(EntityKind.Device, "PJSIP/7"));
        await AwaitAssertAsync(() => Assert.All(new[] { one, prefix }, r => Assert.Single(r.Events)), Converge);
        var runtime = ActorPresenceRuntime.Get(watcher.System);

        runtime.Devices.Tell(Kill.Instance);

        // Both subscribers get the current state again (initial events), and the manager comes back up.
        await AwaitAssertAsync(() => Assert.All(new[] { one, prefix }, r => Assert.Equal(2, r.Events.Count(e => e.IsInitial))), Converge);
        await AwaitAssertAsync(() => Assert.Equal(PipelineState.Up, runtime.Health[EntityKind.Device].State), Converge);
        await writer.Api.SetDeviceStateAsync(lamp, DeviceState.Ringing);
        await watcher.Api.SetDeviceStateAsync(lamp, DeviceState.OnHold);
        await AwaitAssertAsync(() => Assert.All(new[] { one, prefix }, r =>
        {
            var last = Assert.IsType<DeviceStateEvent>(r.Events[^1]);
            Assert.False(last.IsInitial);
            Assert.Equal(DeviceState.RingInUse, last.Device.State);
            Assert.Equal(["node1", "node2"], last.Device.Views.Select(v => v.Node.Value).Order());
        }), Converge);
        // The manager's restart took nothing from the other kinds.
        Assert.Equal(PipelineState.Up, runtime.Health[EntityKind.Mailbox].State);
    }

    private static async Task<bool> InReplicaAsync(TestNode node, string device)
    {
        var key = new KeySpace(EntityKind.Device, ActorPresenceRuntime.Get(node.System).Settings.KeyCount).KeyOf(device);
        var answer = await DistributedData.Get(node.System).Replicator.Ask(Dsl.Get(key, ReadLocal.Instance), TimeSpan.FromSeconds(5));
        return answer is GetSuccess success && success.Get(key).Get(device).Entries.Length > 0;
    }

    [Fact]
    public async Task A_manager_that_keeps_failing_is_stopped_its_subscriptions_end_with_the_reason_and_its_kind_is_refused()
    {
        await using var cluster = await TestCluster.StartAsync(1, Output!);
        var node = cluster[0];
        var lamp = new DeviceId("PJSIP/7100");
        await node.Api.SetDeviceStateAsync(lamp, DeviceState.InUse);
        await using var subscription = await node.Api.SubscribeAsync(SubscriptionFilter.Device(lamp));
        var runtime = ActorPresenceRuntime.Get(node.System);

        // One failure more than the supervisor restarts within its window; each kill goes to the
        // instance running by then.
        for (var i = 0; i <= ActorPresenceSupervisor.MaxRestarts; i++)
        {
            runtime.Devices.Tell(Kill.Instance);
        }

        await AwaitAssertAsync(() => Assert.Equal(PipelineState.Stopped, runtime.Health[EntityKind.Device].State), Converge);
        var ended = await Assert.ThrowsAsync<SubscriptionSourceLostException>(async () =>
        {
            await foreach (var _ in subscription.Events.ReadAllAsync())
            {
            }
        });
        Assert.Contains("device manager of this node stopped", ended.Message, StringComparison.Ordinal);
        var refused = await Assert.ThrowsAsync<PipelineUnavailableException>(() => node.Api.SetDeviceStateAsync(lamp, DeviceState.Busy));
        Assert.Contains("no longer serves device state", refused.Message, StringComparison.Ordinal);
        // The other kinds go on.
        Assert.True((await node.Api.SetMailboxAsync(new MailboxId("7100"), new MailboxCounts(1, 0))).Changed);
    }
}
