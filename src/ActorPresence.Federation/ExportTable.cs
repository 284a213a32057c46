using ActorPresence.Domain;
using ActorPresence.Federation.Wire;

namespace ActorPresence.Federation;

/// <summary>
/// What this site exports, entity by entity, kept from the gateway's subscription to every change:
/// the latest export of each entity (<see cref="SiteLinkCodec.ExportOf"/>), the links waiting to send
/// some of them, and which devices hold a view of each peer site (what expiry and a snapshot withdraw).
/// Thread-safe: the subscription writes, the links read.
/// </summary>
public sealed class ExportTable
{
    private readonly object _gate = new();
    private readonly Dictionary<EntityKey, Entry> _exports = [];
    private readonly Dictionary<SiteId, HashSet<string>> _siteViews = [];
    private readonly List<PeerOutbox> _outboxes = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _exports.Count;
            }
        }
    }

    /// <summary>Takes in a change (or an initial state). A link is told only when what the site
    /// exports of the entity changed: a change a peer would not see is not sent.</summary>
    public void Observe(StateEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var key = new EntityKey(e.Kind, e.Id);
        var export = SiteLinkCodec.ExportOf(e);
        lock (_gate)
        {
            if (e is DeviceStateEvent device)
            {
                TrackSiteViews(device.Device);
            }
            _exports.TryGetValue(key, out var previous);
            if (SiteLinkCodec.SameExport(previous, export))
            {
                if (export is not null && !SiteLinkCodec.IsNothing(export))
                {
                    // The same state, a newer time: kept for the lag a peer measures.
                    _exports[key] = export;
                }
                return;
            }
            if (SiteLinkCodec.IsNothing(export) && previous is null)
            {
                return;
            }
            if (export is null)
            {
                _exports.Remove(key);
            }
            else
            {
                _exports[key] = export;
            }
            foreach (var outbox in _outboxes)
            {
                outbox.Mark(key);
            }
        }
    }

    private void TrackSiteViews(DeviceSnapshot device)
    {
        var id = device.Id.Value;
        foreach (var (site, devices) in _siteViews)
        {
            if (!device.Views.Any(v => v.Node.Value == site.ViewName))
            {
                devices.Remove(id);
            }
        }
        foreach (var view in device.Views)
        {
            if (SiteId.TryParseView(view.Node.Value, out var site))
            {
                if (!_siteViews.TryGetValue(site!, out var devices))
                {
                    _siteViews[site!] = devices = new HashSet<string>(StringComparer.Ordinal);
                }
                devices.Add(id);
            }
        }
    }

    /// <summary>The devices that hold a live view of <paramref name="site"/>, as the subscription last told.</summary>
    public IReadOnlyList<string> DevicesWithViewOf(SiteId site)
    {
        lock (_gate)
        {
            return _siteViews.TryGetValue(site, out var devices) ? devices.ToList() : [];
        }
    }

    /// <summary>What this site exports of <paramref name="key"/> now; null for nothing (a withdrawn device
    /// aggregate is kept once exported, so a peer hears of the withdrawal).</summary>
    public Entry? Current(EntityKey key)
    {
        lock (_gate)
        {
            return _exports.GetValueOrDefault(key);
        }
    }

    /// <summary>A link's outbox, told of every export that changes from now on.</summary>
    public PeerOutbox Attach(int maxPending)
    {
        lock (_gate)
        {
            var outbox = new PeerOutbox(this, maxPending);
            _outboxes.Add(outbox);
            return outbox;
        }
    }

    internal void Detach(PeerOutbox outbox)
    {
        lock (_gate)
        {
            _outboxes.Remove(outbox);
        }
    }

    /// <summary>Everything exported now except withdrawn aggregates, and the outbox emptied in the same
    /// step: whatever changes after it is pending again, so nothing falls between the two.</summary>
    internal List<Entry> SnapshotFor(PeerOutbox outbox)
    {
        lock (_gate)
        {
            outbox.ClearPending();
            return _exports.Values.Where(e => !SiteLinkCodec.IsNothing(e)).ToList();
        }
    }

    /// <summary>The current exports of the keys an outbox was waiting for (a key whose export is gone is skipped).</summary>
    internal List<Entry> TakeFrom(PeerOutbox outbox, int max)
    {
        lock (_gate)
        {
            var keys = outbox.TakePending(max);
            var entries = new List<Entry>(keys.Count);
            foreach (var key in keys)
            {
                if (_exports.TryGetValue(key, out var entry))
                {
                    entries.Add(entry);
                }
            }
            return entries;
        }
    }

    internal object Gate => _gate;
}

/// <summary>
/// One link's changes waiting to be sent: a set of entities, not of values, so an entity changed a
/// thousand times while the link was busy is sent once, with its latest value. Holding more than
/// <c>max-pending</c> entities, it drops them all and asks for a snapshot instead.
/// </summary>
public sealed class PeerOutbox : IDisposable
{
    private readonly ExportTable _table;
    private readonly int _maxPending;
    private readonly HashSet<EntityKey> _pending = [];
    private readonly Queue<EntityKey> _order = new();
    private readonly SemaphoreSlim _signal = new(0);

    internal PeerOutbox(ExportTable table, int maxPending)
    {
        _table = table;
        _maxPending = maxPending;
    }

    /// <summary>Set when the outbox overflowed: the link sends a snapshot, which empties it.</summary>
    public bool NeedsSnapshot { get; private set; }

    /// <summary>How many times it overflowed.</summary>
    public long Overflows { get; private set; }

    public int Pending
    {
        get
        {
            lock (_table.Gate)
            {
                return _pending.Count;
            }
        }
    }

    // Called under the table's lock.
    internal void Mark(EntityKey key)
    {
        if (NeedsSnapshot || _pending.Contains(key))
        {
            return;
        }
        if (_pending.Count >= _maxPending)
        {
            ClearPending();
            NeedsSnapshot = true;
            Overflows++;
            Wake();
            return;
        }
        _pending.Add(key);
        _order.Enqueue(key);
        if (_pending.Count == 1)
        {
            Wake();
        }
    }

    internal void ClearPending()
    {
        _pending.Clear();
        _order.Clear();
        NeedsSnapshot = false;
    }

    internal List<EntityKey> TakePending(int max)
    {
        var keys = new List<EntityKey>(Math.Min(max, _pending.Count));
        while (keys.Count < max && _order.TryDequeue(out var key))
        {
            _pending.Remove(key);
            keys.Add(key);
        }
        return keys;
    }

    /// <summary>The snapshot to send now (emptying the outbox).</summary>
    public List<Entry> TakeSnapshot() => _table.SnapshotFor(this);

    /// <summary>Up to <paramref name="max"/> pending entities, with their latest exports.</summary>
    public List<Entry> TakeChanges(int max) => _table.TakeFrom(this, max);

    /// <summary>Waits until something is pending, a snapshot is due, or <paramref name="timeout"/> passes.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (_table.Gate)
        {
            if (_pending.Count > 0 || NeedsSnapshot)
            {
                return;
            }
        }
        await _signal.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for a wake-up (a change marked, an acknowledgement) or <paramref name="timeout"/>,
    /// whatever is pending: for a link that may not send now.</summary>
    public async Task WaitForWakeAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await _signal.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);

    /// <summary>Wakes a <see cref="WaitAsync"/> for another reason (an acknowledgement to send or received).</summary>
    public void Wake()
    {
        if (_signal.CurrentCount == 0)
        {
            _signal.Release();
        }
    }

    public void Dispose()
    {
        _table.Detach(this);
        _signal.Dispose();
    }
}
