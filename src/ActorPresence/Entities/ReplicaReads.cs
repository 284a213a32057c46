using ActorPresence.Domain;
using ActorPresence.Entities.Messages;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using static ActorPresence.Entities.Messages.EntityHandshake;
using static ActorPresence.Entities.Messages.EntityQueries;

namespace ActorPresence.Entities;

/// <summary>
/// How a manager reads its local replica into the <see cref="ReplicaView"/>: rounds of reads of
/// every key (<see cref="ReplicaPoll"/>), and what each read brings, a poll's or a repair's
/// (<see cref="Repairs"/>, which reads from other nodes). A change of an entity with an actor goes to
/// the actor (it keeps what is newer than what it holds); one new to this node goes to
/// <see cref="ActorlessEntities"/> (counted and handed to the subscribers) before the view takes the
/// read; a device view of a removed incarnation, or of an earlier one of this node, is withdrawn.
/// Work per read is proportional to what changed.
/// </summary>
/// <param name="self">The manager: a repair's peers answer it, and it gets the repair's timeouts.</param>
/// <param name="peerManager">The same manager on another node, by its address.</param>
/// <param name="later">Sends a message to the manager after a delay.</param>
internal sealed class ReplicaReads
{
    private readonly EntityModel _model;
    private readonly string _nodeName;
    private readonly ReplicaView _view;
    private readonly IActorRef _replicator;
    private readonly IEntityRoutes _routes;
    private readonly ActorlessEntities _actorless;
    private readonly NodeRemoval _removal;
    private readonly ReplicaPoll _poll;

    public ReplicaReads(
        EntityModel model, string nodeName, ReplicaView view, IActorRef replicator, IActorRef self, TimeSpan readTimeout,
        IEntityRoutes routes, ActorlessEntities actorless, NodeRemoval removal, ILoggingAdapter log,
        Func<Address, ICanTell> peerManager, Action<TimeSpan, object> later)
    {
        (_model, _nodeName, _view, _replicator, _routes, _actorless, _removal) = (model, nodeName, view, replicator, routes, actorless, removal);
        _poll = new ReplicaPoll(view.Keys.Keys.Count);
        Repairs = new ReplicaRepair(
            model, view, replicator, self, readTimeout, log, peerManager, later, () => _poll.Completed > 0, OnData);
    }

    /// <summary>The repairs: reads from other nodes, of what differs. What they read comes back here.</summary>
    public ReplicaRepair Repairs { get; }

    /// <summary>Rounds of reads completed since the manager started: until the first, the node does not
    /// know what it holds (after a restart, nothing at all).</summary>
    public long RoundsCompleted => _poll.Completed;

    /// <summary>Starts a round of reads of every key (or, when one runs, another after it).</summary>
    public void Poll()
    {
        if (!_poll.TryStart())
        {
            return;
        }
        foreach (var key in _view.Keys.Keys)
        {
            _replicator.Tell(Dsl.Get(key, ReadLocal.Instance));
        }
    }

    /// <summary>A listing, answered by the first round that starts after it (so it sees every write
    /// acknowledged before it was asked).</summary>
    public void List(ListIds list, IActorRef replyTo)
    {
        _poll.Waiting.Add((list, replyTo, _poll.Started + 1));
        Poll();
    }

    /// <summary>An answer of the replicator to a read. Returns true when it completed a round of polls.</summary>
    public bool OnAnswer(object answer)
    {
        if (Repairs.OnAnswer(answer))
        {
            return false;
        }
        switch (answer)
        {
            case GetSuccess success:
                OnData(success.Key.Id, success.Data);
                return Polled(success.Key.Id);
            case NotFound notFound:
                return Polled(notFound.Key.Id);
            default:
                return false;
        }
    }

    /// <summary>The listings the last round satisfied, each with the ids it asks for.</summary>
    public IEnumerable<(IActorRef ReplyTo, List<string> Ids)> TakeListings()
    {
        foreach (var (list, replyTo) in _poll.TakeSatisfied())
        {
            yield return (replyTo, ListIds(list));
        }
    }

    /// <summary>After a round completed: another one is due (asked for meanwhile, or listings wait).</summary>
    public void PollAgainIfDue()
    {
        if (_poll.MustPollAgain)
        {
            Poll();
        }
    }

    private bool Polled(string keyId) => _view.Keys.TryIndexOfKey(keyId, out _) && _poll.Answered();

    private void OnData(string keyId, IReplicatedData data)
    {
        if (!_view.Keys.TryIndexOfKey(keyId, out var index) || data is not EntityMap map)
        {
            return;
        }
        if (_poll.Completed == 0 && _view.IsUnread(index))
        {
            OnFirstRead(index, map);
        }
        else
        {
            OnChanged(index, map);
        }
    }

    /// <summary>The first read of key <paramref name="index"/> since the manager started: no entity is
    /// live or subscribed to yet, and what the replica holds (loaded from disk, or kept by the
    /// replicator while this manager restarted) is no replicated change. Only a device view of an
    /// earlier incarnation of this node is looked for (one look per entity, no per-entity copy).</summary>
    private void OnFirstRead(int index, EntityMap map)
    {
        _view.Commit(index, map, []);
        if (_model.Kind == EntityKind.Device)
        {
            foreach (var (id, slot) in map.Entities)
            {
                WithdrawStaleViews(id, slot);
            }
        }
    }

    /// <summary>A later read of key <paramref name="index"/>: work proportional to what changed in it.</summary>
    private void OnChanged(int index, EntityMap map)
    {
        var changes = _view.Changes(index, map);
        foreach (var change in changes)
        {
            if (_routes.IsLive(change.Id))
            {
                // The actor keeps what is newer than what it holds.
                _routes.Route(change.Id, new ApplyEntries(change.Slot.Entries, ChangeSource.Replica), null);
            }
            else if (change.Missing.Count > 0)
            {
                // New to this node: counted, and handed to the subscribers; the commit below takes it into the view.
                _actorless.Apply(change.Id, change.Missing, ChangeSource.Replica);
            }
        }
        _view.Commit(index, map, changes);
        if (_model.Kind == EntityKind.Device)
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
            _actorless.WithdrawViews(id, node, incarnation);
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
}
