using ActorPresence.Domain;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorPresence.Cluster.Tests;

/// <summary>
/// The two bugs CrashTests found with SIGKILLed node processes, pinned here in one process and
/// without chance: the condition each needed is made on purpose instead of waited for.
/// </summary>
public sealed class CrashRegressionTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Survivors stranded direct-path changes: a view its writer withdrew just before it died reached
    /// the others only by the direct path (its delta never left), so their replicas still held the
    /// older INUSE; a node joining later got that from them and kept it. Survivors now write such
    /// changes to their replicas when the writer is removed.
    /// </summary>
    [Fact]
    public async Task Survivors_stranded_direct_path_changes__a_view_withdrawn_just_before_its_writer_died_does_not_come_back_on_a_node_that_joins_later()
    {
        await using var cluster = await TestCluster.StartAsync(3, Output!);
        var (survivor1, survivor2, writer) = (cluster[0], cluster[1], cluster[2]);
        var lamp = new DeviceId("PJSIP/8000");
        await writer.Api.SetDeviceStateAsync(lamp, DeviceState.InUse);
        await AwaitAssertAsync(async () =>
        {
            Assert.Equal(DeviceState.InUse, (await ViewInReplicaAsync(survivor1, lamp, writer.Name))?.State);
            Assert.Equal(DeviceState.InUse, (await ViewInReplicaAsync(survivor2, lamp, writer.Name))?.State);
        }, Converge);

        // The writer withdraws its view, and only the direct path carries it: the withdrawal
        // reaches the survivors' managers as the writer's outbox sends it, and no replica has it.
        var inUse = (await ViewInReplicaAsync(survivor1, lamp, writer.Name))!;
        var withdrawal = new DeviceViewEntry(inUse.Stamp with { Ticks = inUse.Stamp.Ticks + 1 }, inUse.Incarnation, null);
        foreach (var survivor in new[] { survivor1, survivor2 })
        {
            ActorPresenceRuntime.Get(survivor.System).Devices.Tell(new DirectChanges(EntityKind.Device, [new DirectChange(lamp.Value, withdrawal)]));
            await AwaitAssertAsync(async () => Assert.Null(await survivor.Api.GetDeviceAsync(lamp)), Converge);
        }
        Assert.Equal(DeviceState.InUse, (await ViewInReplicaAsync(survivor1, lamp, writer.Name))?.State);

        // The writer dies before anything else leaves it, and is removed.
        var writerAddress = writer.Address;
        cluster.Remove(writer);
        await writer.CrashAsync();
        survivor1.Cluster.Down(writerAddress);
        await AwaitAssertAsync(() => Assert.DoesNotContain(survivor1.Cluster.State.Members, m => m.Address.Equals(writerAddress)), Converge);

        // The survivors wrote the withdrawal to their replicas, so a node joining now gets it.
        await AwaitAssertAsync(async () => Assert.Null((await ViewInReplicaAsync(survivor1, lamp, writer.Name))?.State), Converge);
        var newcomer = await cluster.AddNodeAsync("node4");
        await AwaitAssertAsync(async () => Assert.NotNull(await ViewInReplicaAsync(newcomer, lamp, writer.Name)), Converge);
        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () => Assert.Null(await node.Api.GetDeviceAsync(lamp)), Converge);
        }
    }

    /// <summary>
    /// A restarted node kept a stale view under its own name: a live view of its earlier incarnation,
    /// gossiped to it by a node that never saw that incarnation removed, stayed on every node although
    /// a restarted node holds no view until its host sets one again. It now withdraws such a view.
    /// </summary>
    [Fact]
    public async Task A_restarted_node_kept_a_stale_view_under_its_own_name__it_withdraws_a_live_view_of_its_earlier_incarnation()
    {
        await using var cluster = await TestCluster.StartAsync(2, Output!);
        var (other, restarted) = (cluster[0], cluster[1]);
        var lamp = new DeviceId("PJSIP/8100");
        var earlierIncarnation = restarted.Cluster.SelfUniqueAddress.Uid + 1;

        // The other node's replica holds a live view under the restarted node's name, written by an
        // incarnation of it that nobody removed.
        var stale = new DeviceViewEntry(new Stamp(DateTimeOffset.UtcNow.UtcTicks, restarted.Name), earlierIncarnation, DeviceState.Busy);
        var key = KeyOf(other, lamp);
        var updated = await DistributedData.Get(other.System).Replicator.Ask(
            Dsl.Update(key, EntityMap.Empty, WriteLocal.Instance, map => map.Put(lamp.Value, stale)), TimeSpan.FromSeconds(5));
        Assert.IsType<UpdateSuccess>(updated);

        // Gossip brings it to the restarted node, which withdraws it; every node ends with no view.
        await AwaitAssertAsync(async () =>
        {
            var view = await ViewInReplicaAsync(other, lamp, restarted.Name);
            Assert.NotNull(view);
            Assert.Null(view.State);
            Assert.Equal(earlierIncarnation, view.Incarnation);
        }, Converge);
        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () => Assert.Null(await node.Api.GetDeviceAsync(lamp)), Converge);
        }
    }

    private static EntityMapKey KeyOf(TestNode node, DeviceId device) =>
        new KeySpace(EntityKind.Device, ActorPresenceRuntime.Get(node.System).Settings.KeyCount).KeyOf(device.Value);

    /// <summary>A node's view of a device as the local replica holds it, or null.</summary>
    private static async Task<DeviceViewEntry?> ViewInReplicaAsync(TestNode node, DeviceId device, string viewOwner)
    {
        var key = KeyOf(node, device);
        var answer = await DistributedData.Get(node.System).Replicator.Ask(Dsl.Get(key, ReadLocal.Instance), TimeSpan.FromSeconds(5));
        return answer is GetSuccess success ? success.Get(key).Get(device.Value).Find(viewOwner) as DeviceViewEntry : null;
    }
}
