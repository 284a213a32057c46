using System.Runtime.Serialization;
using System.Text;
using ActorPresence.Domain;
using ActorPresence.Replication;
using ActorPresence.Serialization;
using static ActorPresence.Tests.Samples;

namespace ActorPresence.Tests;

/// <summary>
/// The map payload's two versions: version 1 (ordinal id order, written before the trie) is still
/// read; version 2 (canonical hash order) is written, built from per-leaf cached encodings, and read
/// strictly. A hand-written encoder following the documented layout is the reference.
/// </summary>
public sealed class MapFormatTests(SerializationSystemFixture fixture) : IClassFixture<SerializationSystemFixture>
{
    private ActorPresenceSerializer Serializer =>
        Assert.IsType<ActorPresenceSerializer>(fixture.System.Serialization.FindSerializerForType(typeof(EntityMap)));

    private byte[] ToBinary(EntityMap map) => Serializer.ToBinary(map);

    private EntityMap FromBinary(byte[] bytes) => Assert.IsType<EntityMap>(Serializer.FromBinary(bytes, "APM"));

    private static EntityMap AllKinds() => Build(DeviceEntries.Concat(MailboxEntries).Concat(PresenceEntries));

    private static IEnumerable<(string Id, IEnumerable<Entry> Entries)> Ordinal(EntityMap map) =>
        map.Entities.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, (IEnumerable<Entry>)kv.Value.Entries));

    private static IEnumerable<(string Id, IEnumerable<Entry> Entries)> Canonical(EntityMap map) =>
        map.Entities.OrderBy(kv => EntityHash.Of(kv.Key)).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (kv.Key, (IEnumerable<Entry>)kv.Value.Entries));

    // ---- version 1 ----

    [Fact]
    public void The_hand_written_encoder_reproduces_the_bytes_the_previous_version_wrote()
    {
        // Validates the reference encoder against real bytes of the old version.
        Assert.Equal(LegacyPayloads.AllKindsVersion1Hex, Convert.ToHexString(HandWritten.Map(1, Ordinal(AllKinds()))));
    }

    [Fact]
    public void A_version_1_payload_written_by_the_previous_version_reads_as_the_same_map_and_is_written_back_as_version_2()
    {
        var back = FromBinary(Convert.FromHexString(LegacyPayloads.AllKindsVersion1Hex));

        Assert.Equal(AllKinds(), back);
        var rewritten = ToBinary(back);
        Assert.Equal(2, rewritten[0]);
        Assert.Equal(ToBinary(AllKinds()), rewritten);
    }

    [Fact]
    public void Random_maps_written_as_version_1_read_back_equal_to_the_original()
    {
        var random = new Random(71);
        for (var round = 0; round < 100; round++)
        {
            var map = RandomMap(random, random.Next(0, 300));

            var back = FromBinary(HandWritten.Map(1, Ordinal(map)));

            Assert.Equal(map, back);
            Assert.True(Trie.NodesEqual(map.Root, back.Root));
        }
    }

    [Fact]
    public void A_version_1_payload_may_list_the_entries_of_an_entity_in_any_order_as_before()
    {
        Entry[] views = [View(1, "pbx-2", DeviceState.Busy), View(1, "pbx-1", DeviceState.InUse)];

        var back = FromBinary(HandWritten.Map(1, [("PJSIP/1000", views)]));

        Assert.Equal(["pbx-1", "pbx-2"], back.Get("PJSIP/1000").Entries.Select(e => e.SubKey));
    }

    // ---- version 2 ----

    [Fact]
    public void A_map_is_written_as_version_2_with_its_entities_in_hash_then_id_order()
    {
        var random = new Random(72);
        foreach (var map in new[] { EntityMap.Empty, AllKinds(), RandomMap(random, 5_000) })
        {
            Assert.Equal(HandWritten.Map(2, Canonical(map)), ToBinary(map));
        }
    }

    [Fact]
    public void A_version_2_payload_reads_back_to_a_map_of_the_canonical_shape()
    {
        var random = new Random(73);
        var map = RandomMap(random, 5_000);

        var back = FromBinary(ToBinary(map));

        Assert.Equal(map, back);
        Assert.True(Trie.NodesEqual(map.Root, back.Root));
        Assert.Equal(ToBinary(map), ToBinary(back));
    }

    [Fact]
    public void Entities_out_of_canonical_order_or_repeated_in_a_version_2_payload_raise_SerializationException()
    {
        var entities = Canonical(AllKinds()).ToList();
        var swapped = entities.ToList();
        (swapped[3], swapped[4]) = (swapped[4], swapped[3]);
        var repeated = entities.Take(3).Append(entities[2]).ToList();
        var ordinal = Ordinal(AllKinds()).ToList();
        Assert.NotEqual(entities.Select(e => e.Id), ordinal.Select(e => e.Id));

        Assert.Equal(AllKinds(), FromBinary(HandWritten.Map(2, entities)));
        Assert.Throws<SerializationException>(() => FromBinary(HandWritten.Map(2, swapped)));
        Assert.Throws<SerializationException>(() => FromBinary(HandWritten.Map(2, repeated)));
        Assert.Throws<SerializationException>(() => FromBinary(HandWritten.Map(2, ordinal)));
    }

    [Fact]
    public void An_entity_with_no_entries_or_with_entries_out_of_order_in_a_version_2_payload_raises_SerializationException()
    {
        Entry[] inOrder = [View(1, "pbx-1", DeviceState.InUse), View(1, "pbx-2", DeviceState.Busy)];

        Assert.Equal(2, FromBinary(HandWritten.Map(2, [("PJSIP/1000", inOrder)])).Get("PJSIP/1000").Entries.Length);
        Assert.Throws<SerializationException>(() => FromBinary(HandWritten.Map(2, [("PJSIP/1000", [])])));
        Assert.Throws<SerializationException>(() => FromBinary(HandWritten.Map(2, [("PJSIP/1000", inOrder.Reverse())])));
        Assert.Throws<SerializationException>(() => FromBinary(HandWritten.Map(2, [("PJSIP/1000", [inOrder[0], View(2, "pbx-1", null)])])));
    }

    [Fact]
    public void A_version_2_count_larger_than_the_payload_raises_SerializationException_without_allocating_for_it()
    {
        Assert.Throws<SerializationException>(() => FromBinary([2, 0xFF, 0xFF, 0xFF, 0xFF, 0x07]));
        Assert.Throws<SerializationException>(() => FromBinary([2, 0x80, 0x89, 0x7A]));
    }

    [Fact]
    public void Every_truncation_of_a_version_1_payload_raises_SerializationException()
    {
        var bytes = Convert.FromHexString(LegacyPayloads.AllKindsVersion1Hex);

        for (var length = 0; length < bytes.Length; length++)
        {
            var truncated = bytes[..length];
            Assert.Throws<SerializationException>(() => FromBinary(truncated));
        }
    }

    [Fact]
    public void Node_names_read_from_payloads_are_one_instance_per_name()
    {
        // A replica received from a peer would otherwise hold a copy of a node's name per entry.
        var map = Build(Enumerable.Range(0, 200).Select(i => ($"PJSIP/{i}", (Entry)View(i, i % 2 == 0 ? "pbx-1" : "pbx-2", DeviceState.Busy))));

        var first = FromBinary(ToBinary(map));
        var second = FromBinary(ToBinary(map));

        var names = first.Entities.Concat(second.Entities).SelectMany(kv => kv.Value.Entries).Select(e => e.Stamp.Node).ToList();
        Assert.Equal(2, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(2, names.Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    // ---- cached leaf encodings ----

    [Fact]
    public void Serializing_after_puts_and_merges_gives_the_bytes_of_an_equal_map_serialized_from_scratch()
    {
        // Cached leaf encodings must never outlive what they encode.
        var random = new Random(74);
        var map = RandomMap(random, 2_000);
        for (var step = 0; step < 200; step++)
        {
            switch (random.Next(3))
            {
                case 0:
                    map = map.Put(RandomId(random, 3_000), RandomEntry(random)).ResetDelta();
                    break;
                case 1:
                    map = map.PutAll([.. Enumerable.Range(0, random.Next(1, 40)).Select(_ => (RandomId(random, 3_000), RandomEntry(random)))]).ResetDelta();
                    break;
                default:
                    var remote = FromBinary(ToBinary(map.Put(RandomId(random, 3_000), RandomEntry(random))));
                    map = map.Merge(remote);
                    break;
            }
            var bytes = ToBinary(map);

            Assert.Equal(ToBinary(EntityMap.FromEntities(map.Entities.ToList())), bytes);
            Assert.Equal(map, FromBinary(bytes));
        }
    }

    [Fact]
    public void A_map_serialized_again_after_one_change_encodes_only_the_leaves_that_change_made()
    {
        var random = new Random(75);
        var map = RandomMap(random, 5_000);
        ToBinary(map);
        var before = map.Leaves.ToDictionary(leaf => leaf, leaf => leaf.Encoded!);
        Assert.All(map.Leaves, leaf => Assert.NotNull(leaf.Encoded));

        var changed = map.Put("PJSIP/changed", View(1, "pbx-1", DeviceState.Busy));
        var unencoded = changed.Leaves.Where(leaf => leaf.Encoded is null).ToList();
        ToBinary(changed);

        // One leaf took the change (more only if it had to split); every other leaf is the same
        // instance with the same cached bytes.
        Assert.InRange(unencoded.Count, 1, Trie.Fanout);
        Assert.Contains(unencoded, leaf => leaf.Items.Any(item => item.Id == "PJSIP/changed"));
        foreach (var leaf in changed.Leaves.Except(unencoded))
        {
            Assert.Same(before[leaf], leaf.Encoded);
        }
    }

    // ---- the durable store's per-entity slot encoding ----

    [Fact]
    public void A_slot_round_trips_through_its_row_encoding_for_every_kind()
    {
        foreach (var (_, slot) in AllKinds().Entities)
        {
            var bytes = ActorPresenceSerializer.SlotToBytes(slot);

            Assert.Equal(slot, ActorPresenceSerializer.SlotFromBytes(bytes));
            Assert.Equal(1, bytes[0]);
            Assert.Throws<SerializationException>(() => ActorPresenceSerializer.SlotFromBytes([.. bytes, 0]));
            for (var length = 0; length < bytes.Length; length++)
            {
                Assert.Throws<SerializationException>(() => ActorPresenceSerializer.SlotFromBytes(bytes.AsSpan(0, length)));
            }
            bytes[0] = 2;
            Assert.Throws<SerializationException>(() => ActorPresenceSerializer.SlotFromBytes(bytes));
        }
    }

    [Fact]
    public void A_slot_row_with_no_entries_raises_SerializationException()
    {
        Assert.Throws<SerializationException>(() => ActorPresenceSerializer.SlotFromBytes([1, 0]));
    }

    // ---- helpers ----

    private static readonly string[] NodeNames = ["pbx-1", "pbx-2", "pbx-3"];

    private static string RandomId(Random random, int space) => random.Next(3) switch
    {
        0 => $"PJSIP/{random.Next(space)}",
        1 => $"{random.Next(space)}@default",
        _ => $"jos\u00e9{random.Next(space)}",
    };

    private static Entry RandomEntry(Random random)
    {
        var node = NodeNames[random.Next(NodeNames.Length)];
        var ticks = random.Next(0, 6);
        return random.Next(3) switch
        {
            0 => View(ticks, node, random.Next(4) == 0 ? null : (DeviceState)random.Next(9), incarnation: random.Next(1, 3)),
            1 => Mailbox(ticks, node, random.Next(3), random.Next(3)),
            _ => Presence(ticks, node, (PresenceState)random.Next(7), "", random.Next(2) == 0 ? "" : "lunch \U0001F4DE"),
        };
    }

    private static EntityMap RandomMap(Random random, int puts) =>
        Build(Enumerable.Range(0, puts).Select(_ => (RandomId(random, puts + 1), RandomEntry(random))));

    /// <summary>The map layout written by hand with <see cref="BinaryWriter"/>, entities in the order given.</summary>
    private static class HandWritten
    {
        public static byte[] Map(byte version, IEnumerable<(string Id, IEnumerable<Entry> Entries)> entities)
        {
            var list = entities.Select(e => (e.Id, Entries: e.Entries.ToList())).ToList();
            using var stream = new MemoryStream();
            using (var w = new BinaryWriter(stream, new UTF8Encoding(false), leaveOpen: true))
            {
                w.Write(version);
                w.Write7BitEncodedInt(list.Count);
                foreach (var (id, entries) in list)
                {
                    w.Write(id);
                    w.Write7BitEncodedInt(entries.Count);
                    foreach (var entry in entries)
                    {
                        WriteEntry(w, entry);
                    }
                }
            }
            return stream.ToArray();
        }

        private static void WriteEntry(BinaryWriter w, Entry entry)
        {
            switch (entry)
            {
                case DeviceViewEntry d:
                    w.Write((byte)1);
                    w.Write(d.Stamp.Ticks);
                    w.Write(d.Stamp.Node);
                    w.Write(d.Incarnation);
                    w.Write(d.State is { } s ? (byte)s : (byte)0xFF);
                    break;
                case MailboxEntry m:
                    w.Write((byte)2);
                    w.Write(m.Stamp.Ticks);
                    w.Write(m.Stamp.Node);
                    w.Write7BitEncodedInt(m.Counts.New);
                    w.Write7BitEncodedInt(m.Counts.Old);
                    w.Write7BitEncodedInt(m.Counts.Urgent);
                    break;
                case PresenceEntry p:
                    w.Write((byte)3);
                    w.Write(p.Stamp.Ticks);
                    w.Write(p.Stamp.Node);
                    w.Write((byte)p.Presence.State);
                    w.Write(p.Presence.Subtype);
                    w.Write(p.Presence.Message);
                    break;
                default:
                    throw new ArgumentException($"unknown entry {entry.GetType()}");
            }
        }
    }
}
