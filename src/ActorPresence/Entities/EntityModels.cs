using ActorPresence.Domain;
using ActorPresence.Replication;
using static ActorPresence.Entities.Messages.EntityCommands;

namespace ActorPresence.Entities;

/// <summary>
/// What differs between devices, mailboxes and presence, as pure functions of a <see cref="Slot"/>:
/// how a write becomes an entry, and how a slot reads as an event. Entity actors and managers
/// share these, so a state is rendered the same way wherever it is read.
/// </summary>
public abstract class EntityModel
{
    public abstract EntityKind Kind { get; }

    /// <summary>The manager's actor name under the ActorPresence supervisor, the same on every node: the
    /// direct path addresses it by path.</summary>
    public abstract string ManagerName { get; }

    /// <summary>The entry for a local write, or null when it would change nothing.</summary>
    public abstract Entry? CreateEntry(WriteOp op, Slot current, Stamp stamp, long incarnation);

    /// <summary>The slot as an event. Null when there is nothing to show and this is not a change
    /// (an entity with no state has no initial event and cannot be read).</summary>
    public abstract StateEvent? ToEvent(string id, Slot slot, string origin, bool initial);

    /// <summary>Whether this node holds something of its own in the slot that keeps the actor alive.</summary>
    public virtual bool HasLocalView(Slot slot, string self) => false;

    /// <summary>The node of the newest entry: the origin of an initial event.</summary>
    protected static string NewestWriter(Slot slot) => slot.Entries.MaxBy(e => e.Stamp)?.Stamp.Node ?? "";

    protected static InvalidOperationException WrongOp(WriteOp op, EntityKind kind) =>
        new($"{op.GetType().Name} is not a {kind} write");
}

public sealed class DeviceModel : EntityModel
{
    public static readonly DeviceModel Instance = new();

    public override EntityKind Kind => EntityKind.Device;

    public override string ManagerName => "devices";

    public override Entry? CreateEntry(WriteOp op, Slot current, Stamp stamp, long incarnation)
    {
        var own = current.Find(stamp.Node) as DeviceViewEntry;
        switch (op)
        {
            case SetDeviceView set:
                return own is not null && own.State == set.State && own.Incarnation == incarnation
                    ? null
                    : new DeviceViewEntry(stamp, incarnation, set.State);
            case WithdrawDeviceView:
                return own?.State is null ? null : new DeviceViewEntry(stamp, incarnation, null);
            case SetAsteriskView { Renew: true, State: { } renewed }:
                return new DeviceViewEntry(stamp, incarnation, renewed);
            case IForeignView foreign:
                return own?.State == foreign.State ? null : new DeviceViewEntry(stamp, incarnation, foreign.State);
            default:
                throw WrongOp(op, Kind);
        }
    }

    public override StateEvent? ToEvent(string id, Slot slot, string origin, bool initial)
    {
        var snapshot = Snapshot(id, slot);
        if (snapshot.Views.Count == 0 && initial)
        {
            return null;
        }
        return new DeviceStateEvent(snapshot, NodeName.OfWriter(initial ? NewestWriter(slot) : origin), initial);
    }

    public static DeviceSnapshot Snapshot(string id, Slot slot)
    {
        var views = new List<DeviceView>(slot.Entries.Length);
        var acc = DeviceStateAggregation.Aggregator.Empty;
        foreach (var entry in slot.Entries)
        {
            if (entry is DeviceViewEntry { State: { } state } view)
            {
                views.Add(new DeviceView(NodeName.OfWriter(view.Stamp.Node), state, view.Stamp.Time));
                acc = acc.Add(state);
            }
        }
        return new DeviceSnapshot(new DeviceId(id), acc.Result, views);
    }

    public override bool HasLocalView(Slot slot, string self) => slot.Find(self) is DeviceViewEntry { State: not null };

    /// <summary>
    /// Tombstones for the live views that a removed incarnation of <paramref name="node"/> left in the
    /// slot. Every survivor computes the same entries (one tick past the view, owned by the removed
    /// node), so survivors writing them concurrently agree; views of a newer incarnation are kept.
    /// </summary>
    public static IEnumerable<DeviceViewEntry> RemovalTombstones(Slot slot, string node, long incarnation)
    {
        foreach (var entry in slot.Entries)
        {
            if (entry is DeviceViewEntry { State: not null } view
                && view.Incarnation == incarnation
                && string.Equals(view.Stamp.Node, node, StringComparison.Ordinal))
            {
                yield return new DeviceViewEntry(view.Stamp with { Ticks = view.Stamp.Ticks + 1 }, incarnation, null);
            }
        }
    }
}

/// <summary>Mailboxes and presence: one causal last-writer-wins value per entity, in the empty sub-key.</summary>
public abstract class SingleValueModel<TEntry, TValue> : EntityModel
    where TEntry : Entry
    where TValue : class
{
    /// <summary>The value a write sets, or null when the write is not of this kind.</summary>
    protected abstract TValue? ValueOf(WriteOp op);

    protected abstract TValue ValueOf(TEntry entry);

    protected abstract TEntry NewEntry(Stamp stamp, TValue value);

    protected abstract StateEvent NewEvent(string id, TValue value, Stamp written, NodeName origin, bool initial);

    public sealed override Entry? CreateEntry(WriteOp op, Slot current, Stamp stamp, long incarnation)
    {
        var value = ValueOf(op) ?? throw WrongOp(op, Kind);
        return current.Find("") is TEntry entry && ValueOf(entry).Equals(value) ? null : NewEntry(stamp, value);
    }

    public sealed override StateEvent? ToEvent(string id, Slot slot, string origin, bool initial) =>
        slot.Find("") is TEntry entry
            ? NewEvent(id, ValueOf(entry), entry.Stamp, NodeName.OfWriter(initial ? entry.Stamp.Node : origin), initial)
            : null;
}

public sealed class MailboxModel : SingleValueModel<MailboxEntry, MailboxCounts>
{
    public static readonly MailboxModel Instance = new();

    public override EntityKind Kind => EntityKind.Mailbox;

    public override string ManagerName => "mailboxes";

    protected override MailboxCounts? ValueOf(WriteOp op) => (op as SetMailbox)?.Counts;

    protected override MailboxCounts ValueOf(MailboxEntry entry) => entry.Counts;

    protected override MailboxEntry NewEntry(Stamp stamp, MailboxCounts value) => new(stamp, value);

    protected override StateEvent NewEvent(string id, MailboxCounts value, Stamp written, NodeName origin, bool initial) =>
        new MailboxStateEvent(new MailboxSnapshot(new MailboxId(id), value, NodeName.OfWriter(written.Node), written.Time), origin, initial);
}

public sealed class PresenceModel : SingleValueModel<PresenceEntry, Presence>
{
    public static readonly PresenceModel Instance = new();

    public override EntityKind Kind => EntityKind.Presence;

    public override string ManagerName => "presence";

    protected override Presence? ValueOf(WriteOp op) => (op as SetPresence)?.Presence;

    protected override Presence ValueOf(PresenceEntry entry) => entry.Presence;

    protected override PresenceEntry NewEntry(Stamp stamp, Presence value) => new(stamp, value);

    protected override StateEvent NewEvent(string id, Presence value, Stamp written, NodeName origin, bool initial) =>
        new PresenceStateEvent(new PresenceSnapshot(new PresentityId(id), value, NodeName.OfWriter(written.Node), written.Time), origin, initial);
}
