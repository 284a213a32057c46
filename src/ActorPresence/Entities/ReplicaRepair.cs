using ActorPresence.Entities.Messages;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using static ActorPresence.Entities.Messages.MembershipNotices;

namespace ActorPresence.Entities;

/// <summary>
/// A manager's repairs of its replica (<see cref="RepairReplica"/>), and its answers to the repairs of
/// the same manager on other nodes. A repair that names peers asks each for a digest of every key
/// (<see cref="KeyDigestsQuery"/>); a key whose digest differs is fetched from one peer for each
/// distinct digest, only the entities that differ (<see cref="KeyItemsQuery"/>), merged into the local
/// replica with a local update and read back; a key that cannot be fetched so is read whole through
/// distributed data (<see cref="RepairRound"/> decides which). What a repair reads goes to
/// <paramref name="onRead"/> as a poll's read would.
/// </summary>
/// <param name="self">The manager: a repair asked for again while one ran is sent to it, and so are the
/// peers' answers (<see cref="KeyDigests"/>, <see cref="KeyItems"/>) and the timeouts.</param>
/// <param name="peerManager">The same manager on another node, by its address.</param>
/// <param name="later">Sends a message to the manager after a delay.</param>
/// <param name="replicaRead">Whether the manager's first round of reads completed: until then it
/// answers a peer that it knows nothing.</param>
/// <param name="onRead">Takes what a repair read of a key, by the key's id.</param>
internal sealed class ReplicaRepair(
    EntityModel model, ReplicaView view, IActorRef replicator, IActorRef self, TimeSpan readTimeout, ILoggingAdapter log,
    Func<Address, ICanTell> peerManager, Action<TimeSpan, object> later, Func<bool> replicaRead,
    Action<string, IReplicatedData> onRead)
{
    private readonly KeySpace _keys = view.Keys;
    private readonly RepairRound _repair = new(view.Keys.Keys.Count);
    // The fetches of the running repair that wait for a peer's answer (KeyItems).
    private readonly HashSet<(int Key, Address Peer)> _fetching = [];

    public long Started => _repair.Started;

    /// <summary>A message of a repair (<see cref="IRepairMessage"/>), from <paramref name="sender"/>: a repair
    /// to start, a peer's query to answer, a peer's answer, or a timeout. False when it is not for this
    /// manager (a query about another kind).</summary>
    public bool OnMessage(IRepairMessage message, IActorRef sender)
    {
        var kind = model.Kind;
        switch (message)
        {
            case RepairReplica repair:
                if (Repair(repair.FromEveryNode, repair.Peers))
                {
                    log.Info(repair.Peers.Count == 0 ? "{0}: reading every key from {1} ({2})" : "{0}: repair from {1} ({2}): comparing key digests first",
                        kind, repair.FromEveryNode ? "every node" : "another node", repair.Reason);
                }
                return true;
            case KeyDigestsQuery query when query.Kind == kind:
                sender.Tell(Digests(query.Round));
                return true;
            case KeyDigests digests:
                if (OnDigests(sender.Path.Address, digests) is var (keys, fetched))
                {
                    log.Info("{0}: repair reads {1} of {2} keys (those whose digest differs), {3} of them entity by entity from a peer",
                        kind, keys, _keys.Keys.Count, fetched);
                }
                return true;
            case DigestsTimedOut timedOut:
                if (OnDigestsTimedOut(timedOut))
                {
                    log.Info("{0}: a peer did not send its key digests in time; the repair reads every key", kind);
                }
                return true;
            case KeyItemsQuery query when query.Kind == kind:
                sender.Tell(Items(query));
                return true;
            case KeyItems items:
                OnItems(sender.Path.Address, items);
                return true;
            case ItemsTimedOut timedOut:
                if (OnItemsTimedOut(timedOut))
                {
                    log.Info("{0}: {1} did not send the entities of key {2} in time; reading it whole", kind, timedOut.Peer, timedOut.Key);
                }
                return true;
            case ReadAgain again:
                if (again.Round == _repair.Round)
                {
                    ReadWhole(again.Key, again.Read);
                }
                return true;
            default:
                return false;
        }
    }

    /// <summary>Starts a repair, unless one runs (it then runs after it). False when it did not start now.
    /// With peers, it first asks each for its key digests (<see cref="OnDigests"/>).</summary>
    public bool Repair(bool fromEveryNode, IReadOnlyCollection<Address> peers)
    {
        if (!_repair.TryStart(fromEveryNode, peers))
        {
            return false;
        }
        if (_repair.Comparing)
        {
            var query = new KeyDigestsQuery(model.Kind, _repair.Round);
            foreach (var peer in peers)
            {
                peerManager(peer).Tell(query, self);
            }
            later(readTimeout, new DigestsTimedOut(_repair.Round));
        }
        ReadRepairKeys();
        return true;
    }

    /// <summary>What this node answers to <see cref="KeyDigestsQuery"/>: its view's digest of each key,
    /// all 0 ("not known") until its first round of reads completed.</summary>
    public KeyDigests Digests(long round)
    {
        var digests = new ulong[_keys.Keys.Count];
        if (replicaRead())
        {
            for (var i = 0; i < digests.Length; i++)
            {
                digests[i] = view.Digest(i);
            }
        }
        return new KeyDigests(model.Kind, round, digests);
    }

    /// <summary>A peer's answer to the repair's <see cref="KeyDigestsQuery"/>. Returns how many keys the
    /// repair reads, and how many of them it fetches entity by entity, when this was the last answer
    /// it waited for; null otherwise.</summary>
    public (int Keys, int Fetched)? OnDigests(Address peer, KeyDigests digests)
    {
        if (digests.Kind != model.Kind || !_repair.OnDigests(peer, digests.Round, digests.Digests, view.Digest))
        {
            return null;
        }
        ReadRepairKeys();
        NextRepairIfDone();
        return (_repair.KeysToRead, _repair.KeysFetched);
    }

    /// <summary>What this node answers to <see cref="KeyItemsQuery"/>: the entities of the key, as its view
    /// last read it, whose digest the asker does not hold. Incomplete (nothing sent: the asker reads the
    /// key whole) before the first round of reads completed, or when more than
    /// <see cref="KeyItems.MaxItems"/> differ.</summary>
    public KeyItems Items(KeyItemsQuery query)
    {
        if (!replicaRead() || query.Key >= _keys.Keys.Count
            || view.Replica(query.Key).Lacking(query.Held, KeyItems.MaxItems) is not { } lacking)
        {
            return KeyItems.Incomplete(model.Kind, query.Round, query.Key);
        }
        return new KeyItems(model.Kind, query.Round, query.Key, true, lacking);
    }

    /// <summary>A peer's answer to one of the repair's <see cref="KeyItemsQuery"/>: what it brought is merged
    /// into the local replica (and read back), or, if the peer sent nothing, the key is read whole.
    /// False when the repair was not waiting for it.</summary>
    public bool OnItems(Address peer, KeyItems items)
    {
        if (items.Kind != model.Kind || items.Round != _repair.Round || !_fetching.Remove((items.Key, peer)))
        {
            return false;
        }
        if (!items.Complete)
        {
            ReadWhole(items.Key, RepairRead.Fetch);
        }
        else if (items.Items.Count == 0)
        {
            RepairAnswered(fetch: true);
        }
        else
        {
            var fetched = items.Items;
            var key = _keys.Keys[items.Key];
            replicator.Tell(Dsl.Update(key, EntityMap.Empty, WriteLocal.Instance, new RepairMerge(key),
                (EntityMap map) => map.Absorb(fetched)));
        }
        return true;
    }

    /// <summary>A fetch of the repair <see cref="ItemsTimedOut.Round"/> had no answer in time: the key is
    /// read whole. True when the repair was still waiting for it.</summary>
    public bool OnItemsTimedOut(ItemsTimedOut timedOut)
    {
        if (timedOut.Round != _repair.Round || !_fetching.Remove((timedOut.Key, timedOut.Peer)))
        {
            return false;
        }
        ReadWhole(timedOut.Key, RepairRead.Fetch);
        return true;
    }

    /// <summary>The peers of the repair <see cref="DigestsTimedOut.Round"/> did not all answer in time:
    /// it reads every key. True when that repair was still waiting.</summary>
    public bool OnDigestsTimedOut(DigestsTimedOut timedOut)
    {
        if (!_repair.DigestsTimedOut(timedOut.Round))
        {
            return false;
        }
        ReadRepairKeys();
        return true;
    }

    /// <summary>An answer of the replicator to one of a repair's reads or updates. False when it is not one
    /// (a poll's read).</summary>
    public bool OnAnswer(object answer)
    {
        switch (answer)
        {
            case IUpdateResponse { Request: RepairMerge merge }:
                // Merged (or not: the read shows what the replica holds either way); read it back.
                replicator.Tell(Dsl.Get(merge.Key, ReadLocal.Instance, RepairRead.Fetch));
                return true;
            case GetSuccess { Request: RepairRead read } repaired:
                onRead(repaired.Key.Id, repaired.Data);
                RepairAnswered(read.Fetched);
                return true;
            case NotFound { Request: RepairRead read }:
                RepairAnswered(read.Fetched);
                return true;
            case GetFailure { Request: RepairRead read } failed:
                OnReadFailed(failed.Key.Id, read);
                return true;
            default:
                return false;
        }
    }

    /// <summary>A whole read of a repair failed: the nodes it asked did not all answer in time, or the
    /// replicator knew too few nodes to ask (a node that has just joined may read before its replicator
    /// has taken the members in). It is sent again, <see cref="RepairRead.Attempts"/> times in all, a
    /// little later each time; then the key waits for the next full-state gossip, and a warning says so.</summary>
    private void OnReadFailed(string keyId, RepairRead read)
    {
        if (read.Attempt < RepairRead.Attempts && _keys.TryIndexOfKey(keyId, out var index))
        {
            later(RepairRead.RetryDelay * read.Attempt, new ReadAgain(_repair.Round, index, read.Next()));
            return;
        }
        log.Warning("{0}: a repair read key {1} from other nodes {2} times and had no answer; it converges at the next full-state gossip",
            model.Kind, keyId, read.Attempt);
        RepairAnswered(read.Fetched);
    }

    private void RepairAnswered(bool fetch)
    {
        _repair.Answered(fetch);
        ReadRepairKeys();
        NextRepairIfDone();
    }

    private void NextRepairIfDone()
    {
        if (_repair.TakeQueued() is { } queued)
        {
            self.Tell(new RepairReplica("asked for again while the last repair ran", queued.FromEveryNode, queued.Peers));
        }
    }

    /// <summary>Sends the repair's next reads: a few keys at a time, so that a repair of a large
    /// replica does not flood the replicators (and starve the failure detector's heartbeats).</summary>
    private void ReadRepairKeys()
    {
        while (_repair.NextRead() is { } read)
        {
            // A key this node holds nothing of (a new node's) is read whole at once: every entity differs.
            if (read.From is { } peer && view.Replica(read.Key) is { Count: > 0 and <= KeyItemsQuery.MaxHeld } held)
            {
                _fetching.Add((read.Key, peer));
                peerManager(peer).Tell(new KeyItemsQuery(model.Kind, _repair.Round, read.Key, held.ItemDigests()), self);
                later(readTimeout, new ItemsTimedOut(_repair.Round, read.Key, peer));
            }
            else
            {
                ReadWhole(read.Key, read.From is null ? RepairRead.Whole : RepairRead.Fetch);
            }
        }
    }

    /// <summary>Reads key <paramref name="index"/> whole from other nodes through distributed data (which
    /// merges what it read into the local replica).</summary>
    private void ReadWhole(int index, RepairRead request)
    {
        IReadConsistency read = _repair.FromEveryNode ? new ReadAll(readTimeout) : new ReadFrom(2, readTimeout);
        replicator.Tell(Dsl.Get(_keys.Keys[index], read, request));
    }

    /// <summary>The peers of repair <paramref name="Round"/> had the read timeout to send their digests.</summary>
    public sealed record DigestsTimedOut(long Round) : IRepairMessage, INotInfluenceReceiveTimeout, IDeadLetterSuppression;

    /// <summary>The peer of a fetch of repair <paramref name="Round"/> had the read timeout to answer.</summary>
    public sealed record ItemsTimedOut(long Round, int Key, Address Peer) : IRepairMessage, INotInfluenceReceiveTimeout, IDeadLetterSuppression;

    /// <summary>A whole read of repair <paramref name="Round"/> that failed, to be sent again.</summary>
    private sealed record ReadAgain(long Round, int Key, RepairRead Read) : IRepairMessage, INotInfluenceReceiveTimeout, IDeadLetterSuppression;

    /// <summary>Marks the replicator's answer to the update that merges what a fetch brought into <paramref name="Key"/>.</summary>
    private sealed record RepairMerge(EntityMapKey Key);

    /// <summary>Marks the reads of a repair apart from the polls, and those that stand for a fetch
    /// (its read back, or the whole read that replaced it) apart from whole reads; counts the attempts.</summary>
    internal sealed record RepairRead(bool Fetched, int Attempt = 1)
    {
        /// <summary>How many times a whole read is sent before the repair gives up on its key.</summary>
        public const int Attempts = 3;

        /// <summary>How long after its first failure a read is sent again (twice that after the second).</summary>
        public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

        public static readonly RepairRead Whole = new(false);
        public static readonly RepairRead Fetch = new(true);

        public RepairRead Next() => this with { Attempt = Attempt + 1 };
    }
}
