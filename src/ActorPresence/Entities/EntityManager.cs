using System.Diagnostics;
using ActorPresence.Diagnostics;
using ActorPresence.Domain;
using ActorPresence.Entities.Messages;
using ActorPresence.Replication;
using ActorPresence.Supervision;
using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using static ActorPresence.Entities.Messages.EntityCommands;
using static ActorPresence.Entities.Messages.EntityHandshake;
using static ActorPresence.Entities.Messages.EntityQueries;
using static ActorPresence.Entities.Messages.MembershipNotices;
using static ActorPresence.Entities.Messages.SubscriptionMessages;

namespace ActorPresence.Entities;

/// <summary>
/// One per entity kind on each node, at the same path everywhere. It routes: writes, reads and
/// subscriptions to entity actors (creating them on demand, stopping them when idle), changes from
/// other nodes to them (the direct path's receiving side), and what distributed data brings to them
/// (the replica view). The work is done by parts named after the concepts in the README, each a
/// plain class: <see cref="LiveEntities"/> (the actors and the passivation hand-off),
/// <see cref="ReplicaView"/>, <see cref="Subscriptions"/>, <see cref="NodeRemoval"/>; local changes
/// leave through its child <see cref="Outbox"/> (direct path and replica writer) without coming back
/// here. It holds no copy of an entity's state that a live actor owns.
/// </summary>
public sealed class EntityManager : UntypedActor, IWithTimers, IWithUnboundedStash
{
    private readonly EntityModel _model;
    private readonly ActorPresenceSettings _settings;
    private readonly IActorRef _replicator;
    private readonly string _nodeName;
    private readonly long _incarnation;
    private readonly KeySpace _keys;
    private readonly Dictionary<string, int> _keyIndex;
    private readonly string[] _keyIds;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ActorPresenceMetrics _metrics = ActorPresenceMetrics.Get(Context.System);

    private readonly ReplicaView _view;
    private readonly LiveEntities _live = new();
    private readonly Subscriptions _subscriptions;
    private readonly NodeRemoval _removal;
    private readonly ReplicaPoll _poll;
    private readonly RepairRound _repair;
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private TimeSpan _firstReadCost;
    private IActorRef _outbox = ActorRefs.Nobody;
    private EntityShared _shared = null!;
    private int _peers;
    private long _published = long.MinValue / 2;

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    public EntityManager(EntityModel model, ActorPresenceSettings settings, IActorRef replicator, long incarnation)
    {
        _model = model;
        _settings = settings;
        _replicator = replicator;
        _nodeName = settings.NodeName.Value;
        _incarnation = incarnation;
        _keys = new KeySpace(model.Kind, settings.KeyCount);
        _keyIds = _keys.Keys.Select(k => k.Id).ToArray();
        _keyIndex = _keyIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        _view = new ReplicaView(_keys);
        _subscriptions = new Subscriptions(model.Kind);
        _removal = new NodeRemoval(_nodeName, incarnation);
        _poll = new ReplicaPoll(_keys.Keys.Count);
        _repair = new RepairRound(_keys.Keys.Count);
    }

    public static Props Props(EntityModel model, ActorPresenceSettings settings, IActorRef replicator, long incarnation) =>
        Akka.Actor.Props.Create(() => new EntityManager(model, settings, replicator, incarnation));

    private EntityKind Kind => _model.Kind;

    private static long Now => Environment.TickCount64;

    protected override void PreStart()
    {
        _outbox = Context.ActorOf(
            Outbox.Props(Kind, _keys, _replicator, _settings.DirectPathEnabled, _settings.AskTimeout, address => PeerPath(address, _model)),
            "outbox");
        _shared = new EntityShared(_model, _nodeName, _incarnation, _settings.Clock, _outbox, _metrics);
        // The first read of the replica comes before anything else is answered: until then this
        // node would not know what it holds (after a restart, nothing at all).
        Context.Parent.Tell(new RequestPeers(Self));
        StartPoll();
        Timers.StartPeriodicTimer(PollTick.Instance, PollTick.Instance, _settings.ReplicaPollInterval);
        var sweep = TimeSpan.FromTicks(Math.Max(_settings.PassivateIdleAfter.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks));
        Timers.StartPeriodicTimer(SweepTick.Instance, SweepTick.Instance, sweep);
    }

    /// <summary>What the failed instance held of the subscriptions is lost with it: every subscriber is
    /// told to subscribe again (and gets the current state again), so none goes silent.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        _log.Error(reason, "{0} manager failed; restarting it, and asking its {1} subscriber(s) to subscribe again", Kind, _subscriptions.SubscriberCount);
        var reset = new SubscriptionsReset(Kind, $"the {Kind.Name()} manager of node {_nodeName} failed ({reason.Message}) and restarted");
        foreach (var subscriber in _subscriptions.Subscribers)
        {
            subscriber.Actor.Tell(reset);
        }
        Context.Parent.Tell(new PipelineNotices.ManagerRestarting(Kind, reason.Message));
        base.PreRestart(reason, message);
    }

    // An entity actor (or the outbox) that throws keeps its state: losing its subscribers, or the
    // acknowledgements it owes, would be worse.
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(e =>
        {
            _log.Error(e, "{0}: a child of the manager failed; resuming it", Kind);
            return Directive.Resume;
        });

    /// <summary>Until the first read of the replica is complete, everything but that read waits.</summary>
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case GetSuccess or NotFound or PollTick:
                var cost = Stopwatch.GetTimestamp();
                Active(message);
                _firstReadCost += Stopwatch.GetElapsedTime(cost);
                if (_poll.Completed > 0)
                {
                    _log.Info("{0}: first read of the replica, {1} entities, {2:F0} ms after the manager started ({3:F0} ms of it here)",
                        Kind, _view.Counts().Held, Stopwatch.GetElapsedTime(_startedAt).TotalMilliseconds, _firstReadCost.TotalMilliseconds);
                    Context.Parent.Tell(new PipelineNotices.ManagerReady(Kind));
                    Become(Active);
                    Stash.UnstashAll();
                }
                break;
            case SweepTick:
                break;
            default:
                Stash.Stash();
                break;
        }
    }

    private void Active(object message)
    {
        switch (message)
        {
            case IEntityMessage m:
                OnEntityMessage(m);
                break;
            case WriteMany many:
                OnWriteMany(many);
                break;
            case DirectChanges direct:
                OnDirect(direct);
                break;
            case GetSuccess { Request: RepairRead } repaired:
                OnReplica(repaired.Key.Id, repaired.Data, polled: false);
                RepairAnswered();
                break;
            case NotFound { Request: RepairRead } or GetFailure { Request: RepairRead }:
                // A node that did not answer is repaired by the next full-state gossip.
                RepairAnswered();
                break;
            case GetSuccess success:
                OnReplica(success.Key.Id, success.Data, polled: true);
                break;
            case NotFound notFound:
                OnReplicaAnswered(notFound.Key.Id);
                break;
            case RepairReplica repair:
                if (_repair.TryStart(repair.FromEveryNode))
                {
                    _log.Info("{0}: reading every key from {1} ({2})", Kind, repair.FromEveryNode ? "every node" : "another node", repair.Reason);
                    ReadRepairKeys();
                }
                break;
            case PollTick:
                StartPoll();
                break;
            case AddSubscription add:
                OnAddSubscription(add);
                break;
            case RemoveSubscription remove:
                OnSubscriberGone(remove.Subscriber);
                break;
            case SubscriberStopped stopped:
                OnSubscriberGone(stopped.Subscriber);
                break;
            case ListIds list:
                _poll.Waiting.Add((list, Sender, _poll.Started + 1));
                StartPoll();
                break;
            case GetStats:
                Sender.Tell(new ManagerStats(_live.Count, _view.Counts().Held, _peers, _subscriptions.SubscriberCount, _poll.Completed, _repair.Started));
                break;
            case PeersChanged peers:
                _peers = peers.Peers.Count;
                _outbox.Forward(peers);
                break;
            case NodeRemoved removed:
                OnNodeRemoved(removed);
                break;
            case SweepTick:
                OnSweep();
                break;
            case StayAlive stay:
                _live.Stayed(stay.Id, stay.Pinned, Now);
                break;
            case Passivated passivated:
                OnStopped(passivated.Id, Sender, passivated.Slot);
                break;
            case EntityStopped stopped:
                OnStopped(stopped.Id, stopped.Actor, null);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>The path of the same manager on another node (the direct path's recipient).</summary>
    internal static ActorPath PeerPath(Address address, EntityModel model) =>
        new RootActorPath(address) / "user" / ActorPresenceSupervisor.Name / model.ManagerName;

    private void OnEntityMessage(IEntityMessage m)
    {
        if (m is GetEntity get && !_live.IsLive(get.Id))
        {
            Sender.Tell(new CurrentState(_model.ToEvent(get.Id, _view.Current(get.Id), _nodeName, initial: true)));
            return;
        }
        Route(m.Id, m, Sender);
    }

    private void Route(string id, object message, IActorRef? sender)
    {
        if (!_live.TryTell(id, message, sender, Now))
        {
            Spawn(id).Tell(message, sender);
        }
    }

    private IActorRef Spawn(string id)
    {
        var subscribers = _subscriptions.For(id);
        var actor = Context.ActorOf(EntityActor.Props(id, _shared, _view.Current(id), subscribers.Count > 0 ? subscribers : null));
        Context.WatchWith(actor, new EntityStopped(id, actor));
        _live.Add(id, actor, Now);
        return actor;
    }

    // ----- writes from outside the site, many at once -----

    private void OnWriteMany(WriteMany many)
    {
        foreach (var write in many.Writes)
        {
            if (_live.IsLive(write.Id))
            {
                Route(write.Id, write, many.ReplyTo);
            }
            else
            {
                WriteWithoutActor(write, many.ReplyTo);
            }
        }
    }

    /// <summary>A write from outside the site to an entity with no actor here: merged into what the view
    /// holds and handed to the subscribers (as a change from another node is), then sent out by the
    /// outbox, which answers it once the replica holds it, as it answers an entity actor's write.</summary>
    private void WriteWithoutActor(IEntityMessage write, IActorRef replyTo)
    {
        var id = write.Id;
        var current = _view.Current(id);
        Entry? entry;
        try
        {
            entry = write switch
            {
                Write { Op: IForeignView } foreign => _shared.EntryFor(foreign.Op, current),
                Import import => import.Entry,
                _ => throw new InvalidOperationException($"a {write.GetType().Name} of {id} is not a write from outside the site"),
            };
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            replyTo.Tell(new Status.Failure(e));
            return;
        }
        var slot = entry is null ? null : ApplyWithoutActor(id, [entry], ChangeSource.Local);
        if (slot is null)
        {
            var unchanged = new WriteAck(false, _model.ToEvent(id, current, _nodeName, initial: true));
            _outbox.Tell(new LocalChange(id, null, replyTo, unchanged, ReplicaOnly: false));
            return;
        }
        _view.HoldAhead(id, slot);
        var changed = new WriteAck(true, _model.ToEvent(id, slot, entry!.Stamp.Node, initial: false));
        _outbox.Tell(new LocalChange(id, entry, replyTo, changed, ReplicaOnly: false));
    }

    // ----- the direct path, receiving side -----

    private void OnDirect(DirectChanges m)
    {
        if (m.Kind != Kind)
        {
            _log.Warning("{0} manager got direct changes of kind {1}; dropped", Kind, m.Kind);
            return;
        }
        foreach (var (id, entry) in m.Changes)
        {
            Deliver(id, entry, ChangeSource.Direct);
        }
    }

    /// <summary>An entry from another node: to its live actor; otherwise this node holds it, ahead of
    /// its replica, and hands the change to the subscriptions that cover the entity.</summary>
    private void Deliver(string id, Entry entry, ChangeSource source)
    {
        if (_live.IsLive(id))
        {
            Route(id, new ApplyEntries([entry], source), null);
            return;
        }
        var slot = ApplyWithoutActor(id, [entry], source);
        if (slot is not null)
        {
            _view.HoldAhead(id, slot);
        }
    }

    /// <summary>
    /// Entries from elsewhere for an entity that has no actor here: merged into what the view holds,
    /// each accepted change handed to the subscribers that cover the entity, as its actor would (in
    /// order: every change of an entity with no actor passes through the manager). No actor is
    /// created for a subscription: one that covers many entities (a prefix, everything) would
    /// otherwise keep an actor alive for each entity that changes. Returns the new slot, or null when
    /// nothing was accepted.
    /// </summary>
    private Slot? ApplyWithoutActor(string id, IReadOnlyList<Entry> entries, ChangeSource source)
    {
        var slot = _view.Current(id);
        var changed = false;
        List<Subscriber>? subscribers = null;
        foreach (var entry in entries)
        {
            var (next, accepted) = slot.With(entry);
            if (!accepted)
            {
                continue;
            }
            slot = next;
            changed = true;
            if (source == ChangeSource.Local)
            {
                _metrics.LocalChange(Kind);
            }
            else
            {
                _metrics.ReplicatedChange(Kind, source == ChangeSource.Direct, entry.Stamp.Time, _settings.Clock.GetUtcNow());
            }
            subscribers ??= _subscriptions.HasAny ? _subscriptions.For(id) : [];
            if (subscribers.Count > 0 && _model.ToEvent(id, slot, entry.Stamp.Node, initial: false) is { } change)
            {
                foreach (var subscriber in subscribers)
                {
                    subscriber.Deliver(change);
                }
            }
        }
        return changed ? slot : null;
    }

    // ----- the replica view -----

    private void StartPoll()
    {
        if (!_poll.TryStart())
        {
            return;
        }
        foreach (var key in _keys.Keys)
        {
            _replicator.Tell(Dsl.Get(key, ReadLocal.Instance));
        }
    }

    private void OnReplica(string keyId, IReplicatedData data, bool polled)
    {
        if (_keyIndex.TryGetValue(keyId, out var index) && data is EntityMap map)
        {
            if (_poll.Completed == 0 && _view.IsUnread(index))
            {
                OnFirstRead(index, map);
            }
            else
            {
                OnReplicaChanged(index, map);
            }
        }
        if (polled)
        {
            OnReplicaAnswered(keyId);
        }
    }

    /// <summary>The first read of key <paramref name="index"/> since the manager started: no entity is
    /// live or subscribed to yet, and what the replica holds (loaded from disk, or kept by the
    /// replicator while this manager restarted) is no replicated change. Only a device view of an
    /// earlier incarnation of this node is looked for (one look per entity, no per-entity copy).</summary>
    private void OnFirstRead(int index, EntityMap map)
    {
        _view.Commit(index, map, []);
        if (Kind == EntityKind.Device)
        {
            foreach (var (id, slot) in map.Entities)
            {
                WithdrawStaleViews(id, slot);
            }
        }
    }

    /// <summary>A later read of key <paramref name="index"/>: work proportional to what changed in it.</summary>
    private void OnReplicaChanged(int index, EntityMap map)
    {
        var changes = _view.Changes(index, map);
        foreach (var change in changes)
        {
            if (_live.IsLive(change.Id))
            {
                // The actor keeps what is newer than what it holds.
                Route(change.Id, new ApplyEntries(change.Slot.Entries, ChangeSource.Replica), null);
            }
            else if (change.Missing.Count > 0)
            {
                // New to this node: counted, and handed to the subscribers; the commit below takes it into the view.
                ApplyWithoutActor(change.Id, change.Missing, ChangeSource.Replica);
            }
        }
        _view.Commit(index, map, changes);
        if (Kind == EntityKind.Device)
        {
            foreach (var change in changes)
            {
                WithdrawStaleViews(change.Id, change.Slot);
            }
        }
    }

    /// <summary>Withdraws the views in <paramref name="slot"/> that a removed incarnation left.</summary>
    private void WithdrawStaleViews(string id, Slot slot)
    {
        foreach (var (node, incarnation) in _removal.StaleViews(slot) ?? [])
        {
            WithdrawViews(id, node, incarnation);
        }
    }

    private void OnReplicaAnswered(string keyId)
    {
        if (!_keyIndex.ContainsKey(keyId) || !_poll.Answered())
        {
            return;
        }
        // The gauges' snapshot, at most once a second: it walks the overlay.
        if (Now - _published >= 1000)
        {
            _published = Now;
            var (held, perKey) = _view.Counts();
            _metrics.Publish(Kind, new ManagerSnapshot(held, _live.Count, _keyIds, perKey));
        }
        foreach (var (list, replyTo) in _poll.TakeSatisfied())
        {
            replyTo.Tell(new IdList(ListIds(list)));
        }
        if (_poll.MustPollAgain)
        {
            StartPoll();
        }
    }

    /// <summary>Ids with state, from the replica view and the live actors.</summary>
    private List<string> ListIds(ListIds m)
    {
        var ids = new HashSet<string>(_view.Ids(), StringComparer.Ordinal);
        return ids
            .Where(id => id.StartsWith(m.Prefix, StringComparison.Ordinal)
                         && (m.After is null || string.CompareOrdinal(id, m.After) > 0)
                         && _model.ToEvent(id, _view.Current(id), _nodeName, initial: true) is not null)
            .Order(StringComparer.Ordinal)
            .Take(m.Limit)
            .ToList();
    }

    // ----- subscriptions -----

    private void OnAddSubscription(AddSubscription add)
    {
        if (add.Filter.ExactId is { } id)
        {
            // The entity's actor sends the current state, then answers. Routed before the subscription
            // is registered: an actor created for it must not count the subscriber as one it already has.
            Route(id, new AddSubscriber(add.Subscriber, Sender), null);
            Register(add);
            return;
        }
        Register(add);
        foreach (var id2 in _view.Ids())
        {
            if (!_live.IsLive(id2) && add.Filter.Matches(Kind, id2)
                && _model.ToEvent(id2, _view.Current(id2), _nodeName, initial: true) is { } initial)
            {
                add.Subscriber.Deliver(initial);
            }
        }
        foreach (var (liveId, _) in _live.All().ToList())
        {
            if (add.Filter.Matches(Kind, liveId))
            {
                Route(liveId, new AddSubscriber(add.Subscriber, null), null);
            }
        }
        Sender.Tell(SubscriptionAdded.Instance);
    }

    private void Register(AddSubscription add)
    {
        if (_subscriptions.Add(add.Filter, add.Subscriber, out var newSubscriber) && newSubscriber)
        {
            Context.WatchWith(add.Subscriber.Actor, new SubscriberStopped(add.Subscriber.Actor));
        }
    }

    private void OnSubscriberGone(IActorRef subscriber)
    {
        var removal = _subscriptions.RemoveAll(subscriber);
        Context.Unwatch(subscriber);
        if (removal.Ids.Count == 0 && removal.Prefixes.Count == 0)
        {
            return;
        }
        var message = new RemoveSubscriber(subscriber);
        foreach (var (id, _) in _live.All().ToList())
        {
            if (removal.Covers(Kind, id))
            {
                Route(id, message, null);
            }
        }
    }

    // ----- node removal -----

    private void OnNodeRemoved(NodeRemoved m)
    {
        if (Kind == EntityKind.Device)
        {
            _removal.Add(m.Node, m.Incarnation);
        }
        var notice = new WriterRemoved(m.Node, m.Incarnation);
        foreach (var (id, _) in _live.All().ToList())
        {
            Route(id, notice, null);
        }
        // What only the overlay holds of the removed node's writes: its writer can no longer spread it.
        var adopted = 0;
        foreach (var (id, ahead) in _view.Ahead().ToList())
        {
            if (_live.IsLive(id))
            {
                continue;
            }
            foreach (var entry in _view.InReplica(id).Missing(ahead))
            {
                if (string.Equals(entry.Stamp.Node, m.Node, StringComparison.Ordinal))
                {
                    _outbox.Tell(new LocalChange(id, entry, null, null, ReplicaOnly: true));
                    adopted++;
                }
            }
        }
        if (adopted > 0)
        {
            _log.Info("Node {0} (incarnation {1}) removed: wrote {2} of its {3} change(s) that had come only by the direct path", m.Node, m.Incarnation, adopted, Kind);
        }
        if (Kind != EntityKind.Device)
        {
            return;
        }
        var withdrawn = 0;
        foreach (var id in _view.Ids().ToList())
        {
            if (!_live.IsLive(id) && WithdrawViews(id, m.Node, m.Incarnation))
            {
                withdrawn++;
            }
        }
        _log.Info("Node {0} (incarnation {1}) removed: withdrawing its views of {2} device(s) held here and those of {3} live device actor(s)",
            m.Node, m.Incarnation, withdrawn, _live.Count);
    }

    /// <summary>Writes tombstones for the live views an incarnation has in one device, through the
    /// device's actor when it has one. False when there was nothing to withdraw.</summary>
    private bool WithdrawViews(string id, string node, long incarnation)
    {
        if (_live.IsLive(id))
        {
            Route(id, new RemoveIncarnation(node, incarnation), null);
            return true;
        }
        // Every surviving node writes the same tombstones: to its replica only.
        var tombstones = DeviceModel.RemovalTombstones(_view.Current(id), node, incarnation).ToList();
        var slot = ApplyWithoutActor(id, tombstones, ChangeSource.Local);
        if (slot is null)
        {
            return false;
        }
        foreach (var tombstone in tombstones)
        {
            _outbox.Tell(new LocalChange(id, tombstone, null, null, ReplicaOnly: true));
        }
        _view.HoldAhead(id, slot);
        return true;
    }

    // ----- passivation -----

    private void OnSweep()
    {
        var idleFor = (long)_settings.PassivateIdleAfter.TotalMilliseconds;
        foreach (var (_, actor) in _live.StartPassivating(Now, idleFor))
        {
            actor.Tell(StopIfIdle.Instance);
        }
    }

    /// <summary>An entity actor stopped: after passivating with its last state, or unexpectedly (the
    /// system is stopping); what was sent to it meanwhile goes to a fresh one.</summary>
    private void OnStopped(string id, IActorRef actor, Slot? last)
    {
        if (!_live.Remove(id, actor, out var held))
        {
            return;
        }
        if (last is not null)
        {
            Context.Unwatch(actor);
            _view.HoldAhead(id, last);
        }
        else
        {
            _log.Warning("{0} {1}: its entity actor stopped without passivating; what it held beyond the replica is lost", Kind, id);
        }
        if (held is { Count: > 0 })
        {
            var fresh = Spawn(id);
            foreach (var (message, sender) in held)
            {
                fresh.Tell(message, sender);
            }
        }
    }

    private void RepairAnswered()
    {
        if (_repair.Answered() is { } again)
        {
            Self.Tell(new RepairReplica("asked for again while the last repair ran", again));
            return;
        }
        ReadRepairKeys();
    }

    /// <summary>Sends the repair's next reads: a few keys at a time, so that a repair of a large
    /// replica does not flood the replicators (and starve the failure detector's heartbeats).</summary>
    private void ReadRepairKeys()
    {
        IReadConsistency read = _repair.FromEveryNode ? new ReadAll(_settings.AskTimeout) : new ReadFrom(2, _settings.AskTimeout);
        while (_repair.NextKey() is { } index)
        {
            _replicator.Tell(Dsl.Get(_keys.Keys[index], read, RepairRead.Instance));
        }
    }

    /// <summary>Marks the reads of a repair (<see cref="RepairReplica"/>) apart from the polls.</summary>
    private sealed class RepairRead
    {
        public static readonly RepairRead Instance = new();
    }

    private sealed record EntityStopped(string Id, IActorRef Actor) : IDeadLetterSuppression;

    private sealed record SubscriberStopped(IActorRef Subscriber) : IDeadLetterSuppression;

    private sealed class PollTick : INotInfluenceReceiveTimeout, IDeadLetterSuppression
    {
        public static readonly PollTick Instance = new();
    }

    private sealed class SweepTick : INotInfluenceReceiveTimeout, IDeadLetterSuppression
    {
        public static readonly SweepTick Instance = new();
    }
}
