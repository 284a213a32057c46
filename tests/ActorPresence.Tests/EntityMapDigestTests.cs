using ActorPresence.Domain;
using ActorPresence.Replication;
using static ActorPresence.Tests.Samples;

namespace ActorPresence.Tests;

/// <summary>
/// <see cref="EntityMap.Digest"/>: what a repair compares between nodes before it reads a key. Equal
/// content must give equal digests whatever order it came in and in any process; any difference a
/// merge would carry must change it.
/// </summary>
public sealed class EntityMapDigestTests
{
    private static IEnumerable<(string Id, Entry Entry)> Many(int count, long offset = 0) =>
        Enumerable.Range(0, count).Select(i => ($"PJSIP/{i}", (Entry)View(offset + i, $"pbx-{i % 3}", (DeviceState)(i % 8))));

    [Fact]
    public void Equal_content_written_in_any_order_or_merged_from_parts_has_the_same_digest()
    {
        var entries = Many(500).Concat(MailboxEntries).Concat(PresenceEntries).ToList();
        var forward = Build(entries);
        var backward = Build(Enumerable.Reverse(entries));
        var merged = Build(entries.Where((_, i) => i % 2 == 0)).Merge(Build(entries.Where((_, i) => i % 2 == 1)));

        Assert.Equal(forward.Digest(), backward.Digest());
        Assert.Equal(forward.Digest(), merged.Digest());
    }

    [Fact]
    public void The_digest_is_fixed_across_processes_and_versions()
    {
        // Nodes compare digests, so a digest may not depend on a per-process seed. Pinned: a change of
        // the function makes mixed-version clusters read every key at each repair (correct, but slow).
        var map = Build([("PJSIP/1000", View(1, "pbx-1", DeviceState.InUse)), ("42@default", Mailbox(2, "pbx-2", 3, 1, 1))]);

        Assert.Equal(0x659D2B6A68DE90DBUL, map.Digest());
        Assert.NotEqual(0UL, EntityMap.Empty.Digest());
    }

    public static TheoryData<string> Changes() =>
    [
        "a later stamp", "another node", "another state", "a withdrawn view", "another incarnation",
        "another mailbox count", "another presence message", "another presence subtype", "one more entity",
    ];

    [Theory]
    [MemberData(nameof(Changes))]
    public void Any_difference_in_the_content_changes_the_digest(string change)
    {
        List<(string Id, Entry Entry)> baseline = [.. Many(200), 
            ("42@default", Mailbox(2, "pbx-2", 3, 1, 1)),
            ("alice", Presence(3, "pbx-1", PresenceState.Away, "lunch", "back at 2")),
        ];
        baseline[17] = ("PJSIP/17", View(17, "pbx-2", DeviceState.Ringing));
        var changed = baseline.ToList();
        changed[change switch { "another mailbox count" => 200, "another presence message" or "another presence subtype" => 201, _ => 17 }] = change switch
        {
            "a later stamp" => ("PJSIP/17", View(18, "pbx-2", DeviceState.Ringing)),
            "another node" => ("PJSIP/17", View(17, "pbx-0", DeviceState.Ringing)),
            "another state" => ("PJSIP/17", View(17, "pbx-2", DeviceState.Busy)),
            "a withdrawn view" => ("PJSIP/17", View(17, "pbx-2", null)),
            "another incarnation" => ("PJSIP/17", View(17, "pbx-2", DeviceState.Ringing, incarnation: 2)),
            "another mailbox count" => ("42@default", Mailbox(2, "pbx-2", 3, 1, 0)),
            "another presence message" => ("alice", Presence(3, "pbx-1", PresenceState.Away, "lunch", "back at 3")),
            "another presence subtype" => ("alice", Presence(3, "pbx-1", PresenceState.Away, "lunc", "back at 2")),
            _ => ("PJSIP/17", View(17, "pbx-2", DeviceState.Ringing)),
        };
        if (change == "one more entity")
        {
            changed.Add(("PJSIP/extra", View(1, "pbx-1", DeviceState.InUse)));
        }
        Assert.Equal(DeviceState.Ringing, ((DeviceViewEntry)baseline[17].Entry).State);

        Assert.NotEqual(Build(baseline).Digest(), Build(changed).Digest());
    }

    [Fact]
    public void A_map_changed_by_one_put_digests_again_only_along_the_changed_path_and_agrees_with_a_fresh_build()
    {
        var entries = Many(2_000).ToList();
        var map = Build(entries);
        _ = map.Digest();

        var next = map.Put("PJSIP/5", View(99, "pbx-2", DeviceState.OnHold));
        entries[5] = ("PJSIP/5", View(99, "pbx-2", DeviceState.OnHold));

        Assert.Equal(Build(entries).Digest(), next.Digest());
        Assert.NotEqual(map.Digest(), next.Digest());
    }

    // ---- entity by entity: what a repair fetches from one peer ----

    [Fact]
    public void Entity_digests_are_ascending_and_equal_for_equal_content_whatever_order_it_came_in()
    {
        var entries = Many(300).Concat(MailboxEntries).ToList();
        var digests = Build(entries).ItemDigests();

        Assert.Equal(Build(entries).Count, digests.Length);
        Assert.Equal(digests.Order(), digests);
        Assert.Equal(digests, Build(Enumerable.Reverse(entries)).ItemDigests());
        Assert.Equal(digests.Length, digests.Distinct().Count());
    }

    [Fact]
    public void What_a_map_holds_that_another_lacks_is_exactly_the_entities_that_differ()
    {
        List<(string Id, Entry Entry)> theirs = [.. Many(1_000), ("alice", Presence(3, "pbx-1", PresenceState.Away, "lunch", "back at 2"))];
        // Ours lacks every tenth entity, and holds two others in another state.
        var ours = Build(theirs.Where((_, i) => i % 10 != 3))
            .Put("PJSIP/17", View(17, "pbx-2", (DeviceState)(18 % 8)))
            .Put("alice", Presence(3, "pbx-1", PresenceState.Away, "lunch", "back at 3"))
            .ResetDelta();
        var differing = theirs.Where((_, i) => i % 10 == 3).Select(e => e.Id).Append("PJSIP/17").Append("alice").ToHashSet();

        var lacking = Build(theirs).Lacking(ours.ItemDigests(), max: 1_000);

        Assert.NotNull(lacking);
        Assert.Equal(differing.Order(StringComparer.Ordinal), lacking.Entities.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.All(lacking.Entities, e => Assert.Equal(Build(theirs).Get(e.Key), e.Value));
        // Merged, ours then holds all of theirs.
        Assert.Equal(ours.Merge(Build(theirs)), ours.Merge(lacking));
        // Nothing lacks against itself; more than the limit is no answer at all.
        Assert.Equal(0, Build(theirs).Lacking(Build(theirs).ItemDigests(), max: 0)!.Count);
        Assert.Null(Build(theirs).Lacking(ours.ItemDigests(), max: differing.Count - 1));
    }

    [Fact]
    public void Absorbing_fetched_entities_merges_them_and_records_only_what_was_gained_as_the_delta()
    {
        var ours = Build(Many(500)).ResetDelta();
        var fetched = Build([
            ("PJSIP/1", View(1000, "pbx-1", DeviceState.Busy)),    // newer than ours
            ("PJSIP/2", View(0, "pbx-2", DeviceState.Ringing)),    // older than ours: nothing gained
            ("PJSIP/new", View(5, "pbx-0", DeviceState.InUse)),   // new here
        ]);

        var absorbed = ours.Absorb(fetched);

        Assert.Equal(ours.Merge(fetched), absorbed);
        Assert.Equal(["PJSIP/1", "PJSIP/new"], absorbed.Delta!.Entities.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Equal(ours.Get("PJSIP/2"), absorbed.Get("PJSIP/2"));
        // As the replicator merges an update's result into the value it started from.
        Assert.Equal(absorbed, ours.Merge(absorbed.ResetDelta()));
        Assert.Same(ours, ours.Absorb(Build([("PJSIP/2", View(0, "pbx-2", DeviceState.Ringing))])));
    }
}
