using ActorPresence.Domain;
using ActorPresence.Entities;
using ActorPresence.Replication;
using static ActorPresence.Tests.Samples;

namespace ActorPresence.Tests.Pipeline;

public sealed class ReplicaViewTests
{
    private static readonly KeySpace Keys = new(EntityKind.Device, 1);

    /// <summary>A read of the replica, as the manager takes it: the changes, then the commit.</summary>
    private static void Read(ReplicaView view, EntityMap map) => view.Commit(0, map, view.Changes(0, map));

    [Fact]
    public void A_new_read_yields_only_the_changed_entities_with_what_this_node_did_not_hold()
    {
        var view = new ReplicaView(Keys);
        var first = EntityMap.Empty.Put("PJSIP/1", View(1, "n1", DeviceState.InUse)).Put("PJSIP/2", View(1, "n1", DeviceState.Busy)).ResetDelta();
        Read(view, first);
        view.HoldAhead("PJSIP/1", view.Current("PJSIP/1").With(View(2, "n2", DeviceState.Ringing)).Slot);
        var second = first.Put("PJSIP/1", View(2, "n2", DeviceState.Ringing)).Put("PJSIP/1", View(3, "n3", DeviceState.OnHold)).ResetDelta();

        var changes = view.Changes(0, second);

        var change = Assert.Single(changes);
        Assert.Equal("PJSIP/1", change.Id);
        Assert.Equal(["n3"], change.Missing.Select(e => e.Stamp.Node));
    }

    [Fact]
    public void What_is_held_ahead_is_read_with_the_replica_and_forgotten_once_the_replica_holds_it()
    {
        var view = new ReplicaView(Keys);
        var ahead = Slot.Of(View(5, "n2", DeviceState.InUse));
        view.HoldAhead("PJSIP/9", ahead);

        Assert.Equal(ahead, view.Current("PJSIP/9"));
        Assert.Equal(["PJSIP/9"], view.Ids());
        Assert.Equal(1, view.Counts().Held);

        Read(view, EntityMap.Empty.Put("PJSIP/9", View(5, "n2", DeviceState.InUse)).ResetDelta());

        Assert.Empty(view.Ahead());
        Assert.Equal(["PJSIP/9"], view.Ids());
        Assert.Equal(1, view.Counts().Held);
    }

    [Fact]
    public void A_key_is_unread_until_a_read_of_it_is_committed_or_something_is_held_ahead_of_it()
    {
        var view = new ReplicaView(Keys);
        Assert.True(view.IsUnread(0));

        view.HoldAhead("PJSIP/3", Slot.Of(View(1, "n1", DeviceState.InUse)));
        Assert.False(view.IsUnread(0));

        var other = new ReplicaView(Keys);
        other.Commit(0, EntityMap.Empty.Put("PJSIP/4", View(1, "n1", DeviceState.Busy)).ResetDelta(), []);
        Assert.False(other.IsUnread(0));
        Assert.Equal(["PJSIP/4"], other.Ids());
    }

    [Fact]
    public void Holding_what_the_replica_already_has_keeps_nothing_ahead()
    {
        var view = new ReplicaView(Keys);
        Read(view, EntityMap.Empty.Put("PJSIP/1", View(5, "n1", DeviceState.InUse)).ResetDelta());

        view.HoldAhead("PJSIP/1", Slot.Of(View(4, "n1", DeviceState.Busy)));

        Assert.Empty(view.Ahead());
        Assert.Equal(DeviceState.InUse, ((DeviceViewEntry)view.Current("PJSIP/1").Find("n1")!).State);
    }

    [Fact]
    public void The_same_map_again_is_no_change()
    {
        var view = new ReplicaView(Keys);
        var map = EntityMap.Empty.Put("PJSIP/1", View(1, "n1", DeviceState.InUse)).ResetDelta();
        Read(view, map);

        Assert.Empty(view.Changes(0, map));
    }
}
