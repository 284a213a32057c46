using ActorPresence.Domain;
using Akka.Actor;

namespace ActorPresence.Replication;

/// <summary>A batch of changes sent straight to the same manager on another node (the direct path).</summary>
public sealed record DirectChanges(EntityKind Kind, IReadOnlyList<DirectChange> Changes) : IActorPresenceWireMessage
{
    // Value equality over the list's contents (a record compares a list by reference).
    public bool Equals(DirectChanges? other) =>
        other is not null && Kind == other.Kind && Changes.SequenceEqual(other.Changes);

    public override int GetHashCode() => HashCode.Combine(Kind, Changes.Count);
}

public readonly record struct DirectChange(string Id, Entry Entry);

/// <summary>
/// The sending side of the direct path for one kind: every change written on this node goes at once
/// to the same manager on every other telephony node, one remoting hop, because distributed data
/// takes hundreds of milliseconds. Changes added while the owning actor is busy go to each peer
/// together, in the order they were made. No delivery guarantee: distributed data fills any gap.
/// </summary>
internal sealed class DirectPath(EntityKind kind, Func<Address, ICanTell> select)
{
    /// <summary>Changes per message: large batches stay well inside a remoting frame.</summary>
    public const int MaxBatch = 500;

    // By address: a peer is addressed by selection until resolved to an actor reference once
    // (cheaper per message).
    private Dictionary<Address, ICanTell> _peers = [];
    private readonly List<DirectChange> _pending = [];

    public int PeerCount => _peers.Count;

    public int Pending => _pending.Count;

    /// <summary>Replaces the peers; returns those new to it, to be resolved.</summary>
    public List<Address> SetPeers(IReadOnlyList<Address> peers)
    {
        var next = new Dictionary<Address, ICanTell>();
        var added = new List<Address>();
        foreach (var address in peers)
        {
            if (_peers.TryGetValue(address, out var known))
            {
                next[address] = known;
                continue;
            }
            next[address] = select(address);
            added.Add(address);
        }
        _peers = next;
        return added;
    }

    /// <summary>A peer's manager resolved to an actor reference (if it is still a peer).</summary>
    public void Resolved(Address address, IActorRef peer)
    {
        if (_peers.ContainsKey(address))
        {
            _peers[address] = peer;
        }
    }

    /// <summary>Queues a change for every peer; true when it is the first since the last flush (the
    /// owner then schedules one). Nothing is queued without peers.</summary>
    public bool Add(string id, Entry entry)
    {
        if (_peers.Count == 0)
        {
            return false;
        }
        _pending.Add(new DirectChange(id, entry));
        return _pending.Count == 1;
    }

    /// <summary>Sends what is queued to every peer.</summary>
    public void Flush(IActorRef sender)
    {
        for (var start = 0; start < _pending.Count; start += MaxBatch)
        {
            var batch = new DirectChanges(kind, _pending.GetRange(start, Math.Min(MaxBatch, _pending.Count - start)));
            foreach (var peer in _peers.Values)
            {
                peer.Tell(batch, sender);
            }
        }
        _pending.Clear();
    }
}

/// <summary>
/// Whether the direct path is busy: more than <see cref="BusyRate"/> changes a second over the last
/// window of <see cref="WindowMs"/> ms. Then changes wait a moment to share a message.
/// </summary>
internal sealed class DirectPace
{
    public const int BusyRate = 8_000;

    public const long WindowMs = 10;

    private long _windowStart;
    private int _inWindow;
    private bool _busy;

    /// <summary>Counts one change at <paramref name="now"/> (milliseconds) and says whether the path is busy.</summary>
    public bool Busy(long now)
    {
        if (now - _windowStart >= WindowMs)
        {
            // The window just ended decides; a long silence is not busy.
            _busy = now - _windowStart < 2 * WindowMs && _inWindow * 1000L / WindowMs > BusyRate;
            _windowStart = now;
            _inWindow = 0;
        }
        _inWindow++;
        return _busy;
    }
}
