using Akka.Actor;

namespace ActorPresence.Entities;

/// <summary>An entity manager's repair (<see cref="Messages.MembershipNotices.RepairReplica"/>): what it
/// still has to read. A repair that names peers first compares the digest of each key with theirs;
/// a key that differs is fetched from one peer for each distinct digest (only the entities that
/// differ, <see cref="Replication.KeyItemsQuery"/>), or read whole through distributed data when a
/// digest is unknown on either side. When a peer does not answer, and in a repair that names no
/// peer, every key is read whole. One repair at a time, with <see cref="Window"/> whole reads and
/// <see cref="FetchWindow"/> fetches in flight; those
/// asked for meanwhile run after it as one (from every node if any of them was, and comparing with
/// all the peers they named unless one named none).</summary>
internal sealed class RepairRound(int keyCount)
{
    public const int Window = 8;

    /// <summary>A fetch moves a few hundred entities at most, so more of them may be in flight.</summary>
    public const int FetchWindow = 64;

    private readonly int _keyCount = keyCount;
    private KeyRead[] _reads = [];
    private int _next;
    private int _inFlight;
    private int _fetchesInFlight;
    // Peers whose digests this round still waits for; null when not comparing.
    private HashSet<Address>? _awaiting;
    // Per differing key, the peers to fetch it from, one per distinct digest; null: read it whole.
    private readonly SortedDictionary<int, List<(Address Peer, ulong Digest)>?> _differing = [];
    private Queued? _queued;

    // Rounds are numbered from a random start, so an answer sent to an earlier incarnation of this
    // manager (it restarted while a query was out) is not taken for an answer to the same round
    // number now.
    private readonly long _firstRound = Random.Shared.NextInt64(1, long.MaxValue / 2);

    public long Started { get; private set; }

    /// <summary>The number of the round that runs (or ran last): what its queries carry.</summary>
    public long Round => _firstRound + Started;

    public bool FromEveryNode { get; private set; }

    /// <summary>The keys this round reads (known once every peer's digests came, or did not).</summary>
    public int KeysToRead => _reads.Select(r => r.Key).Distinct().Count();

    /// <summary>Of <see cref="KeysToRead"/>, those fetched from peers entity by entity rather than read whole.</summary>
    public int KeysFetched => _reads.Where(r => r.From is not null).Select(r => r.Key).Distinct().Count();

    public bool Comparing => _awaiting is not null;

    public bool Running => _awaiting is not null || _inFlight > 0 || _fetchesInFlight > 0 || _next < _reads.Length;

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
        _fetchesInFlight = 0;
        _differing.Clear();
        if (peers.Count == 0)
        {
            _awaiting = null;
            ReadEveryKeyWhole();
        }
        else
        {
            _awaiting = [.. peers];
            _reads = [];
        }
        return true;
    }

    /// <summary>A peer's digests for <paramref name="round"/>. True when they were the last awaited:
    /// the reads are then known. Digests of another round, or of a peer not asked, are ignored.</summary>
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
            if (theirs.Count != _keyCount || own == 0 || theirs[i] == 0)
            {
                _differing[i] = null;
            }
            else if (own != theirs[i])
            {
                if (!_differing.TryGetValue(i, out var sources))
                {
                    _differing[i] = sources = [];
                }
                // Peers that agree on a key hold the same entities in it: one of them is enough.
                if (sources is not null && !sources.Exists(s => s.Digest == theirs[i]))
                {
                    sources.Add((peer, theirs[i]));
                }
            }
        }
        if (_awaiting.Count > 0)
        {
            return false;
        }
        _awaiting = null;
        _reads = [.. _differing.SelectMany(d => d.Value is null
            ? [new KeyRead(d.Key, null)]
            : d.Value.Select(s => new KeyRead(d.Key, s.Peer)))];
        return true;
    }

    /// <summary>The digests of <paramref name="round"/> were not all answered in time: it reads every
    /// key whole. False when the round is not waiting for them any more.</summary>
    public bool DigestsTimedOut(long round)
    {
        if (_awaiting is null || round != Round)
        {
            return false;
        }
        _awaiting = null;
        ReadEveryKeyWhole();
        return true;
    }

    private void ReadEveryKeyWhole()
    {
        _reads = [.. Enumerable.Range(0, _keyCount).Select(i => new KeyRead(i, null))];
    }

    /// <summary>The next read, or null when the window is full, every read was sent, or the round
    /// still compares digests.</summary>
    public KeyRead? NextRead()
    {
        if (_awaiting is not null || _next >= _reads.Length)
        {
            return null;
        }
        var read = _reads[_next];
        ref var inFlight = ref read.From is null ? ref _inFlight : ref _fetchesInFlight;
        if (inFlight >= (read.From is null ? Window : FetchWindow))
        {
            return null;
        }
        inFlight++;
        _next++;
        return read;
    }

    /// <summary>One read answered: a whole one, or a fetch from a peer (answered once what it brought is
    /// in the local replica and read back, or, if it brought nothing, once the key was read whole).</summary>
    public void Answered(bool fetch)
    {
        ref var inFlight = ref fetch ? ref _fetchesInFlight : ref _inFlight;
        if (inFlight > 0)
        {
            inFlight--;
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

/// <summary>One read of a repair: key <paramref name="Key"/>, whole through distributed data when
/// <paramref name="From"/> is null, else only its differing entities, from that peer.</summary>
internal readonly record struct KeyRead(int Key, Address? From);
