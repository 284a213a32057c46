using ActorPresence.Domain;
using ActorPresence.Entities;
using ActorPresence.Entities.Messages;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using static ActorPresence.Entities.Messages.EntityCommands;
using static ActorPresence.Entities.Messages.EntityHandshake;
using static ActorPresence.Tests.Samples;

namespace ActorPresence.Tests.Pipeline;

public sealed class ActorlessEntitiesTests : TestKit
{
    private readonly ReplicaView _view = new(new KeySpace(EntityKind.Device, 4));
    private readonly Subscriptions _subscriptions = new(EntityKind.Device);
    private readonly RecordingRoutes _routes = new();
    private readonly TestProbe _outbox;
    private readonly List<(Entry Entry, ChangeSource Source)> _counted = [];
    private readonly ActorlessEntities _actorless;

    public ActorlessEntitiesTests()
    {
        _outbox = CreateTestProbe();
        _actorless = new ActorlessEntities(
            DeviceModel.Instance, "n1", _view, _subscriptions, _routes, _outbox,
            (op, current) => DeviceModel.Instance.CreateEntry(op, current, At(100, ((IForeignView)op).Owner), 0),
            (entry, source) => _counted.Add((entry, source)));
    }

    private SubscriptionQueue Subscribe(string id)
    {
        var queue = new SubscriptionQueue(10);
        _subscriptions.Add(SubscriptionFilter.Device(new DeviceId(id)), new Subscriber(CreateTestProbe(), queue), out _);
        return queue;
    }

    private static List<StateEvent> Drain(SubscriptionQueue queue)
    {
        var events = new List<StateEvent>();
        while (queue.Reader.TryRead(out var e))
        {
            events.Add(e);
        }
        return events;
    }

    [Fact]
    public void A_change_from_another_node_is_held_ahead_of_the_replica_and_reaches_the_subscribers_once()
    {
        var queue = Subscribe("PJSIP/1");

        _actorless.Deliver("PJSIP/1", View(10, "n2", DeviceState.InUse), ChangeSource.Direct);
        _actorless.Deliver("PJSIP/1", View(10, "n2", DeviceState.InUse), ChangeSource.Replica);

        Assert.Equal(Slot.Of(View(10, "n2", DeviceState.InUse)), _view.Current("PJSIP/1"));
        Assert.Single(_view.Ahead());
        var change = Assert.IsType<DeviceStateEvent>(Assert.Single(Drain(queue)));
        Assert.Equal(DeviceState.InUse, change.Device.State);
        Assert.False(change.IsInitial);
        Assert.Equal([ChangeSource.Direct], _counted.Select(c => c.Source));
        Assert.Empty(_routes.Routed);
    }

    [Fact]
    public void A_change_to_an_entity_with_an_actor_goes_to_the_actor_and_nowhere_else()
    {
        var queue = Subscribe("PJSIP/1");
        _routes.Live.Add("PJSIP/1");

        _actorless.Deliver("PJSIP/1", View(10, "n2", DeviceState.InUse), ChangeSource.Direct);

        var (id, message) = Assert.Single(_routes.Routed);
        Assert.Equal("PJSIP/1", id);
        Assert.Equal(ChangeSource.Direct, Assert.IsType<ApplyEntries>(message).Source);
        Assert.Equal(Slot.Empty, _view.Current("PJSIP/1"));
        Assert.Empty(Drain(queue));
        Assert.Empty(_counted);
    }

    [Fact]
    public void A_new_subscription_gets_the_current_state_of_each_covered_entity_with_no_actor_marked_initial()
    {
        _actorless.Deliver("PJSIP/1", View(10, "n2", DeviceState.InUse), ChangeSource.Direct);
        _actorless.Deliver("PJSIP/2", View(11, "n2", DeviceState.Busy), ChangeSource.Direct);
        _actorless.Deliver("SIP/9", View(12, "n2", DeviceState.Busy), ChangeSource.Direct);
        _routes.Live.Add("PJSIP/2");
        var queue = new SubscriptionQueue(10);

        _actorless.SendCurrentStates(SubscriptionFilter.WithPrefix(EntityKind.Device, "PJSIP/"), new Subscriber(CreateTestProbe(), queue));

        var current = Assert.IsType<DeviceStateEvent>(Assert.Single(Drain(queue)));
        Assert.Equal("PJSIP/1", current.Device.Id.Value);
        Assert.Equal(DeviceState.InUse, current.Device.State);
        Assert.True(current.IsInitial);
    }

    [Fact]
    public void A_write_from_outside_the_site_is_held_and_sent_out_with_its_acknowledgement()
    {
        var site = new SiteId("paris");

        _actorless.WriteFromOutside(new Write("PJSIP/1", new SetSiteView(site, DeviceState.Busy)), TestActor);

        var sent = _outbox.ExpectMsg<LocalChange>();
        Assert.Equal("PJSIP/1", sent.Id);
        Assert.NotNull(sent.Entry);
        Assert.False(sent.ReplicaOnly);
        Assert.Equal(TestActor, sent.ReplyTo);
        Assert.True(Assert.IsType<WriteAck>(sent.Ack).Changed);
        Assert.Equal(Slot.Of(sent.Entry!), _view.Current("PJSIP/1"));
        Assert.Equal([ChangeSource.Local], _counted.Select(c => c.Source));
    }

    [Fact]
    public void A_write_the_entity_cannot_take_is_answered_with_the_failure_and_changes_nothing()
    {
        _actorless.WriteFromOutside(new Write("PJSIP/1", new SetDeviceView(DeviceState.Busy)), TestActor);

        var failure = ExpectMsg<Status.Failure>();
        Assert.Contains("not a write from outside the site", failure.Cause.Message);
        _outbox.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.Equal(Slot.Empty, _view.Current("PJSIP/1"));
        Assert.Empty(_counted);
    }

    [Fact]
    public void A_write_that_changes_nothing_is_acknowledged_unchanged_with_nothing_to_write()
    {
        var entry = View(10, "paris", DeviceState.Busy, incarnation: 0);
        _actorless.WriteFromOutside(new Import("PJSIP/1", entry), TestActor);
        _outbox.ExpectMsg<LocalChange>();

        _actorless.WriteFromOutside(new Import("PJSIP/1", entry), TestActor);

        var again = _outbox.ExpectMsg<LocalChange>();
        Assert.Null(again.Entry);
        Assert.False(Assert.IsType<WriteAck>(again.Ack).Changed);
        Assert.Single(_counted);
    }

    [Fact]
    public void A_removed_incarnations_views_are_withdrawn_by_tombstones_written_to_the_replica_only()
    {
        _actorless.Deliver("PJSIP/1", View(10, "n2", DeviceState.InUse, incarnation: 7), ChangeSource.Direct);
        _actorless.Deliver("PJSIP/1", View(11, "n3", DeviceState.Ringing, incarnation: 1), ChangeSource.Direct);
        _actorless.Deliver("PJSIP/2", View(12, "n3", DeviceState.Busy, incarnation: 1), ChangeSource.Direct);

        Assert.Equal(1, _actorless.WithdrawViewsOfEvery("n2", 7));

        var tombstone = _outbox.ExpectMsg<LocalChange>();
        Assert.True(tombstone.ReplicaOnly);
        Assert.Null(tombstone.ReplyTo);
        Assert.Equal("PJSIP/1", tombstone.Id);
        Assert.Null(Assert.IsType<DeviceViewEntry>(tombstone.Entry).State);
        _outbox.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.False(_actorless.WithdrawViews("PJSIP/1", "n2", 7));
    }

    [Fact]
    public void A_removed_nodes_writes_that_only_the_overlay_holds_are_written_to_the_replica()
    {
        _actorless.Deliver("PJSIP/1", View(10, "n2", DeviceState.InUse), ChangeSource.Direct);
        _actorless.Deliver("PJSIP/2", View(11, "n3", DeviceState.Busy), ChangeSource.Direct);
        _actorless.Deliver("PJSIP/3", View(12, "n2", DeviceState.Busy), ChangeSource.Direct);
        var replica = EntityMap.Empty.Put("PJSIP/3", View(12, "n2", DeviceState.Busy)).ResetDelta();
        var key = _view.Keys.IndexOf("PJSIP/3");
        _view.Commit(key, replica, _view.Changes(key, replica));

        Assert.Equal(1, _actorless.AdoptWritesOf("n2"));

        var adopted = _outbox.ExpectMsg<LocalChange>();
        Assert.Equal("PJSIP/1", adopted.Id);
        Assert.True(adopted.ReplicaOnly);
    }
}
