using ActorPresence.Domain;
using ActorPresence.Entities;
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
