using ActorPresence.Domain;
using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;
using static ActorPresence.Entities.Messages.EntityQueries;

namespace ActorPresence.Cluster.Tests;

/// <summary>
/// Full-state gossip runs only every few seconds; a node that joins reads from a node already Up
/// the keys that differ from it, and a node that sees another become reachable again reads them
/// from every node. Here gossip is five minutes apart, and with it distributed data's delta
/// propagation (a fifth of the gossip interval: a minute), so only the repair can make these
/// converge in time. (At one minute apart, a delta round 12 s later carried the state as well:
/// the tests passed with a repair that read nothing.)
/// </summary>
public sealed class ReplicaRepairTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(20);

    private const string RareGossip = "akka.cluster.distributed-data.gossip-interval = 300s";

    /// <summary>Repairs run by the mailbox manager of <paramref name="node"/> so far.</summary>
    private static async Task<long> RepairsAsync(TestNode node) =>
        (await ActorPresenceRuntime.Get(node.System).Mailboxes.Ask<ManagerStats>(GetStats.Instance, TimeSpan.FromSeconds(5))).Repairs;

    [Fact]
    public async Task A_node_that_joins_gets_every_entity_at_once_not_at_the_next_full_state_gossip()
    {
        // One node Up, so the newcomer's repair reads from the node that holds every write (a node's
        // replica gets another's writes by deltas, which are a minute apart here).
        await using var cluster = await TestCluster.StartAsync(1, Output!, hocon: RareGossip);
        for (var i = 0; i < 50; i++)
        {
            await cluster[0].Api.SetMailboxAsync(new MailboxId($"join{i}"), new MailboxCounts(i, 0));
        }

        var before = await RepairsAsync(cluster[0]);
        var newcomer = await cluster.AddNodeAsync("node2");

        // The newcomer repairs its replica as it joins; the nodes already Up read nothing from it.
        await AwaitAssertAsync(async () => Assert.True(await RepairsAsync(newcomer) > 0), Converge);
        await AwaitAssertAsync(async () => Assert.Equal(50, (await newcomer.Api.ListIdsAsync(EntityKind.Mailbox, "join")).Count), Converge);
        Assert.Equal(new MailboxCounts(49, 0), (await newcomer.Api.GetMailboxAsync(new MailboxId("join49")))?.Counts);
        await AwaitAssertAsync(() => Assert.Equal(2, newcomer.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up)), Converge);
        Assert.Equal(before, await RepairsAsync(cluster[0]));
        Assert.Equal(1, await RepairsAsync(newcomer));
    }

    [Fact]
    public async Task Writes_both_sides_made_while_cut_off_converge_once_the_link_is_back_not_at_the_next_full_state_gossip()
    {
        await using var cluster = await TestCluster.StartAsync(2, Output!, hocon: RareGossip);
        var (a, b) = (cluster[0], cluster[1]);
        await cluster.PartitionAsync([a], [b]);
        await AwaitAssertAsync(() =>
        {
            Assert.Single(a.Cluster.State.Unreachable);
            Assert.Single(b.Cluster.State.Unreachable);
        }, Converge);

        // Neither the direct path nor a delta crosses the cut: both are dropped.
        await a.Api.SetMailboxAsync(new MailboxId("cut-a"), new MailboxCounts(1, 0));
        await b.Api.SetMailboxAsync(new MailboxId("cut-b"), new MailboxCounts(2, 0));
        await a.Api.SetDeviceStateAsync(new DeviceId("PJSIP/cut"), DeviceState.InUse);
        await b.Api.SetDeviceStateAsync(new DeviceId("PJSIP/cut"), DeviceState.Ringing);

        var (repairsA, repairsB) = (await RepairsAsync(a), await RepairsAsync(b));
        await cluster.HealAsync([a], [b]);

        // Each side repairs its replica when it sees the other reachable again.
        await AwaitAssertAsync(async () =>
        {
            Assert.True(await RepairsAsync(a) > repairsA);
            Assert.True(await RepairsAsync(b) > repairsB);
        }, Converge);

        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () =>
            {
                Assert.Equal(new MailboxCounts(1, 0), (await node.Api.GetMailboxAsync(new MailboxId("cut-a")))?.Counts);
                Assert.Equal(new MailboxCounts(2, 0), (await node.Api.GetMailboxAsync(new MailboxId("cut-b")))?.Counts);
                Assert.Equal(DeviceState.RingInUse, (await node.Api.GetDeviceAsync(new DeviceId("PJSIP/cut")))?.State);
            }, Converge);
        }
    }
}
