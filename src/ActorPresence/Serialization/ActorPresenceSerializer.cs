using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Text;
using ActorPresence.Domain;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.Serialization;

namespace ActorPresence.Serialization;

/// <summary>
/// The binary wire format of ActorPresence, for every type that crosses the wire: the replicated
/// <see cref="EntityMap"/> (full state and deltas) and the direct path's <see cref="DirectChanges"/>.
/// Explicit and versioned: each payload starts with a format version byte, strings are UTF-8 with a
/// length prefix, integers are little-endian or 7-bit varints, and a map's entities are written in
/// its canonical order, so equal values always give equal bytes (distributed data digests the bytes).
/// Manifests are short fixed strings that never change meaning; a new layout gets a new manifest
/// or version byte. Anything malformed raises <see cref="SerializationException"/>.
/// </summary>
/// <remarks>
/// Map layout: version, entity count, then per entity its id, entry count and entries. Version 1
/// ordered entities by ordinal id; version 2 (written since) by (<see cref="EntityHash"/>, ordinal
/// id), the order of the trie's leaves, so each leaf's part of the payload is cached on the leaf
/// and a map serialized again after a few changes re-encodes only the leaves that changed.
/// Version 1 is still read, for durable files and peers written before.
/// </remarks>
public sealed class ActorPresenceSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 4711;
    public const string EntityMapManifest = "APM";
    public const string DirectChangesManifest = "APD";
    public const string KeyDigestsQueryManifest = "APQ";
    public const string KeyDigestsManifest = "APK";
    public const string KeyItemsQueryManifest = "APR";
    public const string KeyItemsManifest = "APS";

    private const byte MapVersionOrdinalOrder = 1;
    private const byte MapVersion = 2;
    private const byte DirectVersion = 1;
    private const byte DigestsVersion = 1;
    // The durable store's per-entity rows: version, entry count, entries (an entity's part of a map payload).
    private const byte SlotVersion = 1;

    // Upper bounds that reject a corrupt or hostile frame before allocating for it.
    private const int MaxEntities = 10_000_000;
    private const int MaxEntriesPerSlot = 100_000;
    private const int MaxStringBytes = 4096;
    // The smallest entry (a mailbox or presence entry with a one-byte node name and empty texts),
    // and the smallest entity of a version 2 map (empty id, one such entry).
    private const int MinEntryBytes = 13;
    private const int MinEntityBytes = 2 + MinEntryBytes;

    private const byte DeviceTag = 1;
    private const byte MailboxTag = 2;
    private const byte PresenceTag = 3;
    private const byte NoState = 0xFF;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        EntityMap => EntityMapManifest,
        DirectChanges => DirectChangesManifest,
        KeyDigestsQuery => KeyDigestsQueryManifest,
        KeyDigests => KeyDigestsManifest,
        KeyItemsQuery => KeyItemsQueryManifest,
        KeyItems => KeyItemsManifest,
        _ => throw new ArgumentException($"ActorPresenceSerializer cannot serialize {o.GetType()}", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        EntityMap map => MapToBinary(map),
        DirectChanges direct => DirectToBinary(direct),
        KeyDigestsQuery query => QueryToBinary(query),
        KeyDigests digests => DigestsToBinary(digests),
        KeyItemsQuery query => ItemsQueryToBinary(query),
        KeyItems items => ItemsToBinary(items),
        _ => throw new ArgumentException($"ActorPresenceSerializer cannot serialize {obj.GetType()}", nameof(obj)),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            var r = new WireReader(bytes);
            object result = manifest switch
            {
                EntityMapManifest => ReadMap(ref r),
                DirectChangesManifest => ReadDirect(ref r),
                KeyDigestsQueryManifest => ReadQuery(ref r),
                KeyDigestsManifest => ReadDigests(ref r),
                KeyItemsQueryManifest => ReadItemsQuery(ref r),
                KeyItemsManifest => ReadItems(ref r),
                _ => throw new SerializationException($"unknown ActorPresence manifest '{manifest}'"),
            };
            if (r.Remaining != 0)
            {
                throw new SerializationException($"{r.Remaining} trailing bytes after '{manifest}'");
            }
            return result;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IOException)
        {
            throw new SerializationException($"malformed ActorPresence payload '{manifest}': {e.Message}", e);
        }
    }

    /// <summary>One entity's slot as the durable store keeps it in a row of its own.</summary>
    internal static byte[] SlotToBytes(Slot slot)
    {
        var w = new WireWriter(16 + (slot.Entries.Length * 32));
        w.Byte(SlotVersion);
        WriteSlot(ref w, slot);
        return w.ToArrayAndReturn();
    }

    /// <summary>Reads what <see cref="SlotToBytes"/> wrote, as strictly as a map payload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Slot SlotFromBytes(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var r = new WireReader(bytes);
            var version = r.Byte();
            if (version != SlotVersion)
            {
                throw new SerializationException($"unsupported ActorPresence slot format version {version}");
            }
            var slot = ReadOrderedSlot(ref r);
            if (r.Remaining != 0)
            {
                throw new SerializationException($"{r.Remaining} trailing bytes after a slot");
            }
            return slot;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IOException)
        {
            throw new SerializationException($"malformed ActorPresence slot: {e.Message}", e);
        }
    }

    // ---- maps ----

    private static byte[] MapToBinary(EntityMap map)
    {
        var parts = new List<byte[]>();
        var count = map.Count;
        var length = 1 + VarIntSize(count);
        foreach (var leaf in map.Leaves)
        {
            var encoded = leaf.Encoded;
            if (encoded is null)
            {
                encoded = EncodeLeaf(leaf);
                leaf.Encoded = encoded;
            }
            parts.Add(encoded);
            length += encoded.Length;
        }
        // Every byte is written below: no need to clear the array first.
        var bytes = GC.AllocateUninitializedArray<byte>(length);
        bytes[0] = MapVersion;
        var at = 1 + WriteVarInt(bytes.AsSpan(1), count);
        foreach (var part in parts)
        {
            part.CopyTo(bytes, at);
            at += part.Length;
        }
        return bytes;
    }

    private static byte[] EncodeLeaf(TrieLeaf leaf)
    {
        var w = new WireWriter(leaf.Items.Length * 64);
        foreach (var item in leaf.Items)
        {
            w.String(item.Id);
            WriteSlot(ref w, item.Slot);
        }
        return w.ToArrayAndReturn();
    }

    private static void WriteSlot(ref WireWriter w, Slot slot)
    {
        w.VarInt(slot.Entries.Length);
        foreach (var entry in slot.Entries)
        {
            WriteEntry(ref w, entry);
        }
    }

    private static EntityMap ReadMap(ref WireReader r)
    {
        var version = r.Byte();
        return version switch
        {
            MapVersion => ReadCanonicalMap(ref r),
            MapVersionOrdinalOrder => ReadOrdinalMap(ref r),
            _ => throw new SerializationException($"unsupported ActorPresence format version {version} for manifest '{EntityMapManifest}'"),
        };
    }

    /// <summary>Version 2: strictly increasing (hash, id), every slot non-empty with its entries in
    /// strictly increasing sub-key order, exactly as written; the trie is built in one pass.</summary>
    private static EntityMap ReadCanonicalMap(ref WireReader r)
    {
        var count = ReadCount(ref r, MaxEntities);
        if (count > r.Remaining / MinEntityBytes)
        {
            throw new SerializationException($"{count} entities cannot fit in {r.Remaining} bytes");
        }
        var items = new TrieItem[count];
        for (var i = 0; i < count; i++)
        {
            var id = r.String();
            var hash = EntityHash.Of(id);
            if (i > 0 && TrieItem.Compare(items[i - 1].Hash, items[i - 1].Id, hash, id) >= 0)
            {
                throw new SerializationException("entities out of canonical order");
            }
            items[i] = new TrieItem(hash, id, ReadOrderedSlot(ref r));
        }
        return EntityMap.FromCanonical(items);
    }

    /// <summary>Version 1, as it was read before: strictly increasing ordinal ids, entries in any order.</summary>
    private static EntityMap ReadOrdinalMap(ref WireReader r)
    {
        var count = ReadCount(ref r, MaxEntities);
        var entities = new List<KeyValuePair<string, Slot>>(Math.Min(count, 65_536));
        string? previous = null;
        for (var i = 0; i < count; i++)
        {
            var id = r.String();
            if (previous is not null && string.CompareOrdinal(previous, id) >= 0)
            {
                throw new SerializationException("entity ids out of order");
            }
            previous = id;
            var entries = ReadCount(ref r, MaxEntriesPerSlot);
            var slot = Slot.Empty;
            for (var j = 0; j < entries; j++)
            {
                slot = slot.With(ReadEntry(ref r)).Slot;
            }
            entities.Add(new(id, slot));
        }
        return EntityMap.FromEntities(entities);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Slot ReadOrderedSlot(ref WireReader r)
    {
        var count = ReadCount(ref r, MaxEntriesPerSlot);
        if (count == 0)
        {
            throw new SerializationException("an entity with no entries");
        }
        if (count > r.Remaining / MinEntryBytes)
        {
            throw new SerializationException($"{count} entries cannot fit in {r.Remaining} bytes");
        }
        var entries = new Entry[count];
        for (var i = 0; i < count; i++)
        {
            entries[i] = ReadEntry(ref r);
            if (i > 0 && string.CompareOrdinal(entries[i - 1].SubKey, entries[i].SubKey) >= 0)
            {
                throw new SerializationException("entries of an entity out of order or repeated");
            }
        }
        return Slot.FromOrdered(ImmutableCollectionsMarshal.AsImmutableArray(entries));
    }

    // ---- key digests (before a repair) ----

    private static byte[] QueryToBinary(KeyDigestsQuery query)
    {
        var w = new WireWriter(16);
        w.Byte(DigestsVersion);
        w.Byte((byte)query.Kind);
        w.Int64(query.Round);
        return w.ToArrayAndReturn();
    }

    private static KeyDigestsQuery ReadQuery(ref WireReader r)
    {
        var kind = ReadKindHeader(ref r, DigestsVersion, KeyDigestsQueryManifest);
        return new KeyDigestsQuery(kind, r.Int64());
    }

    private static byte[] DigestsToBinary(KeyDigests digests)
    {
        if (digests.Digests.Count > KeyDigests.MaxKeys)
        {
            throw new ArgumentException($"{digests.Digests.Count} key digests, more than {KeyDigests.MaxKeys}", nameof(digests));
        }
        var w = new WireWriter(16 + (digests.Digests.Count * 8));
        w.Byte(DigestsVersion);
        w.Byte((byte)digests.Kind);
        w.Int64(digests.Round);
        w.VarInt(digests.Digests.Count);
        foreach (var digest in digests.Digests)
        {
            w.Int64((long)digest);
        }
        return w.ToArrayAndReturn();
    }

    private static KeyDigests ReadDigests(ref WireReader r)
    {
        var kind = ReadKindHeader(ref r, DigestsVersion, KeyDigestsManifest);
        var round = r.Int64();
        return new KeyDigests(kind, round, ReadDigestList(ref r, KeyDigests.MaxKeys, "key digests"));
    }

    // ---- a key's differing entities (a repair from one peer) ----

    private static byte[] ItemsQueryToBinary(KeyItemsQuery query)
    {
        if (query.Held.Count > KeyItemsQuery.MaxHeld)
        {
            throw new ArgumentException($"{query.Held.Count} entity digests, more than {KeyItemsQuery.MaxHeld}", nameof(query));
        }
        CheckKeyIndex(query.Key);
        var w = new WireWriter(24 + (query.Held.Count * 8));
        w.Byte(DigestsVersion);
        w.Byte((byte)query.Kind);
        w.Int64(query.Round);
        w.VarInt(query.Key);
        w.VarInt(query.Held.Count);
        var previous = 0UL;
        foreach (var digest in query.Held)
        {
            if (digest < previous)
            {
                throw new ArgumentException("entity digests not in ascending order", nameof(query));
            }
            previous = digest;
            w.Int64((long)digest);
        }
        return w.ToArrayAndReturn();
    }

    private static KeyItemsQuery ReadItemsQuery(ref WireReader r)
    {
        var kind = ReadKindHeader(ref r, DigestsVersion, KeyItemsQueryManifest);
        var round = r.Int64();
        var key = ReadKeyIndex(ref r);
        var held = ReadDigestList(ref r, KeyItemsQuery.MaxHeld, "entity digests");
        for (var i = 1; i < held.Length; i++)
        {
            if (held[i] < held[i - 1])
            {
                throw new SerializationException("entity digests out of order");
            }
        }
        return new KeyItemsQuery(kind, round, key, held);
    }

    private static byte[] ItemsToBinary(KeyItems items)
    {
        if (items.Items.Count > KeyItems.MaxItems)
        {
            throw new ArgumentException($"{items.Items.Count} entities, more than {KeyItems.MaxItems}", nameof(items));
        }
        CheckKeyIndex(items.Key);
        var map = MapToBinary(items.Items);
        var w = new WireWriter(24 + map.Length);
        w.Byte(DigestsVersion);
        w.Byte((byte)items.Kind);
        w.Int64(items.Round);
        w.VarInt(items.Key);
        w.Byte(items.Complete ? (byte)1 : (byte)0);
        var header = w.ToArrayAndReturn();
        return [.. header, .. map];
    }

    private static KeyItems ReadItems(ref WireReader r)
    {
        var kind = ReadKindHeader(ref r, DigestsVersion, KeyItemsManifest);
        var round = r.Int64();
        var key = ReadKeyIndex(ref r);
        var complete = r.Byte() switch
        {
            0 => false,
            1 => true,
            var other => throw new SerializationException($"'complete' must be 0 or 1, not {other}"),
        };
        var map = ReadMap(ref r);
        if (map.Count > KeyItems.MaxItems || (!complete && map.Count > 0))
        {
            throw new SerializationException(complete
                ? $"{map.Count} entities in a key's differing entities, more than {KeyItems.MaxItems}"
                : "entities in an incomplete answer");
        }
        return new KeyItems(kind, round, key, complete, map);
    }

    /// <summary>A count (at most <paramref name="max"/>), then as many 64-bit digests.</summary>
    private static ulong[] ReadDigestList(ref WireReader r, int max, string what)
    {
        var count = ReadCount(ref r, max);
        if (count > r.Remaining / 8)
        {
            throw new SerializationException($"{count} {what} cannot fit in {r.Remaining} bytes");
        }
        var digests = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            digests[i] = (ulong)r.Int64();
        }
        return digests;
    }

    private static void CheckKeyIndex(int key)
    {
        if (key < 0 || key >= KeyDigests.MaxKeys)
        {
            throw new ArgumentOutOfRangeException(nameof(key), key, $"a key index is below {KeyDigests.MaxKeys}");
        }
    }

    private static int ReadKeyIndex(ref WireReader r) => ReadCount(ref r, KeyDigests.MaxKeys - 1);

    /// <summary>The version byte (which must be <paramref name="expected"/>) and entity kind that
    /// start the payloads of the direct path and of the key digests.</summary>
    private static EntityKind ReadKindHeader(ref WireReader r, byte expected, string manifest)
    {
        var version = r.Byte();
        if (version != expected)
        {
            throw new SerializationException($"unsupported ActorPresence format version {version} for manifest '{manifest}'");
        }
        var kind = (EntityKind)r.Byte();
        if (!Enum.IsDefined(kind))
        {
            throw new SerializationException($"unknown entity kind {(int)kind}");
        }
        return kind;
    }

    // ---- direct changes ----

    private static byte[] DirectToBinary(DirectChanges direct)
    {
        var w = new WireWriter(8 + (direct.Changes.Count * 48));
        w.Byte(DirectVersion);
        w.Byte((byte)direct.Kind);
        w.VarInt(direct.Changes.Count);
        foreach (var change in direct.Changes)
        {
            w.String(change.Id);
            WriteEntry(ref w, change.Entry);
        }
        return w.ToArrayAndReturn();
    }

    private static DirectChanges ReadDirect(ref WireReader r)
    {
        var kind = ReadKindHeader(ref r, DirectVersion, DirectChangesManifest);
        var count = ReadCount(ref r, MaxEntriesPerSlot);
        if (count > r.Remaining / (1 + MinEntryBytes))
        {
            throw new SerializationException($"{count} changes cannot fit in {r.Remaining} bytes");
        }
        var changes = new DirectChange[count];
        for (var i = 0; i < count; i++)
        {
            var id = r.String();
            changes[i] = new DirectChange(id, ReadEntry(ref r));
        }
        return new DirectChanges(kind, changes);
    }

    // ---- entries ----

    private static void WriteEntry(ref WireWriter w, Entry entry)
    {
        switch (entry)
        {
            case DeviceViewEntry d:
                w.Byte(DeviceTag);
                WriteStamp(ref w, d.Stamp);
                w.Int64(d.Incarnation);
                w.Byte(d.State is { } s ? (byte)s : NoState);
                break;
            case MailboxEntry m:
                w.Byte(MailboxTag);
                WriteStamp(ref w, m.Stamp);
                w.VarInt(m.Counts.New);
                w.VarInt(m.Counts.Old);
                w.VarInt(m.Counts.Urgent);
                break;
            case PresenceEntry p:
                w.Byte(PresenceTag);
                WriteStamp(ref w, p.Stamp);
                w.Byte((byte)p.Presence.State);
                w.String(p.Presence.Subtype);
                w.String(p.Presence.Message);
                break;
            default:
                throw new ArgumentException($"unknown entry type {entry.GetType()}", nameof(entry));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Entry ReadEntry(ref WireReader r)
    {
        var tag = r.Byte();
        var stamp = ReadStamp(ref r);
        switch (tag)
        {
            case DeviceTag:
                var incarnation = r.Int64();
                var raw = r.Byte();
                DeviceState? state = raw == NoState ? null : (DeviceState)raw;
                if (state is { } s && !DeviceStateNames.IsDefined(s))
                {
                    throw new SerializationException($"unknown device state {raw}");
                }
                return new DeviceViewEntry(stamp, incarnation, state);
            case MailboxTag:
                var @new = r.VarInt();
                var old = r.VarInt();
                return new MailboxEntry(stamp, new MailboxCounts(@new, old, r.VarInt()));
            case PresenceTag:
                var presenceState = (PresenceState)r.Byte();
                var subtype = r.String();
                return new PresenceEntry(stamp, new Presence(presenceState, subtype, r.String()));
            default:
                throw new SerializationException($"unknown entry tag {tag}");
        }
    }

    private static void WriteStamp(ref WireWriter w, Stamp stamp)
    {
        w.Int64(stamp.Ticks);
        w.String(stamp.Node);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Stamp ReadStamp(ref WireReader r)
    {
        var ticks = r.Int64();
        return new Stamp(ticks, r.NodeName());
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ReadCount(ref WireReader r, int max)
    {
        var count = r.VarInt();
        return count >= 0 && count <= max ? count : throw new SerializationException($"count {count} outside 0–{max}");
    }

    // ---- primitives: the layout of BinaryWriter/BinaryReader, on spans ----

    private static int VarIntSize(int value)
    {
        var size = 1;
        for (var v = (uint)value; v >= 0x80; v >>= 7)
        {
            size++;
        }
        return size;
    }

    private static int WriteVarInt(Span<byte> to, int value)
    {
        var n = 0;
        var v = (uint)value;
        for (; v >= 0x80; v >>= 7)
        {
            to[n++] = (byte)(v | 0x80);
        }
        to[n++] = (byte)v;
        return n;
    }

    /// <summary>An append-only buffer rented from the shared pool.</summary>
    private ref struct WireWriter
    {
        private byte[] _buffer;
        private int _length;

        public WireWriter(int capacity)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 64));
            _length = 0;
        }

        private Span<byte> Take(int count)
        {
            if (_length + count > _buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
                _buffer.AsSpan(0, _length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }
            var span = _buffer.AsSpan(_length, count);
            _length += count;
            return span;
        }

        public void Byte(byte value) => Take(1)[0] = value;

        public void Int64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Take(8), value);

        public void VarInt(int value)
        {
            var written = WriteVarInt(Take(5), value);
            _length -= 5 - written;
        }

        public void String(string value)
        {
            var count = StrictUtf8.GetByteCount(value);
            VarInt(count);
            StrictUtf8.GetBytes(value, Take(count));
        }

        public byte[] ToArrayAndReturn()
        {
            var bytes = _buffer.AsSpan(0, _length).ToArray();
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _length = 0;
            return bytes;
        }
    }

    /// <summary>Reads a payload; running past its end raises <see cref="SerializationException"/>.</summary>
    private ref struct WireReader
    {
        private readonly ReadOnlySpan<byte> _bytes;
        private int _position;

        public WireReader(ReadOnlySpan<byte> bytes)
        {
            _bytes = bytes;
            _position = 0;
        }

        public readonly int Remaining => _bytes.Length - _position;

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > Remaining)
            {
                throw new SerializationException("unexpected end of the payload");
            }
            var span = _bytes.Slice(_position, count);
            _position += count;
            return span;
        }

        public byte Byte() => Take(1)[0];

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        /// <summary>A 7-bit encoded int as BinaryReader reads it: at most five bytes, the fifth
        /// carrying no more than the top four bits.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int VarInt()
        {
            uint result = 0;
            for (var shift = 0; shift < 28; shift += 7)
            {
                var b = Byte();
                result |= (uint)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return (int)result;
                }
            }
            var last = Byte();
            if (last > 0b1111)
            {
                throw new SerializationException("a 7-bit encoded integer longer than five bytes");
            }
            return (int)(result | ((uint)last << 28));
        }

        public string String() => StrictUtf8.GetString(StringBytes());

        /// <summary>A node name: one of a cluster's few, repeated in every entry of a payload, so
        /// the same instance is handed out again rather than a copy per entry.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public string NodeName()
        {
            var bytes = StringBytes();
            if (bytes.Length > 64)
            {
                return StrictUtf8.GetString(bytes);
            }
            var index = (int)(KnownNodeNameIndex(bytes) & (KnownNodeNames.Length - 1));
            var known = Volatile.Read(ref KnownNodeNames[index]);
            if (known is not null && Ascii.Equals(bytes, known))
            {
                return known;
            }
            var name = StrictUtf8.GetString(bytes);
            Volatile.Write(ref KnownNodeNames[index], name);
            return name;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private ReadOnlySpan<byte> StringBytes()
        {
            var length = VarInt();
            if (length < 0 || length > MaxStringBytes)
            {
                throw new SerializationException($"string of {length} bytes outside 0–{MaxStringBytes}");
            }
            return Take(length);
        }
    }

    // Node names seen lately, by a hash of their bytes: a fixed, small table (a hostile payload can
    // only overwrite entries, never grow it), shared by every thread (strings are immutable).
    private static readonly string?[] KnownNodeNames = new string?[256];

    private static uint KnownNodeNameIndex(ReadOnlySpan<byte> bytes)
    {
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }
        return hash ^ (hash >> 16);
    }
}
