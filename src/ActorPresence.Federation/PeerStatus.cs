using ActorPresence.Domain;

namespace ActorPresence.Federation;

/// <summary>How a peer site looks from here: <c>connected</c> (a link is up and the peer spoke within
/// stale-after), <c>stale</c> (silent longer than that; its views still stand) or <c>down</c> (never
/// linked, or silent past expire-after: its device views are withdrawn).</summary>
public enum PeerState
{
    Down,
    Stale,
    Connected,
}

/// <summary>What <c>GET /api/v1/sites</c> and the metrics show of one peer.</summary>
public sealed record PeerReport(
    SiteId Site,
    PeerState State,
    DateTimeOffset Since,
    DateTimeOffset? LastSeen,
    long EntitiesIn,
    long EntitiesOut,
    long BytesIn,
    long BytesOut,
    double? LagMs,
    long Snapshots,
    long Refusals,
    int Pending)
{
    /// <summary>The last snapshot received from the peer: entries, seconds from its first frame to its
    /// end (all applied), bytes; null before the first.</summary>
    public SnapshotReceipt? LastSnapshot { get; init; }
}

/// <summary>A snapshot received from a peer and applied.</summary>
public sealed record SnapshotReceipt(long Entries, double Seconds, long Bytes);

/// <summary>One peer's link state and counters; updated by its sessions, read by the monitor and the API.</summary>
internal sealed class PeerStatus(SiteId site, DateTimeOffset now)
{
    private readonly object _gate = new();
    private PeerState _state = PeerState.Down;
    private DateTimeOffset _since = now;
    private DateTimeOffset? _lastSeen;
    private int _sessions;
    private long _entitiesIn;
    private long _entitiesOut;
    private long _bytesIn;
    private long _bytesOut;
    private double? _lagMs;
    private long _snapshots;
    private long _refusals;
    private SnapshotReceipt? _lastSnapshot;

    public SiteId Site { get; } = site;

    /// <summary>Whether this peer's device views have been withdrawn for silence (until it speaks again).</summary>
    public bool Expired { get; private set; }

    /// <summary>The outbox of the running session, for its pending count.</summary>
    public PeerOutbox? Outbox { get; set; }

    public DateTimeOffset? LastSeen
    {
        get
        {
            lock (_gate)
            {
                return _lastSeen;
            }
        }
    }

    public void SessionStarted(DateTimeOffset now)
    {
        lock (_gate)
        {
            _sessions++;
            Heard(now);
        }
    }

    public void SessionEnded()
    {
        lock (_gate)
        {
            _sessions--;
        }
    }

    /// <summary>The peer spoke: a frame of any kind.</summary>
    public void Heard(DateTimeOffset now, int bytes = 0)
    {
        lock (_gate)
        {
            _lastSeen = now;
            _bytesIn += bytes;
            Expired = false;
            if (_sessions > 0)
            {
                Move(PeerState.Connected, now);
            }
        }
    }

    public void Received(int entries, double? lagMs)
    {
        lock (_gate)
        {
            _entitiesIn += entries;
            if (lagMs is { } lag)
            {
                _lagMs = lag;
            }
        }
    }

    public void Sent(int entries, int bytes)
    {
        lock (_gate)
        {
            _entitiesOut += entries;
            _bytesOut += bytes;
        }
    }

    public void SnapshotSent()
    {
        lock (_gate)
        {
            _snapshots++;
        }
    }

    public void SnapshotReceived(SnapshotReceipt receipt)
    {
        lock (_gate)
        {
            _lastSnapshot = receipt;
        }
    }

    public void Refused()
    {
        lock (_gate)
        {
            _refusals++;
        }
    }

    /// <summary>Moves the state by the time since the peer last spoke. True when it has just expired
    /// (its device views are to be withdrawn now).</summary>
    public bool Check(DateTimeOffset now, TimeSpan staleAfter, TimeSpan expireAfter)
    {
        lock (_gate)
        {
            var silent = _lastSeen is { } seen ? now - seen : TimeSpan.MaxValue;
            if (silent >= expireAfter)
            {
                Move(PeerState.Down, now);
                if (!Expired && _lastSeen is not null)
                {
                    Expired = true;
                    return true;
                }
                return false;
            }
            if (silent >= staleAfter || _sessions == 0)
            {
                Move(_lastSeen is null ? PeerState.Down : PeerState.Stale, now);
            }
            else
            {
                Move(PeerState.Connected, now);
            }
            return false;
        }
    }

    private void Move(PeerState state, DateTimeOffset now)
    {
        if (_state != state)
        {
            _state = state;
            _since = now;
        }
    }

    public PeerReport Report()
    {
        lock (_gate)
        {
            return new PeerReport(Site, _state, _since, _lastSeen, _entitiesIn, _entitiesOut, _bytesIn, _bytesOut, _lagMs, _snapshots, _refusals, Outbox?.Pending ?? 0)
            {
                LastSnapshot = _lastSnapshot,
            };
        }
    }
}
