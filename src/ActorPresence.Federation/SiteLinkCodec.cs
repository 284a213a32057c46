using ActorPresence.Domain;
using ActorPresence.Federation.Wire;

namespace ActorPresence.Federation;

/// <summary>An entity as the link names it: its kind and id.</summary>
public readonly record struct EntityKey(EntityKind Kind, string Id)
{
    public override string ToString() => $"{Kind.Name()} {Id}";
}

/// <summary>A frame or entry a peer sent that breaks the link's rules; the message says which.</summary>
public sealed class SiteLinkViolation(string message) : Exception(message);

/// <summary>A validated entry from a peer site.</summary>
public abstract record Inbound(EntityKey Key);

/// <summary>The peer's aggregate of a device; a null state withdraws its view.</summary>
public sealed record InboundDevice(DeviceId Device, DeviceState? State, long Ticks) : Inbound(new EntityKey(EntityKind.Device, Device.Value));

public sealed record InboundMailbox(MailboxId Mailbox, MailboxCounts Counts, long Ticks, NodeName Writer) : Inbound(new EntityKey(EntityKind.Mailbox, Mailbox.Value));

public sealed record InboundPresence(PresentityId Presentity, Presence Presence, long Ticks, NodeName Writer) : Inbound(new EntityKey(EntityKind.Presence, Presentity.Value));

/// <summary>
/// Between the domain and the link's wire messages. Outbound: what this site exports of an entity,
/// read from a state event (only what its own nodes wrote). Inbound: every field of a peer's entry
/// checked by the domain's own rules before anything is written.
/// </summary>
public static class SiteLinkCodec
{
    /// <summary>Most entries one frame may carry, whatever its size in bytes.</summary>
    public const int MaxEntriesPerFrame = 10_000;

    /// <summary>
    /// What this site exports of the entity an event describes: a device's aggregate over the views of
    /// this site's own nodes (withdrawn when it has none), or a mailbox or presence value written by one
    /// of them. Null when there is nothing of this site's to export (a value imported from a peer).
    /// </summary>
    public static Entry? ExportOf(StateEvent e) => e switch
    {
        DeviceStateEvent d => ExportDevice(d.Device),
        MailboxStateEvent { Mailbox: var m } when m.WrittenBy.Site is null => new Entry
        {
            Mailbox = new MailboxValue
            {
                Id = m.Id.Value,
                New = (uint)m.Counts.New,
                Old = (uint)m.Counts.Old,
                Urgent = (uint)m.Counts.Urgent,
                Ticks = m.WrittenAt.UtcTicks,
                Writer = m.WrittenBy.Value,
            },
        },
        PresenceStateEvent { Presence: var p } when p.WrittenBy.Site is null => new Entry
        {
            Presence = new PresenceValue
            {
                Id = p.Id.Value,
                State = p.Presence.State.ToName(),
                Subtype = p.Presence.Subtype,
                Message = p.Presence.Message,
                Ticks = p.WrittenAt.UtcTicks,
                Writer = p.WrittenBy.Value,
            },
        },
        _ => null,
    };

    private static Entry ExportDevice(DeviceSnapshot device)
    {
        var aggregate = DeviceStateAggregation.Aggregator.Empty;
        var any = false;
        long newest = 0;
        foreach (var view in device.Views)
        {
            if (view.Node.Site is null)
            {
                aggregate = aggregate.Add(view.State);
                newest = Math.Max(newest, view.UpdatedAt.UtcTicks);
                any = true;
            }
        }
        return new Entry
        {
            Device = new DeviceAggregate
            {
                Id = device.Id.Value,
                State = any ? aggregate.Result.ToName() : "",
                Withdrawn = !any,
                Ticks = newest,
            },
        };
    }

    public static EntityKey KeyOf(Entry entry) => entry.ValueCase switch
    {
        Entry.ValueOneofCase.Device => new EntityKey(EntityKind.Device, entry.Device.Id),
        Entry.ValueOneofCase.Mailbox => new EntityKey(EntityKind.Mailbox, entry.Mailbox.Id),
        Entry.ValueOneofCase.Presence => new EntityKey(EntityKind.Presence, entry.Presence.Id),
        _ => throw new SiteLinkViolation("an entry with no value"),
    };

    /// <summary>Whether two exports of the same entity would tell a peer the same thing (a device's
    /// aggregate is the same state whenever its views changed).</summary>
    public static bool SameExport(Entry? a, Entry? b)
    {
        if (a is null || b is null)
        {
            return IsNothing(a) && IsNothing(b);
        }
        if (a.ValueCase == Entry.ValueOneofCase.Device && b.ValueCase == Entry.ValueOneofCase.Device)
        {
            return a.Device.Withdrawn == b.Device.Withdrawn && a.Device.State == b.Device.State;
        }
        return a.Equals(b);
    }

    /// <summary>A device with no view of this site's is, to a peer, the same as a device never seen.</summary>
    public static bool IsNothing(Entry? e) => e is null || e.ValueCase == Entry.ValueOneofCase.Device && e.Device.Withdrawn;

    /// <summary>Checks a peer's entry by the domain's rules. Throws <see cref="SiteLinkViolation"/> naming what is wrong.</summary>
    public static Inbound Decode(Entry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        try
        {
            return entry.ValueCase switch
            {
                Entry.ValueOneofCase.Device => DecodeDevice(entry.Device),
                Entry.ValueOneofCase.Mailbox => new InboundMailbox(
                    new MailboxId(entry.Mailbox.Id),
                    new MailboxCounts(Count(entry.Mailbox.New, "new"), Count(entry.Mailbox.Old, "old"), Count(entry.Mailbox.Urgent, "urgent")),
                    Stamp(entry.Mailbox.Ticks),
                    Writer(entry.Mailbox.Writer)),
                Entry.ValueOneofCase.Presence => new InboundPresence(
                    new PresentityId(entry.Presence.Id),
                    new Presence(PresenceStateNames.Parse(entry.Presence.State), entry.Presence.Subtype, entry.Presence.Message),
                    Stamp(entry.Presence.Ticks),
                    Writer(entry.Presence.Writer)),
                _ => throw new SiteLinkViolation("an entry with no value"),
            };
        }
        catch (ValidationException e)
        {
            throw new SiteLinkViolation($"a {entry.ValueCase.ToString().ToLowerInvariant()} entry: {e.Message}");
        }
    }

    private static InboundDevice DecodeDevice(DeviceAggregate device)
    {
        var id = new DeviceId(device.Id);
        if (device.Ticks < 0)
        {
            throw new ValidationException("ticks", $"must not be negative (got {device.Ticks})");
        }
        if (device.Withdrawn)
        {
            return device.State.Length == 0
                ? new InboundDevice(id, null, device.Ticks)
                : throw new ValidationException("state", "must be empty in a withdrawn aggregate");
        }
        return new InboundDevice(id, DeviceStateNames.Parse(device.State), device.Ticks);
    }

    private static int Count(uint value, string field) =>
        value <= int.MaxValue ? (int)value : throw new ValidationException(field, $"must be at most {int.MaxValue} (got {value})");

    private static long Stamp(long ticks) =>
        ticks > 0 && ticks <= DateTimeOffset.MaxValue.UtcTicks ? ticks : throw new ValidationException("ticks", $"must be a clock reading (got {ticks})");

    /// <summary>A node of the peer site, as it names itself: a name with a site in it (node@other) would be
    /// a value the peer imported, which it must never pass on.</summary>
    private static NodeName Writer(string writer) => new(writer);
}
