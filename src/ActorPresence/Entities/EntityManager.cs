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
/// One per entity kind on each node, at the same path everywhere: a table of receives over parts
/// named after the concepts in the README. It routes writes, reads and subscriptions to entity
/// actors (<see cref="LiveEntities"/>: creating them on demand, stopping them when idle); changes to
/// entities with no actor here, from other nodes or from outside the site, go to
/// <see cref="ActorlessEntities"/>; reads of the local replica to <see cref="ReplicaReads"/> (into
/// the <see cref="ReplicaView"/>); subscriptions are kept in <see cref="Subscriptions"/>; a removed
/// node's incarnations in <see cref="NodeRemoval"/>. Local changes leave through its child
/// <see cref="Outbox"/> (direct path and replica writer) without coming back here. It holds no copy
/// of an entity's state that a live actor owns.
/// </summary>
public sealed class EntityManager : UntypedActor, IWithTimers, IWithUnboundedStash, IEntityRoutes
{
    private readonly EntityModel _model;
    private readonly ActorPresenceSettings _settings;
    private readonly IActorRef _replicator;
    private readonly string _nodeName;
    private readonly long _incarnation;
    private readonly KeySpace _keys;
    private readonly string[] _keyIds;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ActorPresenceMetrics _metrics = ActorPresenceMetrics.Get(Context.System);

    private readonly ReplicaView _view;
    private readonly LiveEntities _live = new();
    private readonly Subscriptions _subscriptions;
    private readonly NodeRemoval _removal;
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private TimeSpan _firstReadCost;
    private IActorRef _outbox = ActorRefs.Nobody;
    private EntityShared _shared = null!;
    private Props _entityProps = Akka.Actor.Props.None;
    private ActorlessEntities _actorless = null!;
    private ReplicaReads _reads = null!;
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
        _view = new ReplicaView(_keys);
        _subscriptions = new Subscriptions(model.Kind);
        _removal = new NodeRemoval(_nodeName, incarnation);
    }

    public static Props Props(EntityModel model, ActorPresenceSettings settings, IActorRef replicator, long incarnation) =>
        Akka.Actor.Props.Create(() => new EntityManager(model, settings, replicator, incarnation));

    /// <summary>The path of the same manager on another node (the direct path's recipient).</summary>
    internal static ActorPath PeerPath(Address address, EntityModel model) =>
        new RootActorPath(address) / "user" / ActorPresenceSupervisor.Name / model.ManagerName;

    private EntityKind Kind => _model.Kind;

    private static long Now => Environment.TickCount64;

    protected override void PreStart()
    {
        _outbox = Context.ActorOf(
            Outbox.Props(Kind, _keys, _replicator, _settings.DirectPathEnabled, _settings.AskTimeout, address => PeerPath(address, _model)),
            "outbox");
        _shared = new EntityShared(_model, _nodeName, _incarnation, _settings.Clock, _outbox, _metrics);
        _entityProps = EntityActor.Props(_shared);
        _actorless = new ActorlessEntities(_model, _nodeName, _view, _subscriptions, this, _outbox, _shared.EntryFor, Counted);
        var system = Context.System;
        var self = Self;
        _reads = new ReplicaReads(_model, _nodeName, _view, _replicator, self, _settings.AskTimeout, this, _actorless, _removal, _log,
            address => system.ActorSelection(PeerPath(address, _model)),
            (delay, message) => system.Scheduler.ScheduleTellOnce(delay, self, message, self));
        // The first read of the replica comes before anything else is answered: until then this
        // node would not know what it holds (after a restart, nothing at all).
        Context.Parent.Tell(new RequestPeers(Self));
        _reads.Poll();
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
                if (_reads.RoundsCompleted > 0)
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
            // writes, reads and subscriptions of one entity
            case IEntityMessage m:
                OnEntityMessage(m);
                break;
            case WriteMany many:
                OnWriteMany(many);
                break;
            // the direct path, receiving side
            case DirectChanges direct when direct.Kind == Kind:
                foreach (var (id, entry) in direct.Changes)
                {
                    _actorless.Deliver(id, entry, ChangeSource.Direct);
                }
                break;
            case DirectChanges direct:
                _log.Warning("{0} manager got direct changes of kind {1}; dropped", Kind, direct.Kind);
                break;
            // the replica view
            case GetSuccess or NotFound or GetFailure or IUpdateResponse:
                if (_reads.OnAnswer(message))
                {
                    OnRoundCompleted();
                }
                break;
            case PollTick:
                _reads.Poll();
                break;
            case IRepairMessage repair:
                if (!_reads.Repairs.OnMessage(repair, Sender))
                {
                    Unhandled(message);
                }
                break;
            case ListIds list:
                _reads.List(list, Sender);
                break;
            // subscriptions
            case AddSubscription add:
                OnAddSubscription(add);
                break;
            case RemoveSubscription remove:
                OnSubscriberGone(remove.Subscriber);
                break;
            case SubscriberStopped stopped:
                OnSubscriberGone(stopped.Subscriber);
                break;
            // membership
            case PeersChanged peers:
                _peers = peers.Peers.Count;
                _outbox.Forward(peers);
                break;
            case NodeRemoved removed:
                _removal.OnRemoved(Kind, removed.Node, removed.Incarnation, _live.Ids.ToList(), this, _actorless, _log);
                break;
            // passivation
            case SweepTick:
                foreach (var (_, actor) in _live.StartPassivating(Now, (long)_settings.PassivateIdleAfter.TotalMilliseconds))
                {
                    actor.Tell(StopIfIdle.Instance);
                }
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
            case GetStats:
                Sender.Tell(new ManagerStats(_live.Count, _view.Counts().Held, _peers, _subscriptions.SubscriberCount, _reads.RoundsCompleted, _reads.Repairs.Started));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    // ----- routing -----

    bool IEntityRoutes.IsLive(string id) => _live.IsLive(id);

    void IEntityRoutes.Route(string id, object message, IActorRef? sender) => Route(id, message, sender);

    private void OnEntityMessage(IEntityMessage m)
    {
        if (m is GetEntity get && !_live.IsLive(get.Id))
        {
            Sender.Tell(new CurrentState(_model.ToEvent(get.Id, _view.Current(get.Id), _nodeName, initial: true)));
            return;
        }
        Route(m.Id, m, Sender);
    }

    /// <summary>Writes from outside the site, many at once: to the entity's actor when it has one; an
    /// entity with none gets no actor for them.</summary>
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
                _actorless.WriteFromOutside(write, many.ReplyTo);
            }
        }
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
        var actor = Context.ActorOf(_entityProps);
        // Before anything else reaches the actor: only this manager knows it yet.
        actor.Tell(new StartEntity(id, _view.Current(id), subscribers.Count > 0 ? subscribers : null));
        Context.WatchWith(actor, new EntityStopped(id, actor));
        _live.Add(id, actor, Now);
        return actor;
    }

    private void Counted(Entry entry, ChangeSource source)
    {
        if (source == ChangeSource.Local)
        {
            _metrics.LocalChange(Kind);
        }
        else
        {
            _metrics.ReplicatedChange(Kind, source == ChangeSource.Direct, entry.Stamp.Time, _settings.Clock.GetUtcNow());
        }
    }

    // ----- the replica view -----

    /// <summary>A round of reads of every key completed: the gauges (at most once a second: it walks
    /// the overlay), the listings that waited for it, and the next round if one is due.</summary>
    private void OnRoundCompleted()
    {
        if (Now - _published >= 1000)
        {
            _published = Now;
            var (held, perKey) = _view.Counts();
            _metrics.Publish(Kind, new ManagerSnapshot(held, _live.Count, _keyIds, perKey));
        }
        foreach (var (replyTo, ids) in _reads.TakeListings())
        {
            replyTo.Tell(new IdList(ids));
        }
        _reads.PollAgainIfDue();
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
        _actorless.SendCurrentStates(add.Filter, add.Subscriber);
        foreach (var live in _live.Ids.ToList())
        {
            if (add.Filter.Matches(Kind, live))
            {
                Route(live, new AddSubscriber(add.Subscriber, null), null);
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
        foreach (var id in _live.Ids.ToList())
        {
            if (removal.Covers(Kind, id))
            {
                Route(id, message, null);
            }
        }
    }

    // ----- passivation -----

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
