using ActorPresence.Domain;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorPresence.Cluster.Tests;

public sealed class DeviceReplicationTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_view_set_on_one_node_appears_on_the_others_with_the_aggregate()
    {
        await using var cluster = await TestCluster.StartAsync(3, Output!);
        var lamp = new DeviceId("PJSIP/1000");

        var written = await cluster[0].Api.SetDeviceStateAsync(lamp, DeviceState.InUse);

        Assert.True(written.Changed);
        Assert.Equal(DeviceState.InUse, written.State.State);

        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () =>
            {
                var device = await node.Api.GetDeviceAsync(lamp);
                Assert.NotNull(device);
                Assert.Equal(DeviceState.InUse, device.State);
                var view = Assert.Single(device.Views);
                Assert.Equal("node1", view.Node.Value);
                Assert.Equal(DeviceState.InUse, view.State);
            }, Converge);
        }
    }

    [Fact]
    public async Task InUse_on_one_node_and_Ringing_on_another_is_RingInUse_everywhere_and_withdrawing_recomputes()
    {
        await using var cluster = await TestCluster.StartAsync(3, Output!);
        var lamp = new DeviceId("Custom:lamp1");

        await cluster[0].Api.SetDeviceStateAsync(lamp, DeviceState.InUse);
        await cluster[1].Api.SetDeviceStateAsync(lamp, DeviceState.Ringing);

        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () =>
            {
                var device = await node.Api.GetDeviceAsync(lamp);
                Assert.Equal(DeviceState.RingInUse, device?.State);
                Assert.Equal(["node1", "node2"], device!.Views.Select(v => v.Node.Value).Order());
            }, Converge);
        }

        Assert.True((await cluster[0].Api.WithdrawDeviceStateAsync(lamp)).Changed);
        Assert.False((await cluster[0].Api.WithdrawDeviceStateAsync(lamp)).Changed);

        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () =>
            {
                var device = await node.Api.GetDeviceAsync(lamp);
                Assert.Equal(DeviceState.Ringing, device?.State);
                Assert.Equal("node2", Assert.Single(device!.Views).Node.Value);
            }, Converge);
        }

        await cluster[1].Api.WithdrawDeviceStateAsync(lamp);
        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () => Assert.Null(await node.Api.GetDeviceAsync(lamp)), Converge);
        }
    }
}
