using ActorPresence.Domain;
using ActorPresence.Entities;
using ActorPresence.Entities.Messages;
using static ActorPresence.Entities.Messages.EntityHandshake;
using ActorPresence.Replication;
using static ActorPresence.Tests.Samples;

namespace ActorPresence.Tests.Pipeline;

public sealed class NodeRemovalTests
{
    [Fact]
    public void Live_views_of_a_removed_incarnation_are_stale_and_those_of_its_successor_are_not()
    {
        var removal = new NodeRemoval("self", incarnation: 10);
        removal.Add("pbx2", removedIncarnation: 1);
        var slot = Slot.Of(
            View(1, "pbx2", DeviceState.InUse, incarnation: 1),
            View(2, "pbx3", DeviceState.Busy, incarnation: 1));

        Assert.Equal([("pbx2", 1L)], removal.StaleViews(slot)!);
        Assert.Null(removal.StaleViews(Slot.Of(View(3, "pbx2", DeviceState.InUse, incarnation: 2))));
    }

    [Fact]
    public void A_live_view_under_this_nodes_own_name_from_an_earlier_incarnation_is_stale()
    {
        var removal = new NodeRemoval("self", incarnation: 10);

        Assert.Equal([("self", 9L)], removal.StaleViews(Slot.Of(View(1, "self", DeviceState.InUse, incarnation: 9)))!);
        Assert.Null(removal.StaleViews(Slot.Of(View(1, "self", DeviceState.InUse, incarnation: 10))));
    }

    [Fact]
    public void Withdrawn_views_are_never_stale()
    {
        var removal = new NodeRemoval("self", incarnation: 10);
        removal.Add("pbx2", removedIncarnation: 1);

        Assert.Null(removal.StaleViews(Slot.Of(View(1, "pbx2", null, incarnation: 1), View(1, "self", null, incarnation: 9))));
    }
}

/// <summary><see cref="NodeRemoval.OnRemoved"/>: what a manager does when a node's incarnation is removed.</summary>
public sealed class NodeRemovalNoticeTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly ReplicaView _view = new(new KeySpace(EntityKind.Device, 8));
    private readonly RecordingRoutes _routes = new();

    private ActorlessEntities Actorless(Akka.TestKit.TestProbe outbox) =>
        new(DeviceModel.Instance, "self", _view, new Subscriptions(EntityKind.Device), _routes, outbox, (_, _) => null, (_, _) => { });

    [Fact]
    public void A_removed_device_writer_is_told_to_every_live_actor_and_its_views_held_here_are_withdrawn_and_stale_from_then_on()
    {
        var outbox = CreateTestProbe();
        var removal = new NodeRemoval("self", incarnation: 10);
        _view.HoldAhead("PJSIP/9", Slot.Of(View(1, "pbx2", DeviceState.InUse, incarnation: 1)));

        removal.OnRemoved(EntityKind.Device, "pbx2", 1, ["PJSIP/1", "PJSIP/2"], _routes, Actorless(outbox), Sys.Log);

        Assert.Equal(["PJSIP/1", "PJSIP/2"], _routes.Routed.Select(r => r.Id));
        Assert.All(_routes.Routed, r => Assert.Equal(new WriterRemoved("pbx2", 1), r.Message));
        // What only the direct path brought of it is written to the replica first, then withdrawn.
        var adopted = outbox.ExpectMsg<LocalChange>();
        Assert.Equal(("PJSIP/9", DeviceState.InUse), (adopted.Id, Assert.IsType<DeviceViewEntry>(adopted.Entry).State));
        var withdrawal = outbox.ExpectMsg<LocalChange>();
        Assert.Equal("PJSIP/9", withdrawal.Id);
        Assert.Null(Assert.IsType<DeviceViewEntry>(withdrawal.Entry).State);
        Assert.Equal([("pbx2", 1L)], removal.StaleViews(Slot.Of(View(5, "pbx2", DeviceState.Busy, incarnation: 1)))!);
    }

    [Fact]
    public void A_removed_writer_of_mailboxes_is_told_to_the_live_actors_but_marks_no_view_stale()
    {
        var removal = new NodeRemoval("self", incarnation: 10);

        removal.OnRemoved(EntityKind.Mailbox, "pbx2", 1, ["42@default"], _routes, Actorless(CreateTestProbe()), Sys.Log);

        Assert.Equal("42@default", Assert.Single(_routes.Routed).Id);
        Assert.Null(removal.StaleViews(Slot.Of(View(5, "pbx2", DeviceState.Busy, incarnation: 1))));
    }
}
