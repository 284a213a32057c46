using ActorPresence.Domain;

namespace ActorPresence.Replication;

/// <summary>Marker for everything that crosses the wire; the project's serializer is bound to it.</summary>
public interface IActorPresenceWireMessage;

/// <summary>
/// One versioned write about one entity. A device has one entry per node (its view, written only by
/// that node); a mailbox or presentity has a single entry. Entries for the same slot are merged by
/// keeping the larger <see cref="Stamp"/>.
/// </summary>
public abstract record Entry(Stamp Stamp)
{
    /// <summary>Which slot of the entity this entry fills: the owning node for device views, empty otherwise.</summary>
    public abstract string SubKey { get; }

    /// <summary>The winner of two entries for the same slot: larger stamp, then (for equal stamps, which
    /// only a clock set back can produce) a fixed order of the content, so every node picks the same.</summary>
    public static Entry Newer(Entry a, Entry b)
    {
        var byStamp = a.Stamp.CompareTo(b.Stamp);
        if (byStamp != 0)
        {
            return byStamp > 0 ? a : b;
        }
        return a.Equals(b) || string.CompareOrdinal(a.ToString(), b.ToString()) >= 0 ? a : b;
    }
}

/// <summary>
/// A node's view of a device. <see cref="Stamp"/>'s node is the view's owner; <see cref="Incarnation"/>
/// is the owner's cluster uid when it wrote, so removing a dead incarnation never touches the views
/// of the same node restarted. A null <see cref="State"/> is a withdrawn (or removed) view.
/// </summary>
public sealed record DeviceViewEntry(Stamp Stamp, long Incarnation, DeviceState? State) : Entry(Stamp)
{
    public override string SubKey => Stamp.Node;
}

public sealed record MailboxEntry(Stamp Stamp, MailboxCounts Counts) : Entry(Stamp)
{
    public override string SubKey => "";
}

public sealed record PresenceEntry(Stamp Stamp, Presence Presence) : Entry(Stamp)
{
    public override string SubKey => "";
}
