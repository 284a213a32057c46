using ActorPresence.Domain;
using ActorPresence.Entities;
using ActorPresence.Replication;
using static ActorPresence.Entities.Messages.EntityCommands;
using static ActorPresence.Entities.Messages.EntityQueries;
using static ActorPresence.Tests.Samples;

namespace ActorPresence.Tests;

public sealed class DeviceModelTests
{
    private static readonly DeviceModel Model = DeviceModel.Instance;

    [Fact]
    public void Setting_a_state_on_an_empty_device_makes_a_view_entry()
    {
        var stamp = At(1, "pbx-1");

        var entry = Assert.IsType<DeviceViewEntry>(Model.CreateEntry(new SetDeviceView(DeviceState.InUse), Slot.Empty, stamp, 42));

        Assert.Equal(new DeviceViewEntry(stamp, 42, DeviceState.InUse), entry);
    }

    [Fact]
    public void Setting_the_same_state_again_changes_nothing()
    {
        var slot = Slot.Of(View(1, "pbx-1", DeviceState.InUse, incarnation: 42));

        Assert.Null(Model.CreateEntry(new SetDeviceView(DeviceState.InUse), slot, At(2, "pbx-1"), 42));
    }

    [Fact]
    public void Setting_another_state_makes_a_new_entry()
    {
        var slot = Slot.Of(View(1, "pbx-1", DeviceState.InUse, incarnation: 42));

        var entry = Model.CreateEntry(new SetDeviceView(DeviceState.NotInUse), slot, At(2, "pbx-1"), 42);

        Assert.Equal(new DeviceViewEntry(At(2, "pbx-1"), 42, DeviceState.NotInUse), entry);
    }

    [Fact]
    public void Setting_the_state_another_node_has_is_still_a_change_for_this_node()
    {
        var slot = Slot.Of(View(1, "pbx-2", DeviceState.InUse));

        Assert.NotNull(Model.CreateEntry(new SetDeviceView(DeviceState.InUse), slot, At(2, "pbx-1"), 1));
    }

    [Fact]
    public void A_restarted_node_setting_the_same_state_claims_the_view_for_its_new_incarnation()
    {
        var slot = Slot.Of(View(1, "pbx-1", DeviceState.InUse, incarnation: 1));

        var entry = Model.CreateEntry(new SetDeviceView(DeviceState.InUse), slot, At(2, "pbx-1"), 2);

        Assert.Equal(new DeviceViewEntry(At(2, "pbx-1"), 2, DeviceState.InUse), entry);
    }

    [Fact]
    public void Setting_a_state_after_withdrawing_makes_a_new_entry()
    {
        var slot = Slot.Of(View(1, "pbx-1", null));

        Assert.NotNull(Model.CreateEntry(new SetDeviceView(DeviceState.Ringing), slot, At(2, "pbx-1"), 1));
    }

    [Fact]
    public void Withdrawing_when_there_is_no_view_changes_nothing()
    {
        Assert.Null(Model.CreateEntry(WithdrawDeviceView.Instance, Slot.Empty, At(1, "pbx-1"), 1));
        Assert.Null(Model.CreateEntry(WithdrawDeviceView.Instance, Slot.Of(View(1, "pbx-2", DeviceState.Busy)), At(2, "pbx-1"), 1));
    }

    [Fact]
    public void Withdrawing_a_view_already_withdrawn_changes_nothing()
    {
        Assert.Null(Model.CreateEntry(WithdrawDeviceView.Instance, Slot.Of(View(1, "pbx-1", null)), At(2, "pbx-1"), 1));
    }

    [Fact]
    public void Withdrawing_a_live_view_makes_a_tombstone()
    {
        var slot = Slot.Of(View(1, "pbx-1", DeviceState.Busy));

        var entry = Model.CreateEntry(WithdrawDeviceView.Instance, slot, At(2, "pbx-1"), 1);

        Assert.Equal(new DeviceViewEntry(At(2, "pbx-1"), 1, null), entry);
    }

    [Fact]
    public void A_mailbox_write_is_not_a_device_write()
    {
        Assert.Throws<InvalidOperationException>(
            () => Model.CreateEntry(new SetMailbox(new MailboxCounts(1, 0)), Slot.Empty, At(1, "pbx-1"), 1));
    }

    // ---- removal of a node's views ----

    [Fact]
    public void Removal_tombstones_only_the_live_views_of_that_node_and_incarnation()
    {
        var slot = Slot.Of(
            View(10, "pbx-1", DeviceState.InUse, incarnation: 5),
            View(20, "pbx-2", DeviceState.Ringing, incarnation: 5),
            View(30, "pbx-3", null, incarnation: 5));

        var tombstones = DeviceModel.RemovalTombstones(slot, "pbx-1", 5).ToList();

        Assert.Equal([new DeviceViewEntry(At(11, "pbx-1"), 5, null)], tombstones);
        Assert.Empty(DeviceModel.RemovalTombstones(slot, "pbx-3", 5));
        Assert.Empty(DeviceModel.RemovalTombstones(slot, "pbx-9", 5));
    }

    [Fact]
    public void Removal_keeps_the_view_of_the_same_node_name_with_another_incarnation()
    {
        // pbx-1 restarted (incarnation 6) and wrote again before its old incarnation 5 was removed.
        var slot = Slot.Of(View(50, "pbx-1", DeviceState.Busy, incarnation: 6));

        Assert.Empty(DeviceModel.RemovalTombstones(slot, "pbx-1", 5));
        Assert.Single(DeviceModel.RemovalTombstones(slot, "pbx-1", 6));
    }

    [Fact]
    public void The_removal_tombstone_wins_over_the_removed_view()
    {
        var slot = Slot.Of(View(10, "pbx-1", DeviceState.InUse, incarnation: 5), View(20, "pbx-2", DeviceState.Ringing));

        var after = DeviceModel.RemovalTombstones(slot, "pbx-1", 5).Aggregate(slot, (s, t) => s.With(t).Slot);

        var snapshot = DeviceModel.Snapshot("PJSIP/1000", after);
        Assert.Equal(DeviceState.Ringing, snapshot.State);
        Assert.Equal(["pbx-2"], snapshot.Views.Select(v => v.Node.Value));
    }

    [Fact]
    public void A_newer_write_of_the_restarted_node_wins_over_the_removal_tombstone()
    {
        var slot = Slot.Of(View(10, "pbx-1", DeviceState.InUse, incarnation: 5));
        var tombstone = Assert.Single(DeviceModel.RemovalTombstones(slot, "pbx-1", 5));
        var rewritten = View(500, "pbx-1", DeviceState.Busy, incarnation: 6);

        Assert.Equal(rewritten, Assert.Single(Slot.Of(tombstone).Merge(Slot.Of(rewritten)).Entries));
        Assert.Equal(rewritten, Assert.Single(Slot.Of(rewritten).Merge(Slot.Of(tombstone)).Entries));
    }

    [Fact]
    public void Two_survivors_compute_equal_removal_tombstones()
    {
        // Each survivor holds the same views, received in a different order.
        var views = new Entry[]
        {
            View(10, "pbx-1", DeviceState.InUse, incarnation: 5),
            View(20, "pbx-2", DeviceState.Ringing, incarnation: 8),
            View(15, "pbx-3", DeviceState.OnHold, incarnation: 9),
        };
        var onSurvivorA = Slot.Of(views);
        var onSurvivorB = Slot.Of([.. Enumerable.Reverse(views)]);

        var fromA = DeviceModel.RemovalTombstones(onSurvivorA, "pbx-1", 5).ToList();
        var fromB = DeviceModel.RemovalTombstones(onSurvivorB, "pbx-1", 5).ToList();

        Assert.Single(fromA);
        Assert.Equal(fromA, fromB);
        // Applied on both sides in either order, the slots agree.
        Assert.Equal(
            onSurvivorA.With(fromA[0]).Slot.Merge(onSurvivorB.With(fromB[0]).Slot),
            onSurvivorB.With(fromB[0]).Slot.Merge(onSurvivorA.With(fromA[0]).Slot));
    }

    // ---- snapshot ----

    [Fact]
    public void The_snapshot_aggregates_the_live_views_and_lists_them_by_node()
    {
        var slot = Slot.Of(
            View(30, "pbx-2", DeviceState.InUse),
            View(10, "pbx-1", DeviceState.Ringing),
            View(20, "pbx-3", null));

        var snapshot = DeviceModel.Snapshot("PJSIP/1000", slot);

        Assert.Equal(new DeviceId("PJSIP/1000"), snapshot.Id);
        Assert.Equal(DeviceState.RingInUse, snapshot.State);
        Assert.Equal(
            [
                new DeviceView(new NodeName("pbx-1"), DeviceState.Ringing, new DateTimeOffset(T0 + 10, TimeSpan.Zero)),
                new DeviceView(new NodeName("pbx-2"), DeviceState.InUse, new DateTimeOffset(T0 + 30, TimeSpan.Zero)),
            ],
            snapshot.Views);
    }

    [Theory]
    [InlineData(DeviceState.NotInUse, DeviceState.Unavailable, DeviceState.NotInUse)]
    [InlineData(DeviceState.OnHold, DeviceState.InUse, DeviceState.InUse)]
    [InlineData(DeviceState.Busy, DeviceState.Ringing, DeviceState.RingInUse)]
    [InlineData(DeviceState.Invalid, DeviceState.Unknown, DeviceState.Unknown)]
    public void The_snapshot_state_is_the_aggregate_of_the_views(DeviceState first, DeviceState second, DeviceState expected)
    {
        var slot = Slot.Of(View(1, "pbx-1", first), View(1, "pbx-2", second));

        Assert.Equal(expected, DeviceModel.Snapshot("d", slot).State);
    }

    [Fact]
    public void A_device_with_no_live_views_is_Invalid_with_no_views()
    {
        var empty = DeviceModel.Snapshot("PJSIP/1000", Slot.Empty);
        var withdrawn = DeviceModel.Snapshot("PJSIP/1000", Slot.Of(View(1, "pbx-1", null), View(2, "pbx-2", null)));

        Assert.Equal(DeviceState.Invalid, empty.State);
        Assert.Empty(empty.Views);
        Assert.Equal(DeviceState.Invalid, withdrawn.State);
        Assert.Empty(withdrawn.Views);
    }

    [Fact]
    public void A_device_with_no_live_views_has_no_initial_event_but_does_have_a_change_event()
    {
        var withdrawn = Slot.Of(View(1, "pbx-1", null));

        Assert.Null(DeviceModel.Instance.ToEvent("PJSIP/1000", withdrawn, "pbx-1", initial: true));
        var change = Assert.IsType<DeviceStateEvent>(DeviceModel.Instance.ToEvent("PJSIP/1000", withdrawn, "pbx-1", initial: false));
        Assert.Equal(DeviceState.Invalid, change.Device.State);
        Assert.Equal("pbx-1", change.Origin.Value);
    }

    [Fact]
    public void An_initial_device_event_names_the_newest_writer_as_its_origin()
    {
        var slot = Slot.Of(View(10, "pbx-1", DeviceState.InUse), View(30, "pbx-2", DeviceState.Ringing));

        var initial = Assert.IsType<DeviceStateEvent>(DeviceModel.Instance.ToEvent("PJSIP/1000", slot, "pbx-9", initial: true));

        Assert.True(initial.IsInitial);
        Assert.Equal("pbx-2", initial.Origin.Value);
        Assert.Equal(DeviceState.RingInUse, initial.Device.State);
    }

    [Fact]
    public void Only_a_live_view_of_this_node_keeps_the_device_local()
    {
        Assert.True(DeviceModel.Instance.HasLocalView(Slot.Of(View(1, "pbx-1", DeviceState.Busy)), "pbx-1"));
        Assert.False(DeviceModel.Instance.HasLocalView(Slot.Of(View(1, "pbx-1", null)), "pbx-1"));
        Assert.False(DeviceModel.Instance.HasLocalView(Slot.Of(View(1, "pbx-2", DeviceState.Busy)), "pbx-1"));
    }
}

public sealed class MailboxAndPresenceModelTests
{
    [Fact]
    public void Setting_the_same_mailbox_counts_again_changes_nothing()
    {
        var slot = Slot.Of(Mailbox(1, "pbx-2", 3, 7, 2));

        Assert.Null(MailboxModel.Instance.CreateEntry(new SetMailbox(new MailboxCounts(3, 7, 2)), slot, At(2, "pbx-1"), 1));
    }

    [Fact]
    public void Setting_other_mailbox_counts_makes_a_new_entry()
    {
        var slot = Slot.Of(Mailbox(1, "pbx-2", 3, 7, 2));

        var entry = MailboxModel.Instance.CreateEntry(new SetMailbox(new MailboxCounts(3, 7, 1)), slot, At(2, "pbx-1"), 1);

        Assert.Equal(new MailboxEntry(At(2, "pbx-1"), new MailboxCounts(3, 7, 1)), entry);
    }

    [Fact]
    public void Setting_counts_on_a_mailbox_with_none_makes_an_entry()
    {
        var entry = MailboxModel.Instance.CreateEntry(new SetMailbox(new MailboxCounts(0, 0)), Slot.Empty, At(2, "pbx-1"), 1);

        Assert.Equal(new MailboxEntry(At(2, "pbx-1"), new MailboxCounts(0, 0)), entry);
    }

    [Fact]
    public void A_device_write_is_not_a_mailbox_write()
    {
        Assert.Throws<InvalidOperationException>(
            () => MailboxModel.Instance.CreateEntry(new SetDeviceView(DeviceState.Busy), Slot.Empty, At(1, "pbx-1"), 1));
    }

    [Fact]
    public void A_mailbox_event_carries_the_counts_and_who_wrote_them()
    {
        var slot = Slot.Of(Mailbox(5, "pbx-2", 3, 7, 2));

        var change = Assert.IsType<MailboxStateEvent>(MailboxModel.Instance.ToEvent("1000@default", slot, "pbx-3", initial: false));

        Assert.Equal(new MailboxCounts(3, 7, 2), change.Mailbox.Counts);
        Assert.Equal("pbx-2", change.Mailbox.WrittenBy.Value);
        Assert.Equal(new DateTimeOffset(T0 + 5, TimeSpan.Zero), change.Mailbox.WrittenAt);
        Assert.Equal("pbx-3", change.Origin.Value);
        Assert.Null(MailboxModel.Instance.ToEvent("1000@default", Slot.Empty, "pbx-3", initial: true));
    }

    [Fact]
    public void Setting_the_same_presence_again_changes_nothing()
    {
        var slot = Slot.Of(Presence(1, "pbx-2", PresenceState.Away, "lunch", "back at 2"));

        var same = new SetPresence(new Presence(PresenceState.Away, "lunch", "back at 2"));

        Assert.Null(PresenceModel.Instance.CreateEntry(same, slot, At(2, "pbx-1"), 1));
    }

    [Theory]
    [InlineData(PresenceState.Available, "lunch", "back at 2")]
    [InlineData(PresenceState.Away, "", "back at 2")]
    [InlineData(PresenceState.Away, "lunch", "back at 3")]
    public void Setting_a_different_presence_makes_a_new_entry(PresenceState state, string subtype, string message)
    {
        var slot = Slot.Of(Presence(1, "pbx-2", PresenceState.Away, "lunch", "back at 2"));
        var presence = new Presence(state, subtype, message);

        var entry = PresenceModel.Instance.CreateEntry(new SetPresence(presence), slot, At(2, "pbx-1"), 1);

        Assert.Equal(new PresenceEntry(At(2, "pbx-1"), presence), entry);
    }

    [Fact]
    public void Setting_a_presence_on_a_presentity_with_none_makes_an_entry()
    {
        var presence = new Presence(PresenceState.NotSet);

        Assert.Equal(
            new PresenceEntry(At(2, "pbx-1"), presence),
            PresenceModel.Instance.CreateEntry(new SetPresence(presence), Slot.Empty, At(2, "pbx-1"), 1));
    }

    [Fact]
    public void A_mailbox_write_is_not_a_presence_write()
    {
        Assert.Throws<InvalidOperationException>(
            () => PresenceModel.Instance.CreateEntry(new SetMailbox(new MailboxCounts(1, 0)), Slot.Empty, At(1, "pbx-1"), 1));
    }

    [Fact]
    public void An_initial_presence_event_names_its_writer_as_origin()
    {
        var slot = Slot.Of(Presence(1, "pbx-2", PresenceState.Dnd, "", "\U0001F4DE"));

        var initial = Assert.IsType<PresenceStateEvent>(PresenceModel.Instance.ToEvent("alice", slot, "pbx-3", initial: true));

        Assert.Equal("pbx-2", initial.Origin.Value);
        Assert.Equal(new Presence(PresenceState.Dnd, "", "\U0001F4DE"), initial.Presence.Presence);
        Assert.Equal("alice", initial.Id);
    }
}
