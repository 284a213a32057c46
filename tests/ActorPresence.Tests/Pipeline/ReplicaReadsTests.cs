using ActorPresence.Domain;
using ActorPresence.Entities;
using ActorPresence.Entities.Messages;
using ActorPresence.Replication;
using static ActorPresence.Entities.Messages.EntityHandshake;
using static ActorPresence.Entities.Messages.EntityQueries;
using static ActorPresence.Tests.Samples;

namespace ActorPresence.Tests.Pipeline;

/// <summary>Rounds of reads of the local replica, listings, and what a read brings to actors, subscribers
/// and the view.</summary>
public sealed class ReplicaReadsTests : ReplicaReadsFixture
{
    [Fact]
    public void A_round_reads_every_key_locally_and_completes_with_the_answer_for_its_last_key()
    {
        _reads.Poll();
        _reads.Poll();

        Assert.True(AnswerRound());
        Assert.Equal(1, _reads.RoundsCompleted);
        // The poll asked for while the round ran comes after it.
        _reads.PollAgainIfDue();
        Assert.True(AnswerRound());
        Assert.Equal(2, _reads.RoundsCompleted);
        _reads.PollAgainIfDue();
        _replicator.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_later_read_sends_a_live_entitys_change_to_its_actor_and_a_new_entitys_to_its_subscribers()
    {
        var queue = new SubscriptionQueue(10);
        _subscriptions.Add(SubscriptionFilter.Device(new DeviceId("PJSIP/2")), new Subscriber(CreateTestProbe(), queue), out _);
        var first = EntityMap.Empty.Put("PJSIP/1", View(1, "n2", DeviceState.InUse)).ResetDelta();
        _reads.Poll();
        AnswerRound(first);
        Assert.Empty(_routes.Routed);
        _routes.Live.Add("PJSIP/1");

        _reads.Poll();
        var second = first.Put("PJSIP/1", View(2, "n3", DeviceState.Busy)).ResetDelta();
        var third = EntityMap.Empty.Put("PJSIP/2", View(3, "n3", DeviceState.Ringing)).ResetDelta();
        AnswerRound(second, third);

        var (id, message) = Assert.Single(_routes.Routed);
        Assert.Equal("PJSIP/1", id);
        Assert.Equal(ChangeSource.Replica, Assert.IsType<ApplyEntries>(message).Source);
        Assert.True(queue.Reader.TryRead(out var change));
        Assert.Equal(DeviceState.Ringing, Assert.IsType<DeviceStateEvent>(change).Device.State);
        Assert.Equal(Slot.Of(View(3, "n3", DeviceState.Ringing)), _view.Current("PJSIP/2"));
    }

    [Fact]
    public void A_listing_is_answered_by_the_first_round_that_started_after_it_was_asked()
    {
        _reads.Poll();
        _reads.List(new ListIds("PJSIP/", null, 10), TestActor);
        var map = EntityMap.Empty.Put("PJSIP/1", View(1, "n2", DeviceState.InUse)).Put("SIP/9", View(1, "n2", DeviceState.InUse)).ResetDelta();

        AnswerRound(map);
        Assert.Empty(_reads.TakeListings());
        _reads.PollAgainIfDue();
        AnswerRound(map);

        var (replyTo, ids) = Assert.Single(_reads.TakeListings());
        Assert.Equal(TestActor, replyTo);
        Assert.Equal(["PJSIP/1"], ids);
    }

    [Fact]
    public void The_first_read_withdraws_a_view_left_by_an_earlier_incarnation_of_this_node()
    {
        var map = EntityMap.Empty
            .Put("PJSIP/1", View(1, "n1", DeviceState.InUse, incarnation: 1))
            .Put("PJSIP/2", View(1, "n1", DeviceState.InUse, incarnation: 2))
            .ResetDelta();
        _reads.Poll();

        AnswerRound(map);

        var tombstone = _outbox.ExpectMsg<LocalChange>();
        Assert.Equal("PJSIP/1", tombstone.Id);
        Assert.True(tombstone.ReplicaOnly);
        Assert.Null(Assert.IsType<DeviceViewEntry>(tombstone.Entry).State);
        _outbox.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }
}
