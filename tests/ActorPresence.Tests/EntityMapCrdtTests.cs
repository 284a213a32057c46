using ActorPresence.Domain;
using ActorPresence.Replication;
using Akka.DistributedData;
using static ActorPresence.Tests.Samples;

namespace ActorPresence.Tests;

/// <summary>
/// The merge laws of <see cref="EntityMap"/> and <see cref="Slot"/> (commutative, associative,
/// idempotent), who wins a conflict, and the delta bookkeeping distributed data relies on.
/// </summary>
public sealed class EntityMapCrdtTests
{
    private static readonly string[] Devices = ["PJSIP/1000", "PJSIP/1001", "Custom:lamp1", "SIP/alice"];
    private static readonly string[] Nodes = ["pbx-1", "pbx-2", "pbx-3"];

    /// <summary>
    /// A random map over few ids, nodes and ticks, so maps overlap, conflict, and even carry equal
    /// stamps with different content (which only a clock set back produces, but must still converge).
    /// </summary>
    private static EntityMap RandomMap(Random random)
    {
        var map = EntityMap.Empty;
        var count = random.Next(0, 12);
        for (var i = 0; i < count; i++)
        {
            var node = Nodes[random.Next(Nodes.Length)];
            var ticks = random.Next(0, 4);
            switch (random.Next(3))
            {
                case 0:
                    int raw = random.Next(-1, 9);
                    map = map.Put(
                        Devices[random.Next(Devices.Length)],
                        View(ticks, node, raw < 0 ? null : (DeviceState)raw, incarnation: random.Next(1, 3)));
                    break;
                case 1:
                    var @new = random.Next(0, 3);
                    map = map.Put($"{random.Next(2)}@default", Mailbox(ticks, node, @new, random.Next(0, 3), random.Next(0, @new + 1)));
                    break;
                default:
                    map = map.Put(
                        random.Next(2) == 0 ? "alice" : "jos\u00e9",
                        Presence(ticks, node, (PresenceState)random.Next(7), "", random.Next(2) == 0 ? "lunch" : "\U0001F4DE"));
                    break;
            }
        }
        return map.ResetDelta();
    }

    private static IEnumerable<(EntityMap A, EntityMap B, EntityMap C)> RandomTriples(int seed, int count)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            yield return (RandomMap(random), RandomMap(random), RandomMap(random));
        }
    }

    // ---- merge laws ----

    [Fact]
    public void Merging_EntityMaps_is_commutative()
    {
        foreach (var (a, b, _) in RandomTriples(1, 500))
        {
            Assert.Equal(a.Merge(b), b.Merge(a));
        }
    }

    [Fact]
    public void Merging_EntityMaps_is_associative()
    {
        foreach (var (a, b, c) in RandomTriples(2, 500))
        {
            Assert.Equal(a.Merge(b).Merge(c), a.Merge(b.Merge(c)));
            Assert.Equal(a.Merge(b).Merge(c), c.Merge(a).Merge(b));
        }
    }

    [Fact]
    public void Merging_EntityMaps_is_idempotent()
    {
        foreach (var (a, b, _) in RandomTriples(3, 500))
        {
            Assert.Equal(a, a.Merge(a));
            var ab = a.Merge(b);
            Assert.Equal(ab, ab.Merge(b));
            Assert.Equal(ab, ab.Merge(a));
            Assert.Equal(ab, ab.Merge(ab));
        }
    }

    [Fact]
    public void Merging_with_the_empty_map_changes_nothing()
    {
        foreach (var (a, _, _) in RandomTriples(4, 200))
        {
            Assert.Equal(a, a.Merge(EntityMap.Empty));
            Assert.Equal(a, EntityMap.Empty.Merge(a));
        }
    }

    [Fact]
    public void Merging_maps_equals_putting_all_their_entries_in_any_order()
    {
        var random = new Random(5);
        foreach (var (a, b, _) in RandomTriples(5, 200))
        {
            var entries = a.Entities.Concat(b.Entities)
                .SelectMany(kv => kv.Value.Entries.Select(e => (Id: kv.Key, Entry: e)))
                .OrderBy(_ => random.Next())
                .ToList();

            var putOneByOne = entries.Aggregate(EntityMap.Empty, (map, e) => map.Put(e.Id, e.Entry));

            Assert.Equal(a.Merge(b), putOneByOne);
        }
    }

    [Fact]
    public void Merging_Slots_is_commutative_associative_and_idempotent()
    {
        foreach (var (ma, mb, mc) in RandomTriples(6, 500))
        {
            foreach (var id in Devices.Append("0@default").Append("alice"))
            {
                Slot a = ma.Get(id), b = mb.Get(id), c = mc.Get(id);
                Assert.Equal(a.Merge(b), b.Merge(a));
                Assert.Equal(a.Merge(b).Merge(c), a.Merge(b.Merge(c)));
                Assert.Equal(a, a.Merge(a));
                Assert.Equal(a.Merge(b), a.Merge(b).Merge(b));
                Assert.Equal(a, a.Merge(Slot.Empty));
                Assert.Equal(a, Slot.Empty.Merge(a));
            }
        }
    }

    [Fact]
    public void A_slot_keeps_one_entry_per_node_in_ordinal_node_order()
    {
        var slot = Slot.Of(
            View(1, "pbx-b", DeviceState.InUse),
            View(1, "pbx-a", DeviceState.Busy),
            View(1, "PBX-c", DeviceState.Ringing),
            View(2, "pbx-a", DeviceState.NotInUse));

        Assert.Equal(["PBX-c", "pbx-a", "pbx-b"], slot.Entries.Select(e => e.SubKey));
        Assert.Equal(DeviceState.NotInUse, ((DeviceViewEntry)slot.Find("pbx-a")!).State);
        Assert.Equal(At(2, "pbx-a"), slot.MaxStamp);
    }

    // ---- who wins ----

    public static TheoryData<string> ConflictKinds() => ["device", "mailbox", "presence"];

    private static (string Id, Entry Older, Entry Newer) Conflict(string kind) => kind switch
    {
        "device" => ("PJSIP/1000", View(100, "pbx-1", DeviceState.InUse), View(200, "pbx-1", DeviceState.NotInUse)),
        "mailbox" => ("1000@default", Mailbox(100, "pbx-1", 5, 0), Mailbox(200, "pbx-2", 0, 5)),
        _ => ("alice", Presence(100, "pbx-9", PresenceState.Away, "", "lunch"), Presence(200, "pbx-1", PresenceState.Available)),
    };

    [Theory]
    [MemberData(nameof(ConflictKinds))]
    public void A_newer_stamp_wins_over_an_older_one_whichever_way_the_merge_goes(string kind)
    {
        var (id, older, newer) = Conflict(kind);
        var oldMap = Build([(id, older)]);
        var newMap = Build([(id, newer)]);

        Assert.Equal(newer, Assert.Single(oldMap.Merge(newMap).Get(id).Entries));
        Assert.Equal(newer, Assert.Single(newMap.Merge(oldMap).Get(id).Entries));
        Assert.Equal(newer, Assert.Single(Slot.Of(older).Merge(Slot.Of(newer)).Entries));
        Assert.Equal(newer, Assert.Single(Slot.Of(newer).Merge(Slot.Of(older)).Entries));
    }

    [Theory]
    [MemberData(nameof(ConflictKinds))]
    public void Putting_an_older_entry_after_a_newer_one_is_not_accepted(string kind)
    {
        var (id, older, newer) = Conflict(kind);
        var map = EntityMap.Empty.Put(id, newer).ResetDelta();

        var after = map.Put(id, older);

        Assert.Same(map, after);
        Assert.Null(after.Delta);
        Assert.False(Slot.Of(newer).With(older).Accepted);
        Assert.True(Slot.Of(older).With(newer).Accepted);
    }

    [Fact]
    public void A_newer_tombstone_wins_over_an_older_live_view_whichever_way_the_merge_goes()
    {
        var live = Build([("PJSIP/1000", View(100, "pbx-1", DeviceState.Busy))]);
        var tombstone = new DeviceViewEntry(At(101, "pbx-1"), 1, null);
        var withdrawn = Build([("PJSIP/1000", tombstone)]);

        foreach (var merged in new[] { live.Merge(withdrawn), withdrawn.Merge(live) })
        {
            Assert.Equal(tombstone, Assert.Single(merged.Get("PJSIP/1000").Entries));
        }
    }

    [Fact]
    public void A_late_write_older_than_the_withdrawal_stays_withdrawn()
    {
        var map = EntityMap.Empty
            .Put("PJSIP/1000", View(300, "pbx-1", null))
            .Put("PJSIP/1000", View(200, "pbx-1", DeviceState.Ringing));

        Assert.Null(Assert.IsType<DeviceViewEntry>(Assert.Single(map.Get("PJSIP/1000").Entries)).State);
    }

    [Fact]
    public void A_newer_live_view_wins_over_an_older_tombstone_whichever_way_the_merge_goes()
    {
        var withdrawn = Build([("PJSIP/1000", View(100, "pbx-1", null))]);
        var newer = View(150, "pbx-1", DeviceState.Ringing);
        var live = Build([("PJSIP/1000", newer)]);

        Assert.Equal(newer, Assert.Single(withdrawn.Merge(live).Get("PJSIP/1000").Entries));
        Assert.Equal(newer, Assert.Single(live.Merge(withdrawn).Get("PJSIP/1000").Entries));
    }

    [Fact]
    public void Views_of_different_nodes_are_all_kept()
    {
        var a = Build([("PJSIP/1000", View(100, "pbx-1", DeviceState.InUse))]);
        var b = Build([("PJSIP/1000", View(50, "pbx-2", DeviceState.Ringing))]);

        var merged = a.Merge(b);

        Assert.Equal(["pbx-1", "pbx-2"], merged.Get("PJSIP/1000").Entries.Select(e => e.SubKey));
        Assert.Equal(merged, b.Merge(a));
    }

    public static TheoryData<string> TieKinds() => ["device-state", "device-incarnation", "device-tombstone", "mailbox", "presence"];

    private static (Entry A, Entry B) Tie(string kind) => kind switch
    {
        "device-state" => (View(100, "pbx-1", DeviceState.InUse), View(100, "pbx-1", DeviceState.Busy)),
        "device-incarnation" => (View(100, "pbx-1", DeviceState.InUse, incarnation: 1), View(100, "pbx-1", DeviceState.InUse, incarnation: 2)),
        "device-tombstone" => (View(100, "pbx-1", DeviceState.InUse), View(100, "pbx-1", null)),
        "mailbox" => (Mailbox(100, "pbx-1", 3, 0), Mailbox(100, "pbx-1", 4, 0)),
        _ => (Presence(100, "pbx-1", PresenceState.Away, "", "lunch"), Presence(100, "pbx-1", PresenceState.Dnd, "", "lunch")),
    };

    [Theory]
    [MemberData(nameof(TieKinds))]
    public void Equal_stamps_with_different_content_resolve_the_same_both_ways(string kind)
    {
        var (a, b) = Tie(kind);
        Assert.Equal(a.Stamp, b.Stamp);
        Assert.NotEqual(a, b);

        var ab = Build([("x", a)]).Merge(Build([("x", b)]));
        var ba = Build([("x", b)]).Merge(Build([("x", a)]));

        Assert.Equal(ab, ba);
        Assert.Same(Entry.Newer(a, b), Entry.Newer(b, a));
        Assert.Equal(Slot.Of(a, b), Slot.Of(b, a));
        Assert.Equal(EntityMap.Empty.Put("x", a).Put("x", b), EntityMap.Empty.Put("x", b).Put("x", a));
    }

    [Fact]
    public void Equal_stamps_with_presence_texts_that_print_alike_still_resolve_the_same_both_ways()
    {
        // Different content whose record ToString() is identical: the subtype of one runs into
        // the message of the other. The tie-break must still pick one winner on every node.
        var a = Presence(100, "pbx-1", PresenceState.Away, "x, Message = y", "");
        var b = Presence(100, "pbx-1", PresenceState.Away, "x", "y, Message = ");
        Assert.NotEqual(a, b);

        Assert.Equal(Slot.Of(a).Merge(Slot.Of(b)), Slot.Of(b).Merge(Slot.Of(a)));
    }

    // ---- deltas ----

    [Fact]
    public void Put_records_the_change_in_the_delta()
    {
        var entry = View(1, "pbx-1", DeviceState.Ringing);

        var map = EntityMap.Empty.Put("PJSIP/1000", entry);

        Assert.NotNull(map.Delta);
        Assert.Equal(entry, Assert.Single(map.Delta.Get("PJSIP/1000").Entries));
        Assert.Equal(1, map.Delta.Count);
    }

    [Fact]
    public void The_delta_holds_every_change_since_the_last_reset_and_nothing_older()
    {
        var before = Build([("PJSIP/1000", View(1, "pbx-1", DeviceState.InUse)), ("PJSIP/2000", View(1, "pbx-2", DeviceState.Busy))]);
        var first = View(2, "pbx-1", DeviceState.NotInUse);
        var second = Mailbox(3, "pbx-1", 1, 0);

        var after = before.Put("PJSIP/1000", first).Put("1000@default", second);

        Assert.NotNull(after.Delta);
        Assert.Equal(["1000@default", "PJSIP/1000"], after.Delta.Entities.Select(kv => kv.Key).Order(StringComparer.Ordinal));
        Assert.Equal(first, Assert.Single(after.Delta.Get("PJSIP/1000").Entries));
        Assert.Equal(second, Assert.Single(after.Delta.Get("1000@default").Entries));
    }

    [Fact]
    public void ResetDelta_clears_the_delta_and_keeps_the_state()
    {
        var map = EntityMap.Empty.Put("PJSIP/1000", View(1, "pbx-1", DeviceState.Ringing));

        var reset = map.ResetDelta();

        Assert.Null(reset.Delta);
        Assert.Equal(map, reset);
        Assert.Same(reset, reset.ResetDelta());
    }

    [Fact]
    public void An_update_merged_back_into_the_value_it_started_from_gives_the_full_merge_result()
    {
        // The replicator merges the result of an update into the value the update started from;
        // EntityMap short-cuts that merge when it knows the descent. It must agree with a full merge.
        foreach (var (old, changes, _) in RandomTriples(11, 300))
        {
            var updated = old;
            foreach (var (id, slot) in changes.Entities)
            {
                foreach (var entry in slot.Entries)
                {
                    updated = updated.Put(id, entry);
                }
            }
            var reset = updated.ResetDelta();
            // Copies without any ancestry force the full merge.
            var fullMerge = EntityMap.FromEntities(old.Entities).Merge(EntityMap.FromEntities(reset.Entities));

            Assert.Equal(fullMerge, old.Merge(reset));
            Assert.Equal(fullMerge, reset.Merge(old));
            Assert.Equal(fullMerge, old.Merge(changes));
        }
    }

    [Fact]
    public void Merging_the_delta_into_an_old_copy_reaches_the_new_state()
    {
        foreach (var (old, changes, _) in RandomTriples(7, 300))
        {
            var updated = old;
            foreach (var (id, slot) in changes.Entities)
            {
                foreach (var entry in slot.Entries)
                {
                    updated = updated.Put(id, entry);
                }
            }

            var reached = updated.Delta is null ? old : old.MergeDelta(updated.Delta);

            Assert.Equal(updated, reached);
        }
    }

    [Fact]
    public void The_delta_reaches_the_new_state_through_the_distributed_data_interfaces()
    {
        var old = Build(DeviceEntries);
        var updated = old.Put("PJSIP/1000", View(500, "pbx-1", DeviceState.Busy)).Put("PJSIP/9999", View(500, "pbx-2", DeviceState.InUse));
        var asDelta = (IDeltaReplicatedData)updated;

        var reached = (EntityMap)((IDeltaReplicatedData)old).MergeDelta(asDelta.Delta);

        Assert.Equal(updated, reached);
        Assert.Null(((EntityMap)asDelta.ResetDelta()).Delta);
        Assert.Same(EntityMap.Empty, ((IReplicatedDelta)updated.Delta!).Zero);
    }

    [Fact]
    public void A_map_with_no_changes_has_no_delta()
    {
        Assert.Null(EntityMap.Empty.Delta);
        Assert.Null(Build(DeviceEntries).Delta);
        Assert.Null(Build(DeviceEntries).Merge(Build(MailboxEntries)).Delta);
    }

    [Fact]
    public void Equality_ignores_the_pending_delta()
    {
        var withDelta = EntityMap.Empty.Put("PJSIP/1000", View(1, "pbx-1", DeviceState.Ringing));

        Assert.Equal(withDelta.ResetDelta(), withDelta);
        Assert.Equal(withDelta.ResetDelta().GetHashCode(), withDelta.GetHashCode());
    }

    [Fact]
    public void Missing_lists_the_entries_of_a_newer_slot_that_are_not_held_yet()
    {
        var older = Slot.Of(View(1, "pbx-1", DeviceState.InUse), View(5, "pbx-2", DeviceState.Busy));
        var newer = Slot.Of(View(2, "pbx-1", DeviceState.NotInUse), View(4, "pbx-2", DeviceState.Ringing), View(1, "pbx-3", null));

        Assert.Equal(
            [View(2, "pbx-1", DeviceState.NotInUse), View(1, "pbx-3", null)],
            older.Missing(newer));
    }
}
