using System.Threading.Channels;
using ActorPresence.Domain;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Xmpp;

/// <summary>How the bridge's connection stands.</summary>
public enum XmppLinkState
{
    Disconnected,
    Connecting,
    Connected,
}

/// <summary>An Asterisk EID as the bridge knows it.</summary>
public enum EidState
{
    /// <summary>Its account's presence was never seen (the server does not name publishers, or no answer yet).</summary>
    Unknown,
    Online,
    /// <summary>Its account went unavailable; its views go at expire-after.</summary>
    Stale,
    /// <summary>Its views were withdrawn; they come back with its next items.</summary>
    Withdrawn,
}

public sealed record EidReport(string Eid, string Account, EidState State, DateTimeOffset Since, DateTimeOffset LastItem, int Devices, long ItemsIn);

public sealed record XmppBridgeReport(
    XmppLinkState State,
    DateTimeOffset Since,
    string LastError,
    long ItemsIn,
    long ItemsOut,
    long Refused,
    long Connects,
    int Pending,
    IReadOnlyList<EidReport> Eids);

/// <summary>
/// The site's bridge to res_xmpp's distributed events, running on one node at a time (a cluster
/// singleton starts and stops it). It follows every change of the cluster through one subscription and
/// publishes, per device, the aggregate of this site's own views (never an Asterisk's view or a peer
/// site's), and every mailbox this site wrote, except what came from the pubsub nodes themselves. Items
/// from Asterisk servers become the device views <c>ast:&lt;eid&gt;</c> and mailbox counts. An EID whose
/// account goes unavailable is stale, and its views are withdrawn after expire-after.
/// </summary>
public sealed partial class XmppBridge : IAsyncDisposable
{
    private const int SubscriptionBuffer = 1_000_000;
    private const int InboundQueue = 10_000;

    /// <summary>The bridge's list of Asterisk EIDs and their accounts, kept in its account's private storage (XEP-0049).</summary>
    private const string EidListNs = "urn:actorpresence:xmpp-bridge:eids";

    /// <summary>EIDs the stored list holds at most (it must fit in one stanza when read back).</summary>
    private const int MaxStoredEids = 500;

    /// <summary>Views renewed a tick at most, so that renewals of a large server spread out.</summary>
    private const int MaxRenewalsPerTick = 500;

    private readonly ActorPresenceService _service;
    private readonly XmppSettings _settings;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly Channel<AsteriskItem> _inbound = Channel.CreateBounded<AsteriskItem>(new BoundedChannelOptions(InboundQueue) { SingleReader = true });

    // What the cluster holds (from the subscription): devices and mailboxes by id.
    private readonly Dictionary<string, DeviceSnapshot> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MailboxSnapshot> _mailboxes = new(StringComparer.Ordinal);

    // What the bridge published and what waits (coalesced per item: the latest value wins).
    private readonly Dictionary<(bool Device, string Id), string> _published = [];
    private readonly Dictionary<(bool Device, string Id), string> _pending = [];
    private readonly Queue<(bool Device, string Id)> _order = new();
    private readonly SemaphoreSlim _wake = new(0, 1);

    // What came in from the pubsub nodes.
    private readonly Dictionary<AsteriskEid, EidStatus> _eids = [];
    private readonly Dictionary<string, MailboxCounts> _mailboxesFromXmpp = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _available = new(StringComparer.Ordinal);
    private readonly HashSet<string> _askedPresence = new(StringComparer.Ordinal);

    private XmppConnection? _connection;
    private XmppLinkState _state = XmppLinkState.Disconnected;
    private DateTimeOffset _since;
    private string _lastError = "";
    private long _itemsIn;
    private long _itemsOut;
    private long _refused;
    private long _connects;
    private DateTimeOffset _nextRepublish;

    /// <summary>What the bridge publishes for a device with no own view left (XMPP has no delete).</summary>
    private readonly string _invalid;

    internal XmppBridge(ActorPresenceService service, XmppSettings settings, TimeProvider clock, ILogger logger)
    {
        _service = service;
        _settings = settings;
        _clock = clock;
        _logger = logger;
        _since = clock.GetUtcNow();
        _nextRepublish = _since + settings.RepublishInterval;
        _invalid = AsteriskItems.DevicePayload(DeviceState.Invalid, settings.Eid);
    }

    public AsteriskEid Eid => _settings.Eid;

    private sealed class EidStatus(string account, DateTimeOffset now)
    {
        public string Account { get; set; } = account;

        public EidState State { get; set; } = EidState.Unknown;

        public DateTimeOffset Since { get; set; } = now;

        public DateTimeOffset LastItem { get; set; } = now;

        public long ItemsIn { get; set; }

        /// <summary>Its device views and when each was last written (a view is renewed before the lease ends).</summary>
        public Dictionary<string, (DeviceState State, DateTimeOffset Written)> Devices { get; } = new(StringComparer.Ordinal);

        /// <summary>Stale only until its account's presence arrives (taken from the stored list, or after a reconnect): not a return that calls for a republish.</summary>
        public bool AwaitingPresence { get; set; }
    }

    public XmppBridgeReport Report()
    {
        lock (_gate)
        {
            return new XmppBridgeReport(_state, _since, _lastError, _itemsIn, _itemsOut, _refused, _connects, _pending.Count,
                _eids.OrderBy(e => e.Key.Value, StringComparer.Ordinal)
                    .Select(e => new EidReport(e.Key.Value, e.Value.Account, e.Value.State, e.Value.Since, e.Value.LastItem, e.Value.Devices.Count, e.Value.ItemsIn))
                    .ToList());
        }
    }

    /// <summary>Takes the cluster's current state, then connects (and keeps connecting).</summary>
    internal async Task StartAsync(CancellationToken cancellationToken)
    {
        var subscription = await _service.SubscribeAsync([SubscriptionFilter.Everything], SubscriptionBuffer, cancellationToken).ConfigureAwait(false);
        while (subscription.Events.TryRead(out var e))
        {
            Observe(e);
        }
        var stop = _stop.Token;
        _loops.Add(Task.Run(() => FollowAsync(subscription, stop), CancellationToken.None));
        _loops.Add(Task.Run(() => ConnectLoopAsync(stop), CancellationToken.None));
        _loops.Add(Task.Run(() => InboundLoopAsync(stop), CancellationToken.None));
        _loops.Add(Task.Run(() => PublishLoopAsync(stop), CancellationToken.None));
        _loops.Add(Task.Run(() => MonitorLoopAsync(stop), CancellationToken.None));
        _logger.LogInformation("XMPP bridge started: {Jid} at {Server}:{Port}, pubsub {Service}, EID {Eid}; following the cluster's changes",
            _settings.Jid, _settings.Server, _settings.Port, _settings.PubsubService, _settings.Eid);
    }

    // ----- the cluster's side -----

    private async Task FollowAsync(IStateSubscription subscription, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in subscription.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    Observe(e);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "XMPP bridge: its subscription ended ({Reason}); subscribing again", e.Message);
            }
            await subscription.DisposeAsync().ConfigureAwait(false);
            try
            {
                await Task.Delay(_settings.ReconnectMin, _clock, cancellationToken).ConfigureAwait(false);
                subscription = await _service.SubscribeAsync([SubscriptionFilter.Everything], SubscriptionBuffer, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "XMPP bridge: subscribing again failed; trying again");
            }
        }
        await subscription.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Takes one change of the cluster, and queues what the pubsub nodes should hear of it.</summary>
    private void Observe(StateEvent change)
    {
        lock (_gate)
        {
            switch (change)
            {
                case DeviceStateEvent d:
                    _devices[d.Device.Id.Value] = d.Device;
                    foreach (var (eid, status) in _eids)
                    {
                        if (d.Device.Views.FirstOrDefault(v => v.Node.Value == eid.ViewName) is { } view)
                        {
                            status.Devices[d.Device.Id.Value] = (view.State, view.UpdatedAt);
                        }
                        else
                        {
                            status.Devices.Remove(d.Device.Id.Value);
                        }
                    }
                    OfferDevice(d.Device.Id.Value);
                    break;
                case MailboxStateEvent m:
                    _mailboxes[m.Mailbox.Id.Value] = m.Mailbox;
                    OfferMailbox(m.Mailbox.Id.Value);
                    break;
            }
        }
        Wake();
    }

    /// <summary>A view written by this site's own nodes: not a peer site's, not an Asterisk server's.</summary>
    internal static bool IsOwnView(DeviceView view) => view.Node.Site is null && !AsteriskEid.TryParseView(view.Node.Value, out _);

    /// <summary>Queues the device's aggregate of own views (INVALID once there are none, if it was published).</summary>
    private void OfferDevice(string id, bool again = false)
    {
        var key = (true, id);
        string payload;
        var own = _devices.TryGetValue(id, out var device) ? device.Views.Where(IsOwnView).Select(v => v.State).ToList() : [];
        if (own.Count > 0)
        {
            payload = AsteriskItems.DevicePayload(DeviceStateAggregation.Aggregate(own), _settings.Eid);
        }
        else if (_published.ContainsKey(key) || _pending.ContainsKey(key))
        {
            payload = _invalid;
        }
        else
        {
            return;
        }
        Offer(key, payload, again);
    }

    private void OfferMailbox(string id, bool again = false)
    {
        if (!_mailboxes.TryGetValue(id, out var mailbox) || mailbox.WrittenBy.Site is not null)
        {
            return;
        }
        if (_mailboxesFromXmpp.TryGetValue(id, out var came) && came == mailbox.Counts)
        {
            // What an Asterisk server published on the node: it is there already.
            return;
        }
        Offer((false, id), AsteriskItems.MailboxPayload(mailbox.Counts, _settings.Eid), again);
    }

    private void Offer((bool Device, string Id) key, string payload, bool again)
    {
        if (!again && !_pending.ContainsKey(key) && _published.TryGetValue(key, out var sent) && sent == payload)
        {
            return;
        }
        if (!_pending.ContainsKey(key))
        {
            _order.Enqueue(key);
        }
        _pending[key] = payload;
    }

    /// <summary>Queues everything again (after a connect, an Asterisk's return, or on the republish period).</summary>
    /// <param name="reason">connect, return or period (for the metric).</param>
    private void OfferEverything(string reason)
    {
        XmppMetrics.Republished(reason);
        lock (_gate)
        {
            foreach (var id in _devices.Keys)
            {
                OfferDevice(id, again: true);
            }
            foreach (var id in _mailboxes.Keys)
            {
                OfferMailbox(id, again: true);
            }
            _nextRepublish = _clock.GetUtcNow() + _settings.RepublishInterval;
        }
        Wake();
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }
}
