using ActorPresence.Diagnostics;
using ActorPresence.Domain;
using ActorPresence.Entities.Messages;
using ActorPresence.Replication;
using Akka.Actor;
using static ActorPresence.Entities.Messages.EntityCommands;
using static ActorPresence.Entities.Messages.EntityHandshake;
using static ActorPresence.Entities.Messages.EntityQueries;
using static ActorPresence.Entities.Messages.SubscriptionMessages;

namespace ActorPresence.Entities;

/// <summary>What every entity actor of one kind on one node shares (one object, not a copy per actor).</summary>
/// <param name="Outbox">Where local changes go: the direct path and the local replica.</param>
internal sealed record EntityShared(EntityModel Model, string NodeName, long Incarnation, TimeProvider Clock, IActorRef Outbox, ActorPresenceMetrics Metrics)
{
    /// <summary>The entry that <paramref name="op"/> makes of <paramref name="current"/>, stamped now; null when it
    /// changes nothing. Throws <see cref="ArgumentException"/> or <see cref="InvalidOperationException"/> for
    /// an op the entity cannot take.</summary>
    public Entry? EntryFor(WriteOp op, Slot current)
    {
        // A site's or an Asterisk server's view is owned by it, not by this node: it survives this
        // node's removal (only its expiry withdraws it), so it carries no incarnation.
        var (owner, incarnation) = op is IForeignView foreign ? (foreign.Owner, 0L) : (NodeName, Incarnation);
        var stamp = Stamp.Next(Clock.GetUtcNow(), current.MaxStamp, owner);
        return Model.CreateEntry(op, current, stamp, incarnation);
    }
}

/// <summary>
/// Owns one device, mailbox or presentity on this node: its entries (every node's view, for a
/// device) and the merge of changes from every path. Whatever the source (a local write, the direct
/// path, distributed data) an entry is accepted only if it is newer than what the actor holds for
/// its slot, so each change reaches subscribers once and in stamp order. It sends each change itself
/// to the subscribers its manager gave it and, for a local write, to the outbox, which writes it to
/// the replica, sends it to the other nodes and acknowledges the writer with the resulting state.
/// Created on demand by its <see cref="EntityManager"/>; stops when the manager finds it idle unless,
/// for a device, it holds a view of this node's own. Its subscribers do not keep it: the manager
/// holds the subscriptions and hands them to the entity's next actor.
/// </summary>
public sealed class EntityActor : UntypedActor
{
    private readonly EntityShared _shared;
    // Set by StartEntity, the first message.
    private string _id = null!;
    private Slot _slot = Slot.Empty;
    // Usually none or one: a list is smaller than a set.
    private List<Subscriber>? _subscribers;

    private EntityActor(EntityShared shared) => _shared = shared;

    /// <summary>
    /// The props of every entity actor of one kind on one node, made once by the manager. Per actor,
    /// Akka would otherwise keep its own props, deploy (with a configuration parsed for it) and
    /// producer, and build them at each creation; the entity's id and state come in
    /// <see cref="StartEntity"/> instead. The producer calls the constructor directly: no
    /// expression compiled, no reflection per entity.
    /// </summary>
    internal static Props Props(EntityShared shared) =>
        Akka.Actor.Props.CreateBy(new Producer(shared)).WithMailbox(EntityMailbox.Id);

    private EntityModel Model => _shared.Model;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case StartEntity start:
                _id = start.Id;
                _slot = start.Initial;
                _subscribers = start.Subscribers is { Count: > 0 } ? start.Subscribers : null;
                break;
            case Write write:
                OnWrite(write);
                break;
            case Import import:
                Apply(import.Entry, ChangeSource.Local, Sender);
                break;
            case ApplyEntries apply:
                foreach (var entry in apply.Entries)
                {
                    Apply(entry, apply.Source, replyTo: null);
                }
                break;
            case GetEntity:
                Sender.Tell(new CurrentState(State()));
                break;
            case AddSubscriber add:
                _subscribers ??= [];
                if (!_subscribers.Contains(add.Subscriber))
                {
                    _subscribers.Add(add.Subscriber);
                    if (State() is { } initial)
                    {
                        add.Subscriber.Deliver(initial);
                    }
                }
                add.ReplyTo?.Tell(SubscriptionAdded.Instance);
                break;
            case RemoveSubscriber remove:
                if (_subscribers is not null && _subscribers.RemoveAll(s => s.Actor.Equals(remove.Subscriber)) > 0 && _subscribers.Count == 0)
                {
                    _subscribers = null;
                }
                break;
            case RemoveIncarnation remove:
                WithdrawViewsOf(remove.Node, remove.Incarnation);
                break;
            case WriterRemoved removed:
                // What the removed node wrote and this actor holds goes to the replica: it may have
                // come only by the direct path, and its writer can no longer spread it.
                foreach (var entry in _slot.Entries)
                {
                    if (string.Equals(entry.Stamp.Node, removed.Node, StringComparison.Ordinal))
                    {
                        _shared.Outbox.Tell(new LocalChange(_id, entry, null, null, ReplicaOnly: true));
                    }
                }
                WithdrawViewsOf(removed.Node, removed.Incarnation);
                break;
            case StopIfIdle:
                // Subscriptions do not keep an actor: the manager keeps them and gives them to the
                // next actor of the entity when a change comes.
                if (!Model.HasLocalView(_slot, _shared.NodeName))
                {
                    Context.Parent.Tell(new Passivated(_id, _slot));
                    Context.Stop(Self);
                }
                else
                {
                    Context.Parent.Tell(new StayAlive(_id, Pinned: true));
                }
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private StateEvent? State() => Model.ToEvent(_id, _slot, _shared.NodeName, initial: true);

    private void OnWrite(Write write)
    {
        Entry? entry;
        try
        {
            entry = _shared.EntryFor(write.Op, _slot);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            Sender.Tell(new Status.Failure(e));
            return;
        }
        if (entry is null)
        {
            Unchanged(Sender);
            return;
        }
        Apply(entry, ChangeSource.Local, Sender);
    }

    /// <summary>A write that changed nothing is answered once the replica holds what it asked for (the
    /// write that set it may still be on its way).</summary>
    private void Unchanged(IActorRef replyTo) =>
        _shared.Outbox.Tell(new LocalChange(_id, null, replyTo, new WriteAck(false, State()), ReplicaOnly: false));

    private void Apply(Entry entry, ChangeSource source, IActorRef? replyTo)
    {
        var (slot, accepted) = _slot.With(entry);
        if (!accepted)
        {
            if (replyTo is not null)
            {
                Unchanged(replyTo);
            }
            return;
        }
        _slot = slot;
        // Rendered only when someone reads it.
        var change = _subscribers is not null || replyTo is not null ? Model.ToEvent(_id, slot, entry.Stamp.Node, initial: false) : null;
        if (_subscribers is not null)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Deliver(change!);
            }
        }
        if (source == ChangeSource.Local)
        {
            _shared.Metrics.LocalChange(Model.Kind);
            _shared.Outbox.Tell(new LocalChange(_id, entry, replyTo, replyTo is null ? null : new WriteAck(true, change), ReplicaOnly: false));
        }
        else
        {
            _shared.Metrics.ReplicatedChange(Model.Kind, source == ChangeSource.Direct, entry.Stamp.Time, _shared.Clock.GetUtcNow());
        }
    }

    private void WithdrawViewsOf(string node, long incarnation)
    {
        foreach (var tombstone in DeviceModel.RemovalTombstones(_slot, node, incarnation).ToList())
        {
            Apply(tombstone, ChangeSource.Local, replyTo: null);
        }
    }

    private sealed class Producer(EntityShared shared) : IIndirectActorProducer
    {
        public Type ActorType => typeof(EntityActor);

        // A restart would start an actor without its entity: the manager never asks for one (it
        // resumes a failed entity actor, which keeps its state).
        public ActorBase Produce() => new EntityActor(shared);

        public void Release(ActorBase actor)
        {
        }
    }
}
