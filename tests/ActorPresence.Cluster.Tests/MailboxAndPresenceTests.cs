using ActorPresence.Domain;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorPresence.Cluster.Tests;

public sealed class MailboxAndPresenceTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Mailbox_counts_and_presence_written_on_one_node_are_read_on_the_others()
    {
        await using var cluster = await TestCluster.StartAsync(3, Output!);
        var box = new MailboxId("1000");
        var alice = new PresentityId("alice");

        await cluster[0].Api.SetMailboxAsync(box, new MailboxCounts(2, 5, 1));
        await cluster[1].Api.SetPresenceAsync(alice, new Presence(PresenceState.Away, "", "lunch"));

        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () =>
            {
                var mailbox = await node.Api.GetMailboxAsync(box);
                Assert.NotNull(mailbox);
                Assert.Equal(new MailboxCounts(2, 5, 1), mailbox.Counts);
                Assert.Equal("1000@default", mailbox.Id.Value);
                Assert.Equal("node1", mailbox.WrittenBy.Value);

                var presence = await node.Api.GetPresenceAsync(alice);
                Assert.NotNull(presence);
                Assert.Equal(new Presence(PresenceState.Away, "", "lunch"), presence.Presence);
                Assert.Equal("node2", presence.WrittenBy.Value);
            }, Converge);
        }
    }

    [Fact]
    public async Task Of_two_sequential_writes_from_different_nodes_the_later_one_wins_everywhere()
    {
        await using var cluster = await TestCluster.StartAsync(3, Output!);
        var box = new MailboxId("2000@sales");
        var bob = new PresentityId("bob");

        await cluster[0].Api.SetMailboxAsync(box, new MailboxCounts(1, 0));
        await cluster[0].Api.SetPresenceAsync(bob, new Presence(PresenceState.Available));
        // The second writer has seen the first write: it must win whatever the clocks say.
        await AwaitAssertAsync(async () => Assert.NotNull(await cluster[2].Api.GetMailboxAsync(box)), Converge);
        await AwaitAssertAsync(async () => Assert.NotNull(await cluster[2].Api.GetPresenceAsync(bob)), Converge);
        await cluster[2].Api.SetMailboxAsync(box, new MailboxCounts(0, 1));
        await cluster[2].Api.SetPresenceAsync(bob, new Presence(PresenceState.Dnd, "meeting", "back at 3"));

        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () =>
            {
                var mailbox = await node.Api.GetMailboxAsync(box);
                Assert.Equal(new MailboxCounts(0, 1), mailbox?.Counts);
                Assert.Equal("node3", mailbox!.WrittenBy.Value);
                var presence = await node.Api.GetPresenceAsync(bob);
                Assert.Equal(PresenceState.Dnd, presence?.Presence.State);
                Assert.Equal("back at 3", presence!.Presence.Message);
            }, Converge);
        }
    }

    [Fact]
    public async Task A_write_that_has_seen_another_wins_even_when_its_clock_is_behind()
    {
        // node2's clock runs an hour slow. Its write comes after it has seen node1's, so it must win.
        await using var cluster = await TestCluster.StartAsync(1, Output!);
        await cluster.AddNodeAsync("node2", o => o.Clock = new OffsetClock(TimeSpan.FromHours(-1)));

        var box = new MailboxId("3000");
        await cluster[0].Api.SetMailboxAsync(box, new MailboxCounts(7, 0));
        await AwaitAssertAsync(async () => Assert.NotNull(await cluster[1].Api.GetMailboxAsync(box)), Converge);
        await cluster[1].Api.SetMailboxAsync(box, new MailboxCounts(0, 7));

        foreach (var node in cluster.Nodes)
        {
            await AwaitAssertAsync(async () => Assert.Equal(new MailboxCounts(0, 7), (await node.Api.GetMailboxAsync(box))?.Counts), Converge);
        }
    }
}

/// <summary>A wall clock that is off by a fixed amount.</summary>
public sealed class OffsetClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
