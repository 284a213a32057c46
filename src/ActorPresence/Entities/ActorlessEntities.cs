using ActorPresence.Domain;
using ActorPresence.Entities.Messages;
using ActorPresence.Replication;
using Akka.Actor;
using static ActorPresence.Entities.Messages.EntityCommands;
using static ActorPresence.Entities.Messages.EntityHandshake;

namespace ActorPresence.Entities;

/// <summary>
/// Changes to entities that have no actor on this node: from another node (the direct path, a read
/// of the replica), a write from outside the site (a site link, an Asterisk server), the tombstones
/// of a removed node's views. Each is merged into what the <see cref="ReplicaView"/> holds, kept in
/// its overlay until the replica has it, and handed to the subscriptions that cover the entity, as
/// the entity's actor would (in order: every change of an entity with no actor passes through
/// here); a new subscription gets their current state from here too. An entity with an actor gets the change through the actor instead. No actor is created
/// for a change or a subscription: one that covers many entities (a prefix, everything) would
/// otherwise keep an actor alive for each entity that changes.
/// </summary>
/// <param name="stampWrite">The entry a write makes of an entity's current slot, stamped now (null
/// when it changes nothing); throws <see cref="ArgumentException"/> or
/// <see cref="InvalidOperationException"/> for a write the entity cannot take.</param>
/// <param name="accepted">Called for each accepted change (the node's counters).</param>
internal sealed class ActorlessEntities(
    EntityModel model,
    string nodeName,
    ReplicaView view,
    Subscriptions subscriptions,
    IEntityRoutes routes,
    IActorRef outbox,
    Func<WriteOp, Slot, Entry?> stampWrite,
    Action<Entry, ChangeSource> accepted)
{
    /// <summary>An entry from another node: to the entity's actor if it has one; otherwise this node
    /// holds it, ahead of its replica.</summary>
    public void Deliver(string id, Entry entry, ChangeSource source)
    {
        if (routes.IsLive(id))
        {
            routes.Route(id, new ApplyEntries([entry], source), null);
            return;
        }
        if (Apply(id, [entry], source) is { } slot)
        {
            view.HoldAhead(id, slot);
        }
    }

    /// <summary>
    /// Merges <paramref name="entries"/> into what the view holds of an entity with no actor and
    /// hands each accepted change to the subscribers that cover it. Returns the new slot, or null
    /// when nothing was accepted. The caller keeps the slot: in the overlay, or by committing the
    /// read of the replica that brought the entries.
    /// </summary>
    public Slot? Apply(string id, IReadOnlyList<Entry> entries, ChangeSource source)
    {
        var slot = view.Current(id);
        var changed = false;
        List<Subscriber>? subscribers = null;
        foreach (var entry in entries)
        {
            var (next, isNew) = slot.With(entry);
            if (!isNew)
            {
                continue;
            }
            slot = next;
            changed = true;
            accepted(entry, source);
            subscribers ??= subscriptions.HasAny ? subscriptions.For(id) : [];
            if (subscribers.Count > 0 && model.ToEvent(id, slot, entry.Stamp.Node, initial: false) is { } change)
            {
                foreach (var subscriber in subscribers)
                {
                    subscriber.Deliver(change);
                }
            }
        }
        return changed ? slot : null;
    }

    /// <summary>A new subscription's first events: the current state of every entity with no actor here
    /// that <paramref name="filter"/> covers (an entity with an actor sends its own).</summary>
    public void SendCurrentStates(SubscriptionFilter filter, Subscriber subscriber)
    {
        foreach (var id in view.Ids())
        {
            if (!routes.IsLive(id) && filter.Matches(model.Kind, id)
                && model.ToEvent(id, view.Current(id), nodeName, initial: true) is { } current)
            {
                subscriber.Deliver(current);
            }
        }
    }

    /// <summary>A write from outside the site to an entity with no actor here: applied as a change from
    /// another node is, then sent out by the outbox, which answers <paramref name="replyTo"/> once the
    /// replica holds it (as it answers an entity actor's write). A write the entity cannot take is
    /// answered with the failure and changes nothing.</summary>
    public void WriteFromOutside(IEntityMessage write, IActorRef replyTo)
    {
        var id = write.Id;
        var current = view.Current(id);
        Entry? entry;
        try
        {
            entry = write switch
            {
                Write { Op: IForeignView } foreign => stampWrite(foreign.Op, current),
                Import import => import.Entry,
                _ => throw new InvalidOperationException($"a {write.GetType().Name} of {id} is not a write from outside the site"),
            };
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            replyTo.Tell(new Status.Failure(e));
            return;
        }
        var slot = entry is null ? null : Apply(id, [entry], ChangeSource.Local);
        if (slot is null)
        {
            var unchanged = new WriteAck(false, model.ToEvent(id, current, nodeName, initial: true));
            outbox.Tell(new LocalChange(id, null, replyTo, unchanged, ReplicaOnly: false));
            return;
        }
        view.HoldAhead(id, slot);
        var changed = new WriteAck(true, model.ToEvent(id, slot, entry!.Stamp.Node, initial: false));
        outbox.Tell(new LocalChange(id, entry, replyTo, changed, ReplicaOnly: false));
    }

    /// <summary>Writes tombstones for the live views an incarnation has in one device, through the
    /// device's actor when it has one. False when there was nothing to withdraw.</summary>
    public bool WithdrawViews(string id, string node, long incarnation)
    {
        if (routes.IsLive(id))
        {
            routes.Route(id, new RemoveIncarnation(node, incarnation), null);
            return true;
        }
        // Every surviving node writes the same tombstones: to its replica only.
        var tombstones = DeviceModel.RemovalTombstones(view.Current(id), node, incarnation).ToList();
        if (Apply(id, tombstones, ChangeSource.Local) is not { } slot)
        {
            return false;
        }
        foreach (var tombstone in tombstones)
        {
            outbox.Tell(new LocalChange(id, tombstone, null, null, ReplicaOnly: true));
        }
        view.HoldAhead(id, slot);
        return true;
    }

    /// <summary>Writes to the replica what only the overlay holds of a removed node's writes (its
    /// writer can no longer spread what it sent by the direct path alone). Returns how many.</summary>
    public int AdoptWritesOf(string node)
    {
        var adopted = 0;
        foreach (var (id, ahead) in view.Ahead().ToList())
        {
            if (routes.IsLive(id))
            {
                continue;
            }
            foreach (var entry in view.InReplica(id).Missing(ahead))
            {
                if (string.Equals(entry.Stamp.Node, node, StringComparison.Ordinal))
                {
                    outbox.Tell(new LocalChange(id, entry, null, null, ReplicaOnly: true));
                    adopted++;
                }
            }
        }
        return adopted;
    }

    /// <summary>Withdraws a removed incarnation's views of every device with no actor; returns how many
    /// devices had one.</summary>
    public int WithdrawViewsOfEvery(string node, long incarnation)
    {
        var withdrawn = 0;
        foreach (var id in view.Ids().ToList())
        {
            if (!routes.IsLive(id) && WithdrawViews(id, node, incarnation))
            {
                withdrawn++;
            }
        }
        return withdrawn;
    }
}
