using ActorPresence.Domain;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.Event;
using static ActorPresence.Entities.EntityProtocol;

namespace ActorPresence.Entities;

/// <summary>
/// Owns one device, mailbox or presentity on this node: its entries (every node's view, for a
/// device), its subscribers, and the merge of changes from every path. Whatever the source (a local
/// write, the direct path, distributed data) an entry is accepted only if it is newer than what the
/// actor holds for its slot, so each change reaches subscribers once and in stamp order. Created on
/// demand by its <see cref="EntityManager"/>; asks to be stopped when idle with no subscribers and,
/// for a device, no view of this node's own.
/// </summary>
public sealed class EntityActor : ReceiveActor
{
    private readonly string _id;
    private readonly EntityModel _model;
    private readonly string _self;
    private readonly long _incarnation;
    private readonly TimeProvider _clock;
    private readonly HashSet<IActorRef> _subscribers = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Slot _slot;
    private bool _passivationRequested;

    public EntityActor(string id, EntityModel model, Slot initial, string self, long incarnation, TimeSpan passivateAfter, TimeProvider clock)
    {
        _id = id;
        _model = model;
        _slot = initial;
        _self = self;
        _incarnation = incarnation;
        _clock = clock;
        Context.SetReceiveTimeout(passivateAfter);

        Receive<Write>(OnWrite);
        Receive<ApplyEntries>(m =>
        {
            foreach (var entry in m.Entries)
            {
                Apply(entry, m.Source, replyTo: null);
            }
        });
        Receive<Get>(_ => Sender.Tell(new CurrentState(_model.ToEvent(_id, _slot, _self, initial: true))));
        Receive<SubscribeEntity>(m =>
        {
            if (_subscribers.Add(m.Subscriber))
            {
                Context.Watch(m.Subscriber);
                if (_model.ToEvent(_id, _slot, _self, initial: true) is { } initialState)
                {
                    m.Subscriber.Tell(initialState);
                }
            }
            Sender.Tell(Subscribed.Instance);
        });
        Receive<Unsubscribe>(m => RemoveSubscriber(m.Subscriber));
        Receive<Terminated>(t => RemoveSubscriber(t.ActorRef));
        Receive<RemoveIncarnation>(m =>
        {
            foreach (var tombstone in DeviceModel.RemovalTombstones(_slot, m.Node, m.Incarnation).ToList())
            {
                Apply(tombstone, Source.Local, replyTo: null);
            }
        });
        Receive<ReceiveTimeout>(_ =>
        {
            if (IsIdle && !_passivationRequested)
            {
                _passivationRequested = true;
                Context.Parent.Tell(new RequestPassivation(_id));
            }
        });
        Receive<StopIfIdle>(_ =>
        {
            _passivationRequested = false;
            if (IsIdle)
            {
                Context.Parent.Tell(new Stopped(_id, _slot));
                Context.Stop(Self);
            }
            else
            {
                Context.Parent.Tell(new StayAlive(_id));
            }
        });
    }

    public static Props Props(string id, EntityModel model, Slot initial, string self, long incarnation, TimeSpan passivateAfter, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new EntityActor(id, model, initial, self, incarnation, passivateAfter, clock));

    private bool IsIdle => _subscribers.Count == 0 && !_model.HasLocalView(_slot, _self);

    private void OnWrite(Write write)
    {
        Entry? entry;
        try
        {
            var stamp = Stamp.Next(_clock.GetUtcNow(), _slot.MaxStamp, _self);
            entry = _model.CreateEntry(write.Op, _slot, stamp, _incarnation);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            Sender.Tell(new Status.Failure(e));
            return;
        }
        if (entry is null)
        {
            Sender.Tell(new WriteAck(false));
            return;
        }
        Apply(entry, Source.Local, Sender);
    }

    private void Apply(Entry entry, Source source, IActorRef? replyTo)
    {
        var (slot, accepted) = _slot.With(entry);
        if (!accepted)
        {
            replyTo?.Tell(new WriteAck(false));
            return;
        }
        _slot = slot;
        var change = _model.ToEvent(_id, slot, entry.Stamp.Node, initial: false)!;
        foreach (var subscriber in _subscribers)
        {
            subscriber.Tell(change);
        }
        // The manager fans the change out to prefix subscribers and, for local writes, to the other
        // nodes and to distributed data; it acknowledges the writer once the local replica has it.
        Context.Parent.Tell(new EntityChanged(_id, slot, entry, change, source, replyTo));
    }

    private void RemoveSubscriber(IActorRef subscriber)
    {
        if (_subscribers.Remove(subscriber))
        {
            Context.Unwatch(subscriber);
            _log.Debug("{0} {1}: subscriber {2} left", _model.Kind, _id, subscriber.Path);
        }
    }
}
