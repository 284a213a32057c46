using ActorPresence.Entities;
using Akka.TestKit.Xunit2;
using static ActorPresence.Entities.Messages.EntityQueries;

namespace ActorPresence.Tests.Pipeline;

public sealed class ReplicaPollTests : TestKit
{
    [Fact]
    public void A_round_ends_when_every_key_answered_and_one_asked_for_meanwhile_follows_it()
    {
        var poll = new ReplicaPoll(keyCount: 3);
        Assert.True(poll.TryStart());
        Assert.False(poll.TryStart());

        Assert.False(poll.Answered());
        Assert.False(poll.Answered());
        Assert.True(poll.Answered());

        Assert.Equal(1, poll.Completed);
        Assert.True(poll.MustPollAgain);
        Assert.True(poll.TryStart());
        Assert.False(poll.MustPollAgain);
    }

    [Fact]
    public void A_listing_is_answered_only_after_a_round_that_started_after_it_came()
    {
        var poll = new ReplicaPoll(keyCount: 1);
        poll.TryStart();
        // Asked while round 1 runs: it needs round 2, which may see writes round 1 missed.
        poll.Waiting.Add((new ListIds("", null, 10), TestActor, poll.Started + 1));

        poll.Answered();
        Assert.Empty(poll.TakeSatisfied());
        Assert.True(poll.MustPollAgain);

        poll.TryStart();
        poll.Answered();
        Assert.Single(poll.TakeSatisfied());
        Assert.Empty(poll.Waiting);
    }
}
