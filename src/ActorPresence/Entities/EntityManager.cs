using ActorPresence.Diagnostics;
using ActorPresence.Domain;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using static ActorPresence.Entities.EntityProtocol;
using Get = ActorPresence.Entities.EntityProtocol.Get;
using Subscribe = ActorPresence.Entities.EntityProtocol.Subscribe;
using Unsubscribe = ActorPresence.Entities.EntityProtocol.Unsubscribe;

namespace ActorPresence.Entities;

/// <summary>
/// One per entity kind on each node, at the same path everywhere (<see cref="EntityModel.ManagerName"/>).
/// It is the node's pipeline for its kind:
/// <list type="bullet">
/// <item>routes writes, reads and subscriptions to entity actors, creating them on demand and
/// stopping them when idle (with a hand-off, so nothing sent to a stopping actor is lost);</item>
/// <item>sends each local change at once to its peers on the other nodes (the direct path) and
/// writes it to the local distributed-data replica;</item>
/// <item>reads the kind's distributed-data keys from the local replica at a short interval and
/// turns each changed key into the entries that are new to this node;</item>
/// <item>serves prefix and everything subscriptions, with their initial state.</item>
/// </list>
/// Between a change's arrival and distributed data catching up, what an entity with no live actor
/// holds is kept in a small overlay, so reads and new actors never go back in time.
/// </summary>
public sealed class EntityManager : ReceiveActor, IWithTimers
{
    private readonly EntityModel _model;
    private readonly ActorPresenceSettings _settings;
    private readonly KeySpace _keys;
    private readonly Dictionary<string, int> _keyIndex;
    private readonly IActorRef _replicator;
    private readonly string _self;
    private readonly long _incarnation;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ActorPresenceMetrics _metrics = ActorPresenceMetrics.Get(Context.System);
    private readonly string[] _keyIds;

    private readonly EntityMap[] _snapshots;
    private readonly Dictionary<string, IActorRef> _children = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _childIds = [];
    private readonly Dictionary<string, Slot> _live = new(StringComparer.Ordinal);
    private readonly Overlay _overlay;
    private readonly Dictionary<string, List<(object Message, IActorRef? Sender)>> _handoff = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, SubscriptionFilter> _subscribers = [];
    private readonly HashSet<(string Node, long Incarnation)> _removed = [];
    private readonly List<(int Key, string Id, Entry Entry, IActorRef? ReplyTo)> _pendingWrites = [];
    private readonly List<DirectChange> _pendingDirect = [];
    // Peer managers by address: resolved to an actor ref once (cheaper per message than a
    // selection), sent to by selection until then.
    private Dictionary<Address, ICanTell> _peers = [];
    private bool _flushScheduled;
    private long _replicaPolls;

    public ITimerScheduler Timers { get; set; } = null!;

    public EntityManager(EntityModel model, ActorPresenceSettings settings, IActorRef replicator, long incarnation)
    {
        _model = model;
        _settings = settings;
        _keys = new KeySpace(model.Kind, settings.KeyCount);
        _keyIndex = _keys.Keys.Select((k, i) => (k.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        _keyIds = _keys.Keys.Select(k => k.Id).ToArray();
        _snapshots = Enumerable.Repeat(EntityMap.Empty, _keys.Keys.Count).ToArray();
        _overlay = new Overlay(_keys);
        _replicator = replicator;
        _self = settings.NodeName.Value;
        _incarnation = incarnation;

        Receive<Write>(m => Route(m.Id, m, Sender));
        Receive<Get>(m =>
        {
            if (_children.ContainsKey(m.Id) || _handoff.ContainsKey(m.Id))
            {
                Route(m.Id, m, Sender);
            }
            else
            {
                Sender.Tell(new CurrentState(_model.ToEvent(m.Id, Current(m.Id), _self, initial: true)));
            }
        });
        Receive<Subscribe>(OnSubscribe);
        Receive<Unsubscribe>(m => RemoveSubscriber(m.Subscriber));
        Receive<ListIds>(m => Sender.Tell(new IdList(ListIds(m))));
        Receive<GetStats>(_ => Sender.Tell(new ManagerStats(_children.Count, AllIds().Count(), _peers.Count, _subscribers.Count, _replicaPolls)));
        Receive<DirectChanges>(OnDirect);
        Receive<PollReplica>(_ =>
        {
            foreach (var key in _keys.Keys)
            {
                _replicator.Tell(Dsl.Get(key, ReadLocal.Instance));
            }
        });
        Receive<GetSuccess>(m =>
        {
            OnReplica(m.Key.Id, m.Data);
            CountPoll(m.Key.Id);
        });
        Receive<NotFound>(m => CountPoll(m.Key.Id));
        Receive<EntityChanged>(OnEntityChanged);
        Receive<Flush>(_ => FlushWrites());
        Receive<UpdateSuccess>(m => Acknowledge(m.Request, null));
        Receive<IUpdateFailure>(m => Acknowledge(m.Request, $"distributed data did not take the write ({m.GetType().Name} for {m.Key})"));
        Receive<PeersChanged>(m =>
        {
            var peers = new Dictionary<Address, ICanTell>();
            foreach (var address in m.Peers)
            {
                if (_peers.TryGetValue(address, out var known))
                {
                    peers[address] = known;
                    continue;
                }
                var selection = Context.ActorSelection(new RootActorPath(address) / "user" / _model.ManagerName);
                peers[address] = selection;
                selection.ResolveOne(_settings.AskTimeout).PipeTo(
                    Self,
                    success: peer => new PeerResolved(address, peer),
                    failure: _ => new PeerResolved(address, null));
            }
            _peers = peers;
            _log.Info("{0}: {1} peer(s) for the direct path", _model.Kind, _peers.Count);
        });
        Receive<PeerResolved>(m =>
        {
            if (m.Peer is not null && _peers.ContainsKey(m.Address))
            {
                _peers[m.Address] = m.Peer;
            }
        });
        Receive<NodeRemoved>(OnNodeRemoved);
        Receive<RequestPassivation>(m =>
        {
            if (_children.TryGetValue(m.Id, out var child) && !_handoff.ContainsKey(m.Id))
            {
                _handoff[m.Id] = [];
                child.Tell(StopIfIdle.Instance);
            }
        });
        Receive<StayAlive>(m => EndHandoff(m.Id, _children[m.Id]));
        Receive<Stopped>(OnChildStopped);
        Receive<Terminated>(OnTerminated);
    }

    public static Props Props(EntityModel model, ActorPresenceSettings settings, IActorRef replicator, long incarnation) =>
        Akka.Actor.Props.Create(() => new EntityManager(model, settings, replicator, incarnation));

    /// <summary>
    /// Reads the local replica of every key now and then, rather than subscribing: a subscription
    /// makes the replicator digest (serialize and hash) every changed key at each notification,
    /// which at 100k entities cost more than everything else together. A read is a reference to
    /// the current value; unchanged keys are skipped by reference.
    /// </summary>
    protected override void PreStart()
    {
        PublishSnapshot();
        Self.Tell(PollReplica.Instance);
        Timers.StartPeriodicTimer("poll-replica", PollReplica.Instance, _settings.ReplicaPollInterval);
    }

    // An entity actor that throws keeps its state: losing its subscribers would be worse.
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(e =>
        {
            _log.Error(e, "{0} entity actor failed; resuming it", _model.Kind);
            return Directive.Resume;
        });

    /// <summary>The freshest state this node has of an entity, with or without a live actor.</summary>
    private Slot Current(string id)
    {
        if (_live.TryGetValue(id, out var live))
        {
            return live;
        }
        var replica = _snapshots[_keys.IndexOf(id)].Get(id);
        return _overlay.TryGet(id, out var ahead) ? replica.Merge(ahead) : replica;
    }

    private void Route(string id, object message, IActorRef? sender)
    {
        if (_handoff.TryGetValue(id, out var buffer))
        {
            buffer.Add((message, sender));
            return;
        }
        ChildFor(id, Current(id)).Tell(message, sender);
    }

    private IActorRef ChildFor(string id, Slot initial)
    {
        if (_children.TryGetValue(id, out var child))
        {
            return child;
        }
        child = Context.ActorOf(EntityActor.Props(id, _model, initial, _self, _incarnation, _settings.PassivateIdleAfter, _settings.Clock));
        Context.Watch(child);
        _children[id] = child;
        _childIds[child] = id;
        _live[id] = initial;
        _overlay.Remove(id);
        return child;
    }

    private bool HasPrefixSubscriber(string id)
    {
        foreach (var filter in _subscribers.Values)
        {
            if (filter.Matches(_model.Kind, id))
            {
                return true;
            }
        }
        return false;
    }

    private void OnSubscribe(Subscribe m)
    {
        if (m.Filter.ExactId is { } id)
        {
            Route(id, new SubscribeEntity(m.Subscriber), Sender);
            return;
        }
        if (!_subscribers.ContainsKey(m.Subscriber))
        {
            _subscribers[m.Subscriber] = m.Filter;
            Context.Watch(m.Subscriber);
            foreach (var entityId in AllIds())
            {
                if (m.Filter.Matches(_model.Kind, entityId)
                    && _model.ToEvent(entityId, Current(entityId), _self, initial: true) is { } initial)
                {
                    m.Subscriber.Tell(initial);
                }
            }
        }
        Sender.Tell(Subscribed.Instance);
    }

    private IEnumerable<string> AllIds()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var snapshot in _snapshots)
        {
            foreach (var (id, _) in snapshot.Entities)
            {
                seen.Add(id);
            }
        }
        seen.UnionWith(_overlay.Ids);
        seen.UnionWith(_live.Keys);
        return seen;
    }

    private List<string> ListIds(ListIds m) =>
        AllIds()
            .Where(id => id.StartsWith(m.Prefix, StringComparison.Ordinal)
                         && (m.After is null || string.CompareOrdinal(id, m.After) > 0)
                         && _model.ToEvent(id, Current(id), _self, initial: true) is not null)
            .Order(StringComparer.Ordinal)
            .Take(m.Limit)
            .ToList();

    private void RemoveSubscriber(IActorRef subscriber)
    {
        if (_subscribers.Remove(subscriber))
        {
            Context.Unwatch(subscriber);
        }
        // Entity subscriptions are held by the entity actors, which watch their subscribers.
        foreach (var child in _children.Values)
        {
            child.Tell(new Unsubscribe(subscriber));
        }
    }

    private void OnDirect(DirectChanges m)
    {
        if (m.Kind != _model.Kind)
        {
            _log.Warning("{0} manager got direct changes of kind {1}; dropped", _model.Kind, m.Kind);
            return;
        }
        foreach (var (id, entry) in m.Changes)
        {
            Deliver(id, entry, Source.Direct);
        }
    }

    /// <summary>An entry from another node: to its live actor, or to a new one if a prefix subscriber
    /// wants it; otherwise it only updates what this node holds.</summary>
    private void Deliver(string id, Entry entry, Source source)
    {
        if (_children.ContainsKey(id) || _handoff.ContainsKey(id) || HasPrefixSubscriber(id))
        {
            Route(id, new ApplyEntries([entry], source), null);
            return;
        }
        var (slot, accepted) = Current(id).With(entry);
        if (accepted)
        {
            _overlay.Set(id, slot);
            CountReplicated(entry, source);
        }
    }

    /// <summary>The replicator answers reads in order: the answer for the last key ends a round.</summary>
    private void CountPoll(string keyId)
    {
        if (string.Equals(keyId, _keys.Keys[^1].Id, StringComparison.Ordinal))
        {
            _replicaPolls++;
            PublishSnapshot();
        }
    }

    private void CountReplicated(Entry entry, Source source) =>
        _metrics.ReplicatedChange(_model.Kind, source == Source.Direct, entry.Stamp.Time, _settings.Clock.GetUtcNow());

    /// <summary>What the metrics' gauges show, refreshed after each complete read of the replica:
    /// a walk over the keys and the overlay, never over every entity.</summary>
    private void PublishSnapshot()
    {
        var perKey = new int[_snapshots.Length];
        var held = 0;
        for (var i = 0; i < _snapshots.Length; i++)
        {
            perKey[i] = _snapshots[i].Count;
            held += perKey[i] + _overlay.CountAhead(i, _snapshots[i]);
        }
        _metrics.Publish(_model.Kind, new ManagerSnapshot(held, _children.Count, _keyIds, perKey));
    }

    private void OnReplica(string keyId, IReplicatedData data)
    {
        if (!_keyIndex.TryGetValue(keyId, out var index) || data is not EntityMap map)
        {
            return;
        }
        var previous = _snapshots[index];
        if (ReferenceEquals(previous, map))
        {
            return;
        }
        var changedIds = new List<string>();
        // Only what differs from the previous snapshot: the maps share every unchanged node.
        foreach (var (id, slot) in map.ChangedSince(previous))
        {
            if (_model.Kind == EntityKind.Device)
            {
                changedIds.Add(id);
            }
            if (_children.ContainsKey(id) || _handoff.ContainsKey(id))
            {
                Route(id, new ApplyEntries(slot.Entries, Source.Replica), null);
                continue;
            }
            var current = Current(id);
            var missing = current.Missing(slot).ToList();
            if (missing.Count > 0 && HasPrefixSubscriber(id))
            {
                ChildFor(id, current).Tell(new ApplyEntries(missing, Source.Replica));
                continue;
            }
            // Held by nobody but the replica: new to this node all the same.
            foreach (var entry in missing)
            {
                CountReplicated(entry, Source.Replica);
            }
        }
        _snapshots[index] = map;
        foreach (var id in changedIds)
        {
            WithdrawLateViewsOfRemoved(id, map.Get(id));
        }
        // Forget what distributed data now holds as well.
        _overlay.Prune(index, map);
    }

    private void OnEntityChanged(EntityChanged m)
    {
        if (m.Source == Source.Local)
        {
            _metrics.LocalChange(_model.Kind);
        }
        else
        {
            CountReplicated(m.Entry, m.Source);
        }
        if (_children.ContainsKey(m.Id))
        {
            _live[m.Id] = m.Slot;
        }
        foreach (var (subscriber, filter) in _subscribers)
        {
            if (filter.Matches(_model.Kind, m.Id))
            {
                subscriber.Tell(m.Event);
            }
        }
        if (m.Source == Source.Local)
        {
            if (_settings.DirectPathEnabled && _peers.Count > 0)
            {
                _pendingDirect.Add(new DirectChange(m.Id, m.Entry));
            }
            EnqueueWrite(m.Id, m.Entry, m.ReplyTo);
        }
        // A change received directly is not written to this node's replica: its writer's replica
        // propagates it as a delta, and writing it here too would make every node propagate every
        // change again as a delta of its own (N times the delta traffic and replicator work).
    }

    /// <summary>Queues a write to the local replica. Writes queued while other messages wait are sent as
    /// one update per key: the flush message goes behind them in the mailbox.</summary>
    private void EnqueueWrite(string id, Entry entry, IActorRef? replyTo)
    {
        _pendingWrites.Add((_keys.IndexOf(id), id, entry, replyTo));
        if (!_flushScheduled)
        {
            _flushScheduled = true;
            Self.Tell(Flush.Instance);
        }
    }

    private void FlushWrites()
    {
        _flushScheduled = false;
        // Changes made while other messages waited go to each peer together, in the order made.
        for (var start = 0; start < _pendingDirect.Count; start += MaxDirectBatch)
        {
            var batch = new DirectChanges(_model.Kind, _pendingDirect.GetRange(start, Math.Min(MaxDirectBatch, _pendingDirect.Count - start)));
            foreach (var peer in _peers.Values)
            {
                peer.Tell(batch, Self);
            }
        }
        _pendingDirect.Clear();
        foreach (var group in _pendingWrites.GroupBy(w => w.Key))
        {
            var writes = group.ToList();
            var replyTo = writes.Where(w => w.ReplyTo is not null).Select(w => w.ReplyTo!).ToList();
            _replicator.Tell(Dsl.Update(
                _keys.Keys[group.Key],
                EntityMap.Empty,
                WriteLocal.Instance,
                replyTo,
                map => writes.Aggregate(map, (acc, w) => acc.Put(w.Id, w.Entry))));
        }
        _pendingWrites.Clear();
    }

    private static void Acknowledge(object? request, string? error)
    {
        if (request is not List<IActorRef> writers)
        {
            return;
        }
        object reply = error is null ? new WriteAck(true) : new Status.Failure(new InvalidOperationException(error));
        foreach (var writer in writers)
        {
            writer.Tell(reply);
        }
    }

    private void OnNodeRemoved(NodeRemoved m)
    {
        var ids = AllIds().ToList();
        var adopted = ids.Sum(id => AdoptFromRemoved(id, m.Node));
        if (adopted > 0)
        {
            _log.Info("Node {0} (incarnation {1}) removed: wrote {2} of its {3} change(s) that had come only by the direct path", m.Node, m.Incarnation, adopted, _model.Kind);
        }
        if (_model.Kind != EntityKind.Device)
        {
            return;
        }
        _removed.Add((m.Node, m.Incarnation));
        var affected = ids.Count(id => WithdrawRemoved(id, m.Node, m.Incarnation));
        _log.Info("Node {0} (incarnation {1}) removed: withdrawing its views of {2} device(s)", m.Node, m.Incarnation, affected);
    }

    /// <summary>
    /// Writes to the local replica what a removed node wrote that this node holds but its replica does
    /// not. Changes received by the direct path are left to their writer's own replica to spread; a
    /// writer that died before its delta went out leaves them only in the actors and overlays of the
    /// nodes that got them, where a node joining later could never see them (a withdrawn view would
    /// come back from an older copy, a mailbox count would be an older one). Returns how many.
    /// </summary>
    private int AdoptFromRemoved(string id, string node)
    {
        var replica = _snapshots[_keys.IndexOf(id)].Get(id);
        var adopted = 0;
        foreach (var entry in replica.Missing(Current(id)))
        {
            if (string.Equals(entry.Stamp.Node, node, StringComparison.Ordinal))
            {
                EnqueueWrite(id, entry, replyTo: null);
                adopted++;
            }
        }
        return adopted;
    }

    /// <summary>Writes tombstones for the live views a removed incarnation has in one device, through the
    /// device's actor when it has one. False when there was nothing to withdraw.</summary>
    private bool WithdrawRemoved(string id, string node, long incarnation)
    {
        if (_children.ContainsKey(id) || _handoff.ContainsKey(id))
        {
            Route(id, new RemoveIncarnation(node, incarnation), null);
            return true;
        }
        var slot = Current(id);
        var tombstones = DeviceModel.RemovalTombstones(slot, node, incarnation).ToList();
        if (tombstones.Count == 0)
        {
            return false;
        }
        if (HasPrefixSubscriber(id))
        {
            Route(id, new RemoveIncarnation(node, incarnation), null);
            return true;
        }
        foreach (var tombstone in tombstones)
        {
            slot = slot.With(tombstone).Slot;
            EnqueueWrite(id, tombstone, replyTo: null);
            _metrics.LocalChange(_model.Kind);
        }
        _overlay.Set(id, slot);
        return true;
    }

    /// <summary>A view of an already removed incarnation can still arrive late, by gossip from a node
    /// that had not seen the removal; it is withdrawn again as soon as it shows up.</summary>
    private void WithdrawLateViewsOfRemoved(string id, Slot replica)
    {
        // One look per view in the slot (a handful), not per removed incarnation (which only grow).
        foreach (var entry in replica.Entries)
        {
            if (entry is not DeviceViewEntry { State: not null } view)
            {
                continue;
            }
            var node = view.Stamp.Node;
            // A live view under this node's own name from an earlier incarnation: this node
            // restarted, and a restarted node holds no view until its host sets one again. Seen in
            // CrashTests when survivors stranded direct-path changes (now written on removal,
            // AdoptFromRemoved); kept for a view gossiped by a node that never saw the removal.
            var ownEarlier = string.Equals(node, _self, StringComparison.Ordinal) && view.Incarnation != _incarnation;
            if (ownEarlier || _removed.Contains((node, view.Incarnation)))
            {
                WithdrawRemoved(id, node, view.Incarnation);
            }
        }
    }

    private void OnChildStopped(Stopped m)
    {
        if (!_children.TryGetValue(m.Id, out var child))
        {
            return;
        }
        Forget(m.Id, child);
        var replica = _snapshots[_keys.IndexOf(m.Id)].Get(m.Id);
        if (!replica.Merge(m.Slot).Equals(replica))
        {
            _overlay.Set(m.Id, m.Slot);
        }
        ReplayHandoff(m.Id);
    }

    private void EndHandoff(string id, IActorRef child)
    {
        if (_handoff.Remove(id, out var buffer))
        {
            foreach (var (message, sender) in buffer)
            {
                child.Tell(message, sender);
            }
        }
    }

    private void OnTerminated(Terminated t)
    {
        if (_childIds.TryGetValue(t.ActorRef, out var id))
        {
            // Stopped without a hand-off (the actor system is stopping, or a bug): keep its last state.
            if (_children.TryGetValue(id, out var child) && child.Equals(t.ActorRef))
            {
                var last = _live[id];
                Forget(id, child);
                _overlay.Set(id, last);
                ReplayHandoff(id);
            }
            _childIds.Remove(t.ActorRef);
            return;
        }
        RemoveSubscriber(t.ActorRef);
    }

    /// <summary>Messages that arrived while an entity actor was stopping go to a fresh one.</summary>
    private void ReplayHandoff(string id)
    {
        if (_handoff.Remove(id, out var buffer) && buffer.Count > 0)
        {
            var fresh = ChildFor(id, Current(id));
            foreach (var (message, sender) in buffer)
            {
                fresh.Tell(message, sender);
            }
        }
    }

    private void Forget(string id, IActorRef child)
    {
        _children.Remove(id);
        _live.Remove(id);
        Context.Unwatch(child);
        _childIds.Remove(child);
    }

    /// <summary>
    /// What this node holds ahead of its replica, for entities with no live actor, kept per key so
    /// that a notification for one key only looks at that key's part.
    /// </summary>
    private sealed class Overlay(KeySpace keys)
    {
        private readonly Dictionary<string, Slot>[] _byKey =
            Enumerable.Range(0, keys.Keys.Count).Select(_ => new Dictionary<string, Slot>(StringComparer.Ordinal)).ToArray();

        public IEnumerable<string> Ids => _byKey.SelectMany(d => d.Keys);

        public bool TryGet(string id, out Slot slot) => _byKey[keys.IndexOf(id)].TryGetValue(id, out slot!);

        public void Set(string id, Slot slot) => _byKey[keys.IndexOf(id)][id] = slot;

        public void Remove(string id) => _byKey[keys.IndexOf(id)].Remove(id);

        /// <summary>Entities of key <paramref name="index"/> held here but not yet in the replica at all.</summary>
        public int CountAhead(int index, EntityMap replica)
        {
            var part = _byKey[index];
            return part.Count == 0 ? 0 : part.Keys.Count(id => !replica.Contains(id));
        }

        /// <summary>Forgets what the replica of key <paramref name="index"/> now holds as well.</summary>
        public void Prune(int index, EntityMap replica)
        {
            var part = _byKey[index];
            if (part.Count == 0)
            {
                return;
            }
            foreach (var (id, ahead) in part.ToList())
            {
                var held = replica.Get(id);
                if (held.Merge(ahead).Equals(held))
                {
                    part.Remove(id);
                }
            }
        }
    }

    /// <summary>Changes per direct-path message: large batches stay well inside a remoting frame.</summary>
    private const int MaxDirectBatch = 500;

    private sealed record PeerResolved(Address Address, IActorRef? Peer);

    private sealed class PollReplica
    {
        public static readonly PollReplica Instance = new();
    }

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }
}
