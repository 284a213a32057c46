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
/// length prefix, integers are little-endian or 7-bit varints, and maps are written in ordinal key
/// order, so equal values always give equal bytes (distributed data digests the bytes).
/// Manifests are short fixed strings that never change meaning; a new layout gets a new manifest
/// or version byte. Anything malformed raises <see cref="SerializationException"/>.
/// </summary>
public sealed class ActorPresenceSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 4711;
    public const string EntityMapManifest = "APM";
    public const string DirectChangesManifest = "APD";
    private const byte FormatVersion = 1;

    // Upper bounds that reject a corrupt or hostile frame before allocating for it.
    private const int MaxEntities = 10_000_000;
    private const int MaxEntriesPerSlot = 100_000;
    private const int MaxStringBytes = 4096;

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
        _ => throw new ArgumentException($"ActorPresenceSerializer cannot serialize {o.GetType()}", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, StrictUtf8, leaveOpen: true))
        {
            w.Write(FormatVersion);
            switch (obj)
            {
                case EntityMap map:
                    w.Write7BitEncodedInt(map.Entities.Count);
                    foreach (var (id, slot) in map.Entities)
                    {
                        w.Write(id);
                        w.Write7BitEncodedInt(slot.Entries.Length);
                        foreach (var entry in slot.Entries)
                        {
                            WriteEntry(w, entry);
                        }
                    }
                    break;
                case DirectChanges direct:
                    w.Write((byte)direct.Kind);
                    w.Write7BitEncodedInt(direct.Changes.Count);
                    foreach (var change in direct.Changes)
                    {
                        w.Write(change.Id);
                        WriteEntry(w, change.Entry);
                    }
                    break;
                default:
                    throw new ArgumentException($"ActorPresenceSerializer cannot serialize {obj.GetType()}", nameof(obj));
            }
        }
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            using var r = new BinaryReader(stream, StrictUtf8);
            var version = r.ReadByte();
            if (version != FormatVersion)
            {
                throw new SerializationException($"unsupported ActorPresence format version {version} for manifest '{manifest}'");
            }
            object result = manifest switch
            {
                EntityMapManifest => ReadMap(r),
                DirectChangesManifest => ReadDirect(r),
                _ => throw new SerializationException($"unknown ActorPresence manifest '{manifest}'"),
            };
            if (stream.Position != stream.Length)
            {
                throw new SerializationException($"{stream.Length - stream.Position} trailing bytes after '{manifest}'");
            }
            return result;
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or DecoderFallbackException
                                      or ArgumentException or IOException)
        {
            throw new SerializationException($"malformed ActorPresence payload '{manifest}': {e.Message}", e);
        }
    }

    private static EntityMap ReadMap(BinaryReader r)
    {
        var count = ReadCount(r, MaxEntities);
        var entities = new List<KeyValuePair<string, Slot>>(Math.Min(count, 65_536));
        string? previous = null;
        for (var i = 0; i < count; i++)
        {
            var id = ReadString(r);
            if (previous is not null && string.CompareOrdinal(previous, id) >= 0)
            {
                throw new SerializationException("entity ids out of order");
            }
            previous = id;
            var entries = ReadCount(r, MaxEntriesPerSlot);
            var slot = Slot.Empty;
            for (var j = 0; j < entries; j++)
            {
                slot = slot.With(ReadEntry(r)).Slot;
            }
            entities.Add(new(id, slot));
        }
        return EntityMap.FromEntities(entities);
    }

    private static DirectChanges ReadDirect(BinaryReader r)
    {
        var kind = (EntityKind)r.ReadByte();
        if (!Enum.IsDefined(kind))
        {
            throw new SerializationException($"unknown entity kind {(int)kind}");
        }
        var count = ReadCount(r, MaxEntriesPerSlot);
        var changes = new DirectChange[count];
        for (var i = 0; i < count; i++)
        {
            changes[i] = new DirectChange(ReadString(r), ReadEntry(r));
        }
        return new DirectChanges(kind, changes);
    }

    private static void WriteEntry(BinaryWriter w, Entry entry)
    {
        switch (entry)
        {
            case DeviceViewEntry d:
                w.Write(DeviceTag);
                WriteStamp(w, d.Stamp);
                w.Write(d.Incarnation);
                w.Write(d.State is { } s ? (byte)s : NoState);
                break;
            case MailboxEntry m:
                w.Write(MailboxTag);
                WriteStamp(w, m.Stamp);
                w.Write7BitEncodedInt(m.Counts.New);
                w.Write7BitEncodedInt(m.Counts.Old);
                w.Write7BitEncodedInt(m.Counts.Urgent);
                break;
            case PresenceEntry p:
                w.Write(PresenceTag);
                WriteStamp(w, p.Stamp);
                w.Write((byte)p.Presence.State);
                w.Write(p.Presence.Subtype);
                w.Write(p.Presence.Message);
                break;
            default:
                throw new ArgumentException($"unknown entry type {entry.GetType()}", nameof(entry));
        }
    }

    private static Entry ReadEntry(BinaryReader r)
    {
        var tag = r.ReadByte();
        var stamp = ReadStamp(r);
        switch (tag)
        {
            case DeviceTag:
                var incarnation = r.ReadInt64();
                var raw = r.ReadByte();
                DeviceState? state = raw == NoState ? null : (DeviceState)raw;
                if (state is { } s && !DeviceStateNames.IsDefined(s))
                {
                    throw new SerializationException($"unknown device state {raw}");
                }
                return new DeviceViewEntry(stamp, incarnation, state);
            case MailboxTag:
                return new MailboxEntry(stamp, new MailboxCounts(r.Read7BitEncodedInt(), r.Read7BitEncodedInt(), r.Read7BitEncodedInt()));
            case PresenceTag:
                var presenceState = (PresenceState)r.ReadByte();
                return new PresenceEntry(stamp, new Presence(presenceState, ReadString(r), ReadString(r)));
            default:
                throw new SerializationException($"unknown entry tag {tag}");
        }
    }

    private static void WriteStamp(BinaryWriter w, Stamp stamp)
    {
        w.Write(stamp.Ticks);
        w.Write(stamp.Node);
    }

    private static Stamp ReadStamp(BinaryReader r) => new(r.ReadInt64(), ReadString(r));

    private static int ReadCount(BinaryReader r, int max)
    {
        var count = r.Read7BitEncodedInt();
        return count >= 0 && count <= max ? count : throw new SerializationException($"count {count} outside 0–{max}");
    }

    private static string ReadString(BinaryReader r)
    {
        var length = r.Read7BitEncodedInt();
        if (length < 0 || length > MaxStringBytes)
        {
            throw new SerializationException($"string of {length} bytes outside 0–{MaxStringBytes}");
        }
        var bytes = r.ReadBytes(length);
        if (bytes.Length != length)
        {
            throw new EndOfStreamException();
        }
        return StrictUtf8.GetString(bytes);
    }
}
