using ActorPresence.Domain;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorPresence.Cluster.Tests;

public sealed class PartitionTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Writes_on_both_sides_of_a_partition_converge_to_the_same_state_after_it_heals()
    {
        // The split-brain resolver waits 60 s in tests, so both sides stay up through the partition.
        await using var cluster = await TestCluster.StartAsync(3, Output!);
        var majority = new[] { cluster[0], cluster[1] };
        var minority = new[] { cluster[2] };
        var lamp = new DeviceId("PJSIP/4000");
        var box = new MailboxId("4000");
        var carol = new PresentityId("carol");
        await cluster[0].Api.SetMailboxAsync(box, new MailboxCounts(1, 0));
        await AwaitAssertAsync(async () => Assert.NotNull(await cluster[2].Api.GetMailboxAsync(box)), Converge);

        await cluster.PartitionAsync(majority, minority);
        await AwaitAssertAsync(() => Assert.Single(cluster[0].Cluster.State.Unreachable), Converge);

        // Both sides write the same entities without seeing each other.
        await cluster[0].Api.SetDeviceStateAsync(lamp, DeviceState.InUse);
        await cluster[0].Api.SetMailboxAsync(box, new MailboxCounts(3, 0, 1));
        await cluster[0].Api.SetPresenceAsync(carol, new Presence(PresenceState.Away));
        await cluster[2].Api.SetDeviceStateAsync(lamp, DeviceState.Ringing);
        await cluster[2].Api.SetMailboxAsync(box, new MailboxCounts(0, 4));
        await cluster[2].Api.SetPresenceAsync(carol, new Presence(PresenceState.Xa, "", "on holiday"));

        // Each side converges on its own writes, and does not see the other side's.
        await AwaitAssertAsync(async () => Assert.Equal(new MailboxCounts(3, 0, 1), (await cluster[1].Api.GetMailboxAsync(box))?.Counts), Converge);
        Assert.Equal(DeviceState.InUse, (await cluster[1].Api.GetDeviceAsync(lamp))?.State);
        Assert.Equal(DeviceState.Ringing, (await cluster[2].Api.GetDeviceAsync(lamp))?.State);
        Assert.Equal(new MailboxCounts(0, 4), (await cluster[2].Api.GetMailboxAsync(box))?.Counts);

        await cluster.HealAsync(majority, minority);

        // node3 wrote last, so its mailbox and presence win; both views of the lamp survive.
        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () =>
            {
                var device = await node.Api.GetDeviceAsync(lamp);
                Assert.Equal(DeviceState.RingInUse, device?.State);
                Assert.Equal(2, device!.Views.Count);
                Assert.Equal(new MailboxCounts(0, 4), (await node.Api.GetMailboxAsync(box))?.Counts);
                Assert.Equal("on holiday", (await node.Api.GetPresenceAsync(carol))?.Presence.Message);
            }, Converge);
        }
        var mailboxes = await Task.WhenAll(cluster.Nodes.Select(n => n.Api.GetMailboxAsync(box)));
        Assert.Single(mailboxes.Distinct());
    }
}
