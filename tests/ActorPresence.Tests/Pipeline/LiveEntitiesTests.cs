using ActorPresence.Entities;
using Akka.TestKit.Xunit2;

namespace ActorPresence.Tests.Pipeline;

public sealed class LiveEntitiesTests : TestKit
{
    [Fact]
    public void Only_actors_untouched_for_the_idle_time_are_asked_to_stop_and_only_once()
    {
        var live = new LiveEntities();
        live.Add("idle", CreateTestProbe(), now: 0);
        live.Add("busy", CreateTestProbe(), now: 0);
        live.TryTell("busy", "write", null, now: 900);

        var asked = live.StartPassivating(now: 1000, idleFor: 500);

        Assert.Equal(["idle"], asked.Select(a => a.Id));
        Assert.Empty(live.StartPassivating(now: 1000, idleFor: 500));
    }

    [Fact]
    public void Messages_sent_while_an_actor_decides_are_held_and_replayed_to_it_when_it_stays()
    {
        var actor = CreateTestProbe();
        var live = new LiveEntities();
        live.Add("PJSIP/1", actor, now: 0);
        live.StartPassivating(now: 1000, idleFor: 10);

        Assert.True(live.TryTell("PJSIP/1", "held-1", null, now: 1001));
        Assert.True(live.TryTell("PJSIP/1", "held-2", null, now: 1002));
        actor.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        live.Stayed("PJSIP/1", pinned: false, now: 1003);
        actor.ExpectMsg("held-1");
        actor.ExpectMsg("held-2");
    }

    [Fact]
    public void A_stopped_actor_hands_over_what_was_held_for_it_and_is_forgotten()
    {
        var actor = CreateTestProbe();
        var live = new LiveEntities();
        live.Add("PJSIP/1", actor, now: 0);
        live.StartPassivating(now: 1000, idleFor: 10);
        live.TryTell("PJSIP/1", "for-the-next-one", TestActor, now: 1001);

        Assert.True(live.Remove("PJSIP/1", actor, out var held));

        Assert.Equal([("for-the-next-one", (Akka.Actor.IActorRef?)TestActor)], held!.Select(h => (h.Message, h.Sender)));
        Assert.False(live.IsLive("PJSIP/1"));
        Assert.False(live.TryTell("PJSIP/1", "x", null, now: 1002));
    }

    [Fact]
    public void A_stop_notice_from_an_earlier_actor_of_the_entity_does_not_remove_the_current_one()
    {
        var earlier = CreateTestProbe();
        var current = CreateTestProbe();
        var live = new LiveEntities();
        live.Add("PJSIP/1", current, now: 0);

        Assert.False(live.Remove("PJSIP/1", earlier, out _));
        Assert.True(live.IsLive("PJSIP/1"));
    }

    [Fact]
    public void A_pinned_actor_is_not_asked_again_until_a_message_reaches_it()
    {
        var live = new LiveEntities();
        live.Add("PJSIP/1", CreateTestProbe(), now: 0);
        live.StartPassivating(now: 1000, idleFor: 10);
        live.Stayed("PJSIP/1", pinned: true, now: 1000);

        Assert.Empty(live.StartPassivating(now: 5000, idleFor: 10));

        live.TryTell("PJSIP/1", "withdraw", null, now: 5000);
        Assert.Single(live.StartPassivating(now: 9000, idleFor: 10));
    }
}
