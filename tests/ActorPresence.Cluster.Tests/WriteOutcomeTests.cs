using ActorPresence.Domain;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.DistributedData.Durable;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorPresence.Cluster.Tests;

/// <summary>A durable store that loads nothing and never confirms a store: a disk that hangs.</summary>
public sealed class StalledStore : ReceiveActor
{
    public StalledStore(Config durableConfig)
    {
        _ = durableConfig;
        Receive<LoadAll>(_ => Sender.Tell(LoadAllCompleted.Instance));
        Receive<Store>(_ => { });
    }
}

public sealed class WriteOutcomeTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(20);

    private const string HangingDisk = """
        akka.cluster.distributed-data.durable.keys = ["ap-mailbox-*"]
        akka.cluster.distributed-data.durable.store-actor-class = "ActorPresence.Cluster.Tests.StalledStore, ActorPresence.Cluster.Tests"
        actorpresence.write-timeout = 1s
        """;

    [Fact]
    public async Task A_write_never_acknowledged_says_its_outcome_is_unknown_and_still_reaches_every_replica_as_later_writes_do()
    {
        await using var cluster = await TestCluster.StartAsync(1, Output!);
        var healthy = cluster[0];
        var hanging = await cluster.AddNodeAsync("node2", o => o.Hocon = HangingDisk);
        var box = new MailboxId("9000");

        var unknown = await Assert.ThrowsAsync<WriteOutcomeUnknownException>(() => hanging.Api.SetMailboxAsync(box, new MailboxCounts(1, 0)));

        Assert.Contains("outcome is unknown", unknown.Message, StringComparison.Ordinal);
        Assert.Equal(EntityKind.Mailbox, unknown.Kind);
        Assert.Equal("9000@default", unknown.Id);
        // The node went on with it: in its replica's memory, and from there in every other replica.
        await AwaitAssertAsync(async () => Assert.Equal(new MailboxCounts(1, 0), (await InReplicaAsync(healthy, box))?.Counts), Converge);

        // The store still hangs; a later write of the same key is not held back behind the first.
        await Assert.ThrowsAsync<WriteOutcomeUnknownException>(() => hanging.Api.SetMailboxAsync(box, new MailboxCounts(2, 5)));
        await AwaitAssertAsync(async () => Assert.Equal(new MailboxCounts(2, 5), (await InReplicaAsync(healthy, box))?.Counts), Converge);
        Assert.Equal(new MailboxCounts(2, 5), (await hanging.Api.GetMailboxAsync(box))?.Counts);
    }

    private static async Task<MailboxEntry?> InReplicaAsync(TestNode node, MailboxId box)
    {
        var key = new KeySpace(EntityKind.Mailbox, ActorPresenceRuntime.Get(node.System).Settings.KeyCount).KeyOf(box.Value);
        var answer = await DistributedData.Get(node.System).Replicator.Ask(Dsl.Get(key, ReadLocal.Instance), TimeSpan.FromSeconds(5));
        return answer is GetSuccess success ? success.Get(key).Get(box.Value).Find("") as MailboxEntry : null;
    }
}
