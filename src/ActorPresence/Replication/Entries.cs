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
        if (byStamp == 0)
        {
            byStamp = a.Rank.CompareTo(b.Rank);
        }
        if (byStamp == 0)
        {
            byStamp = a.CompareContent(b);
        }
        return byStamp >= 0 ? a : b;
    }

    /// <summary>Orders the kinds, for the (invalid) case of two kinds in one slot.</summary>
    private protected abstract int Rank { get; }

    /// <summary>A total order of the content of two entries of the same kind, field by field, culture-free.</summary>
    private protected abstract int CompareContent(Entry other);

    /// <summary>Folds the entry (stamp, kind and content) into <paramref name="digest"/>: the same on every
    /// node for equal entries (see <see cref="Digest64"/>).</summary>
    internal Digest64 AddTo(Digest64 digest) =>
        AddContent(digest.Add(Stamp.Ticks).Add(Stamp.Node).Add(Rank));

    private protected abstract Digest64 AddContent(Digest64 digest);
}

/// <summary>
/// A node's view of a device. <see cref="Stamp"/>'s node is the view's owner; <see cref="Incarnation"/>
/// is the owner's cluster uid when it wrote, so removing a dead incarnation never touches the views
/// of the same node restarted. A null <see cref="State"/> is a withdrawn (or removed) view.
/// </summary>
public sealed record DeviceViewEntry(Stamp Stamp, long Incarnation, DeviceState? State) : Entry(Stamp)
{
    public override string SubKey => Stamp.Node;

    private protected override int Rank => 1;

    private protected override int CompareContent(Entry other)
    {
        var o = (DeviceViewEntry)other;
        var c = Incarnation.CompareTo(o.Incarnation);
        return c != 0 ? c : ((int?)State ?? -1).CompareTo((int?)o.State ?? -1);
    }

    private protected override Digest64 AddContent(Digest64 digest) => digest.Add(Incarnation).Add((int?)State ?? -1);
}

public sealed record MailboxEntry(Stamp Stamp, MailboxCounts Counts) : Entry(Stamp)
{
    public override string SubKey => "";

    private protected override int Rank => 2;

    private protected override int CompareContent(Entry other)
    {
        var o = ((MailboxEntry)other).Counts;
        var c = Counts.New.CompareTo(o.New);
        c = c != 0 ? c : Counts.Old.CompareTo(o.Old);
        return c != 0 ? c : Counts.Urgent.CompareTo(o.Urgent);
    }

    private protected override Digest64 AddContent(Digest64 digest) => digest.Add(Counts.New).Add(Counts.Old).Add(Counts.Urgent);
}

public sealed record PresenceEntry(Stamp Stamp, Presence Presence) : Entry(Stamp)
{
    public override string SubKey => "";

    private protected override int Rank => 3;

    private protected override int CompareContent(Entry other)
    {
        var o = ((PresenceEntry)other).Presence;
        var c = Presence.State.CompareTo(o.State);
        c = c != 0 ? c : string.CompareOrdinal(Presence.Subtype, o.Subtype);
        return c != 0 ? c : string.CompareOrdinal(Presence.Message, o.Message);
    }

    private protected override Digest64 AddContent(Digest64 digest) =>
        digest.Add((int)Presence.State).Add(Presence.Subtype).Add(Presence.Message);
}
