using Akka.Actor;

namespace ActorPresence.Entities;

/// <summary>An entity manager's repair (<see cref="Messages.MembershipNotices.RepairReplica"/>): which
/// keys it still has to read. A repair that names peers first compares the digest of each key with
/// theirs and reads only the keys that differ from one of them (every key, if a peer does not
/// answer); one that names none reads every key. One repair at a time, <see cref="Window"/> keys in
/// flight; those asked for meanwhile run after it as one (from every node if any of them was, and
/// comparing with all the peers they named unless one named none).</summary>
internal sealed class RepairRound(int keyCount)
{
    public const int Window = 8;

    private readonly int _keyCount = keyCount;
    private int[] _keys = [];
    private int _next;
    private int _inFlight;
    // Peers whose digests this round still waits for; null when not comparing.
    private HashSet<Address>? _awaiting;
    private readonly SortedSet<int> _differing = [];
    private Queued? _queued;

    // Rounds are numbered from a random start, so an answer sent to an earlier incarnation of this
    // manager (it restarted while a query was out) is not taken for an answer to the same round
    // number now.
    private readonly long _firstRound = Random.Shared.NextInt64(1, long.MaxValue / 2);

    public long Started { get; private set; }

    /// <summary>The number of the round that runs (or ran last): what its digest queries carry.</summary>
    public long Round => _firstRound + Started;

    public bool FromEveryNode { get; private set; }

    /// <summary>The keys this round reads (known once every peer's digests came, or did not).</summary>
    public int KeysToRead => _keys.Length;

    public bool Comparing => _awaiting is not null;

    public bool Running => _awaiting is not null || _inFlight > 0 || _next < _keys.Length;

    /// <summary>Starts a round, or queues it behind the one that runs (false).</summary>
    public bool TryStart(bool fromEveryNode, IReadOnlyCollection<Address> peers)
    {
        if (Running)
        {
            _queued = Queued.Merge(_queued, fromEveryNode, peers);
            return false;
        }
        FromEveryNode = fromEveryNode;
        Started++;
        _next = 0;
        _inFlight = 0;
        _differing.Clear();
        if (peers.Count == 0)
        {
            _awaiting = null;
            _keys = Enumerable.Range(0, _keyCount).ToArray();
        }
        else
        {
            _awaiting = [.. peers];
            _keys = [];
        }
        return true;
    }

    /// <summary>A peer's digests for <paramref name="round"/>. True when they were the last awaited:
    /// the keys to read are then known. Digests of another round, or of a peer not asked, are ignored.</summary>
    public bool OnDigests(Address peer, long round, IReadOnlyList<ulong> theirs, Func<int, ulong> ours)
    {
        if (_awaiting is null || round != Round || !_awaiting.Remove(peer))
        {
            return false;
        }
        for (var i = 0; i < _keyCount; i++)
        {
            // 0 is "not read yet" on either side; a peer with another key count differs everywhere.
            var own = ours(i);
            if (theirs.Count != _keyCount || own == 0 || theirs[i] == 0 || own != theirs[i])
            {
                _differing.Add(i);
            }
        }
        if (_awaiting.Count > 0)
        {
            return false;
        }
        _awaiting = null;
        _keys = [.. _differing];
        return true;
    }

    /// <summary>The digests of <paramref name="round"/> were not all answered in time: it reads every
    /// key. False when the round is not waiting for them any more.</summary>
    public bool DigestsTimedOut(long round)
    {
        if (_awaiting is null || round != Round)
        {
            return false;
        }
        _awaiting = null;
        _keys = Enumerable.Range(0, _keyCount).ToArray();
        return true;
    }

    /// <summary>The index of the next key to read, or null when the window is full, every key was sent,
    /// or the round still compares digests.</summary>
    public int? NextKey()
    {
        if (_awaiting is not null || _inFlight >= Window || _next >= _keys.Length)
        {
            return null;
        }
        _inFlight++;
        return _keys[_next++];
    }

    /// <summary>One key answered.</summary>
    public void Answered()
    {
        if (_inFlight > 0)
        {
            _inFlight--;
        }
    }

    /// <summary>When this round has ended and others were asked for meanwhile: the one to run now.</summary>
    public Queued? TakeQueued()
    {
        if (Running || _queued is not { } queued)
        {
            return null;
        }
        _queued = null;
        return queued;
    }

    /// <summary>Repairs asked for while one ran, as one.</summary>
    public sealed record Queued(bool FromEveryNode, IReadOnlyCollection<Address> Peers)
    {
        public static Queued Merge(Queued? queued, bool fromEveryNode, IReadOnlyCollection<Address> peers)
        {
            if (queued is null)
            {
                return new Queued(fromEveryNode, peers);
            }
            // A repair that compares with nobody reads every key; then so does the merged one.
            var merged = queued.Peers.Count == 0 || peers.Count == 0
                ? (IReadOnlyCollection<Address>)[]
                : queued.Peers.Union(peers).ToList();
            return new Queued(queued.FromEveryNode || fromEveryNode, merged);
        }
    }
}
