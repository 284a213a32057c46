using System.Threading.Channels;
using System.Xml.Linq;
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
public sealed class XmppBridge : IAsyncDisposable
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

    internal XmppBridge(ActorPresenceService service, XmppSettings settings, TimeProvider clock, ILogger logger)
    {
        _service = service;
        _settings = settings;
        _clock = clock;
        _logger = logger;
        _since = clock.GetUtcNow();
        _nextRepublish = _since + settings.RepublishInterval;
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
            payload = AsteriskItems.DevicePayload(DeviceState.Invalid, _settings.Eid);
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

    // ----- the connection -----

    private async Task ConnectLoopAsync(CancellationToken cancellationToken)
    {
        var backoff = _settings.ReconnectMin;
        while (!cancellationToken.IsCancellationRequested)
        {
            SetState(XmppLinkState.Connecting, null);
            XmppConnection? connection = null;
            try
            {
                connection = await XmppConnection.ConnectAsync(_settings, _logger, _clock, cancellationToken).ConfigureAwait(false);
                var current = connection;
                connection.Start((stanza, ct) => OnStanzaAsync(current, stanza, ct));
                await SetUpAsync(connection, cancellationToken).ConfigureAwait(false);
                lock (_gate)
                {
                    _connection = connection;
                    _connects++;
                }
                SetState(XmppLinkState.Connected, null);
                XmppMetrics.Connected();
                _logger.LogInformation("XMPP bridge connected as {Jid} ({Mechanism}); publishing the site's state", connection.FullJid, connection.Mechanism);
                backoff = _settings.ReconnectMin;
                OfferEverything("connect");
                await connection.Completion.ConfigureAwait(false);
                throw new XmppProtocolException("closed", "the connection ended");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                var reason = e is XmppProtocolException p ? p.Reason : e is TimeoutException ? "timeout" : e is XmppIqErrorException ? "setup" : "io";
                XmppMetrics.Disconnected(reason);
                SetState(XmppLinkState.Disconnected, e.Message);
                _logger.LogWarning("XMPP bridge: connection to {Server}:{Port} lost or refused ({Reason}): {Message}; again in {Backoff:0.#} s",
                    _settings.Server, _settings.Port, reason, e.Message, backoff.TotalSeconds);
            }
            finally
            {
                lock (_gate)
                {
                    if (ReferenceEquals(_connection, connection))
                    {
                        _connection = null;
                    }
                }
                if (connection is not null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }
            try
            {
                await Task.Delay(backoff, _clock, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _settings.ReconnectMax.Ticks));
        }
        SetState(XmppLinkState.Disconnected, null);
    }

    private void SetState(XmppLinkState state, string? error)
    {
        lock (_gate)
        {
            if (_state != state)
            {
                _state = state;
                _since = _clock.GetUtcNow();
            }
            if (error is not null)
            {
                _lastError = error;
            }
        }
    }

    /// <summary>Presence, then both nodes made to exist and subscribed (res_xmpp does the same, in its order).</summary>
    private async Task SetUpAsync(XmppConnection connection, CancellationToken cancellationToken)
    {
        // What the bridge knew of its contacts' presence is old news on a new connection: each EID of a
        // known account waits, as stale, for its account's presence, which the server sends at once for
        // an available account. One that stays away while the bridge was disconnected is expired.
        lock (_gate)
        {
            _available.Clear();
            var now = _clock.GetUtcNow();
            foreach (var status in _eids.Values.Where(s => s.State == EidState.Online && s.Account.Length > 0))
            {
                status.State = EidState.Stale;
                status.Since = now;
                status.AwaitingPresence = true;
            }
        }
        // Initial presence: the server then tells the bridge which Asterisk accounts are available.
        await connection.SendAsync("<presence/>", cancellationToken).ConfigureAwait(false);
        var service = XmppXml.Escape(_settings.PubsubService);
        var bare = XmppXml.Escape(_settings.Jid);
        foreach (var node in new[] { _settings.DeviceNode, _settings.MailboxNode })
        {
            var escaped = XmppXml.Escape(node);
            try
            {
                await connection.RequestAsync(id => $"<iq type=\"set\" to=\"{service}\" id=\"{id}\"><pubsub xmlns=\"{XmppXml.Pubsub}\"><create node=\"{escaped}\"/></pubsub></iq>", cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("XMPP bridge: created pubsub node {Node} on {Service}", node, _settings.PubsubService);
            }
            catch (XmppIqErrorException e) when (e.Condition == "conflict")
            {
                // It exists: the usual case.
            }
            var subscriptions = await connection.RequestAsync(id => $"<iq type=\"get\" to=\"{service}\" id=\"{id}\"><pubsub xmlns=\"{XmppXml.Pubsub}\"><subscriptions node=\"{escaped}\"/></pubsub></iq>", cancellationToken).ConfigureAwait(false);
            XNamespace ps = XmppXml.Pubsub;
            var subscribed = subscriptions.Descendants(ps + "subscription")
                .Any(s => XmppXml.Bare((string?)s.Attribute("jid")) == _settings.Jid.ToLowerInvariant() && (string?)s.Attribute("subscription") is null or "subscribed");
            if (!subscribed)
            {
                await connection.RequestAsync(id => $"<iq type=\"set\" to=\"{service}\" id=\"{id}\"><pubsub xmlns=\"{XmppXml.Pubsub}\"><subscribe node=\"{escaped}\" jid=\"{bare}\"/></pubsub></iq>", cancellationToken).ConfigureAwait(false);
            }
        }
        await AdoptStoredEidsAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the EIDs a bridge of this site has seen (and their accounts) from the account's private
    /// storage: after a move, the bridge follows them again (their views from the cluster's state, their
    /// accounts' presence), so an Asterisk that stays away is still expired and one that stays is renewed.
    /// Adopted EIDs start stale: the presence of an available account arrives at once and makes them online.
    /// </summary>
    private async Task AdoptStoredEidsAsync(XmppConnection connection, CancellationToken cancellationToken)
    {
        XElement answer;
        try
        {
            answer = await connection.RequestAsync(id => $"<iq type=\"get\" id=\"{id}\"><query xmlns=\"jabber:iq:private\"><eids xmlns=\"{EidListNs}\"/></query></iq>", cancellationToken).ConfigureAwait(false);
        }
        catch (XmppIqErrorException e)
        {
            _logger.LogWarning("XMPP bridge: the server keeps no private storage ({Condition}); a bridge that moves forgets the EIDs seen before", e.Condition);
            return;
        }
        XNamespace ns = EidListNs;
        var adopted = new List<string>();
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            foreach (var entry in answer.Descendants(ns + "eid"))
            {
                var account = XmppXml.Bare((string?)entry.Attribute("account"));
                if (!AsteriskEid.TryParse((string?)entry.Attribute("id"), out var eid) || account.Length == 0 || _eids.ContainsKey(eid!))
                {
                    continue;
                }
                var status = new EidStatus(account, now) { AwaitingPresence = true, State = IsAvailable(account) ? EidState.Online : EidState.Stale };
                foreach (var device in _devices.Values)
                {
                    if (device.Views.FirstOrDefault(v => v.Node.Value == eid!.ViewName) is { } view)
                    {
                        status.Devices[device.Id.Value] = (view.State, view.UpdatedAt);
                    }
                }
                _eids[eid!] = status;
                adopted.Add($"{eid} ({account}, {status.Devices.Count} views)");
                if (_askedPresence.Add(account))
                {
                    _ = connection.SendAsync($"<presence type=\"subscribe\" to=\"{XmppXml.Escape(account)}\"/>", cancellationToken);
                }
            }
        }
        if (adopted.Count > 0)
        {
            _logger.LogInformation("XMPP bridge: following again the EIDs a bridge of this site had seen: {Eids}", string.Join(", ", adopted));
        }
    }

    /// <summary>Stores the list of EIDs and their accounts in the account's private storage (best effort).</summary>
    private async Task RememberEidsAsync(CancellationToken cancellationToken)
    {
        if (_connection is not { } connection)
        {
            return;
        }
        string list;
        lock (_gate)
        {
            list = string.Concat(_eids.Where(e => e.Value.Account.Length > 0).OrderByDescending(e => e.Value.LastItem).Take(MaxStoredEids)
                .Select(e => $"<eid id=\"{e.Key.Value}\" account=\"{XmppXml.Escape(e.Value.Account)}\"/>"));
        }
        try
        {
            await connection.RequestAsync(id => $"<iq type=\"set\" id=\"{id}\"><query xmlns=\"jabber:iq:private\"><eids xmlns=\"{EidListNs}\">{list}</eids></query></iq>", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is XmppIqErrorException or XmppProtocolException or TimeoutException or OperationCanceledException)
        {
            _logger.LogWarning("XMPP bridge: storing the list of EIDs failed: {Message}", e.Message);
        }
    }

    /// <summary>A message or presence from the server (called by the connection's reader, one at a time).</summary>
    private async Task OnStanzaAsync(XmppConnection connection, XElement stanza, CancellationToken cancellationToken)
    {
        if (stanza.Name.LocalName == "presence")
        {
            await OnPresenceAsync(connection, stanza, cancellationToken).ConfigureAwait(false);
            return;
        }
        var from = XmppXml.Bare((string?)stanza.Attribute("from"));
        XNamespace ev = XmppXml.PubsubEvent;
        var items = stanza.Element(ev + "event")?.Element(ev + "items");
        if (items is null)
        {
            return;
        }
        if (from != _settings.PubsubService.ToLowerInvariant())
        {
            Refuse("from", $"a pubsub event from {from}, not from {_settings.PubsubService}");
            return;
        }
        var node = (string?)items.Attribute("node") ?? "";
        foreach (var item in items.Elements(ev + "item"))
        {
            AsteriskItem parsed;
            try
            {
                parsed = AsteriskItems.Read(item, node, _settings);
            }
            catch (AsteriskItemException e)
            {
                Refuse(e.Reason, e.Message);
                continue;
            }
            if (parsed.Eid.Equals(_settings.Eid))
            {
                // Our own item, delivered back to us as a subscriber.
                continue;
            }
            await _inbound.Writer.WriteAsync(parsed, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Refuse(string reason, string message)
    {
        Interlocked.Increment(ref _refused);
        XmppMetrics.Refused(reason);
        _logger.LogWarning("XMPP bridge: refused {Reason}: {Message}", reason, message);
    }

    private async Task OnPresenceAsync(XmppConnection connection, XElement presence, CancellationToken cancellationToken)
    {
        var fullFrom = (string?)presence.Attribute("from") ?? "";
        var from = XmppXml.Bare(fullFrom);
        var type = (string?)presence.Attribute("type");
        if (from.Length == 0 || from == _settings.Jid.ToLowerInvariant())
        {
            return;
        }
        if (type == "subscribe")
        {
            // As res_xmpp does: whoever asks may see the bridge's presence.
            await connection.SendAsync($"<presence type=\"subscribed\" to=\"{XmppXml.Escape(from)}\"/>", cancellationToken).ConfigureAwait(false);
            return;
        }
        if (type is not (null or "unavailable"))
        {
            return;
        }
        var resource = fullFrom.Length > from.Length ? fullFrom[(from.Length + 1)..] : "";
        var cameBack = false;
        lock (_gate)
        {
            if (!_available.TryGetValue(from, out var resources))
            {
                _available[from] = resources = new HashSet<string>(StringComparer.Ordinal);
            }
            var wasAvailable = resources.Count > 0;
            if (type is null)
            {
                resources.Add(resource);
            }
            else
            {
                resources.Remove(resource);
            }
            var now = _clock.GetUtcNow();
            foreach (var (eid, status) in _eids.Where(e => e.Value.Account == from))
            {
                if (resources.Count > 0 && status.State != EidState.Online)
                {
                    cameBack |= !status.AwaitingPresence && status.State is EidState.Stale or EidState.Withdrawn;
                    status.AwaitingPresence = false;
                    status.State = EidState.Online;
                    status.Since = now;
                }
                else if (resources.Count == 0 && wasAvailable && status.State == EidState.Online)
                {
                    status.State = EidState.Stale;
                    status.Since = now;
                    _logger.LogInformation("XMPP bridge: {Account} went unavailable; the views of EID {Eid} are stale and go in {Expire:0.#} s unless it comes back",
                        from, eid, _settings.ExpireAfter.TotalSeconds);
                }
            }
        }
        if (cameBack)
        {
            _logger.LogInformation("XMPP bridge: {Account} is available again; publishing the site's state for it", from);
            OfferEverything("return");
        }
    }

    // ----- items in -----

    private async Task InboundLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in _inbound.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await ApplyAsync(item, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // The write did not land (a timeout in the cluster): the next item for it, or the
                    // server's next republish, sets it.
                    _logger.LogWarning(e, "XMPP bridge: an item from EID {Eid} could not be written: {Message}", item.Eid, e.Message);
                    XmppMetrics.Refused("write");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ApplyAsync(AsteriskItem item, CancellationToken cancellationToken)
    {
        var askPresence = false;
        var remember = false;
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            if (!_eids.TryGetValue(item.Eid, out var status))
            {
                _eids[item.Eid] = status = new EidStatus(item.Publisher, now);
                _logger.LogInformation("XMPP bridge: a new Asterisk EID {Eid} from {Account}", item.Eid, item.Publisher.Length > 0 ? item.Publisher : "an unnamed publisher");
                remember = item.Publisher.Length > 0;
            }
            status.AwaitingPresence = false;
            if (item.Publisher.Length > 0)
            {
                remember |= status.Account != item.Publisher;
                status.Account = item.Publisher;
                askPresence = _askedPresence.Add(item.Publisher);
            }
            status.LastItem = now;
            status.ItemsIn++;
            // An item is a sign of life: a publisher whose presence the bridge cannot see is taken as online.
            if (status.State is EidState.Withdrawn or EidState.Unknown || (status.State == EidState.Stale && IsAvailable(status.Account)))
            {
                status.State = IsAvailable(status.Account) || status.Account.Length == 0 ? EidState.Online : EidState.Unknown;
                status.Since = now;
            }
            _itemsIn++;
            if (item is AsteriskDeviceItem device)
            {
                if (device.State == DeviceState.Invalid)
                {
                    status.Devices.Remove(device.Device.Value);
                }
                else
                {
                    status.Devices[device.Device.Value] = (device.State, now);
                }
            }
            else if (item is AsteriskMailboxItem mailbox)
            {
                _mailboxesFromXmpp[mailbox.Mailbox.Value] = mailbox.Counts;
            }
        }
        XmppMetrics.ItemIn(item is AsteriskDeviceItem ? "device" : "mailbox");
        if (remember)
        {
            _ = RememberEidsAsync(cancellationToken);
        }
        if (askPresence && _connection is { } connection)
        {
            // To see when that server goes away, the bridge subscribes to its account's presence.
            await connection.SendAsync($"<presence type=\"subscribe\" to=\"{XmppXml.Escape(item.Publisher)}\"/>", cancellationToken).ConfigureAwait(false);
        }
        switch (item)
        {
            case AsteriskDeviceItem d:
                // XMPP has no delete: INVALID withdraws the server's view.
                await _service.SetAsteriskViewAsync(d.Device, d.Eid, d.State == DeviceState.Invalid ? null : d.State, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case AsteriskMailboxItem m:
                await _service.SetMailboxAsync(m.Mailbox, m.Counts, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private bool IsAvailable(string account) => _available.TryGetValue(account, out var resources) && resources.Count > 0;

    // ----- items out -----

    private async Task PublishLoopAsync(CancellationToken cancellationToken)
    {
        var inFlight = new List<Task>();
        var tokens = (double)_settings.PublishRate;
        var refilled = _clock.GetTimestamp();
        // One wait on the wake-up signal at a time: a wait left behind would take a later signal for itself.
        Task? wake = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                inFlight.RemoveAll(t => t.IsCompleted);
                var connection = _connection;
                (bool Device, string Id) key = default;
                string? payload = null;
                if (connection is not null && inFlight.Count < _settings.PublishWindow)
                {
                    lock (_gate)
                    {
                        while (_order.Count > 0 && payload is null)
                        {
                            key = _order.Dequeue();
                            if (_pending.Remove(key, out var waiting))
                            {
                                payload = waiting;
                            }
                        }
                    }
                }
                if (payload is null)
                {
                    wake ??= _wake.WaitAsync(cancellationToken);
                    // Woken by a change, by an answer that frees the window, or after a second (a connection came).
                    await Task.WhenAny(inFlight.Count > 0 ? Task.WhenAny(inFlight) : Task.Delay(TimeSpan.FromSeconds(1), _clock, cancellationToken), wake).ConfigureAwait(false);
                    if (wake.IsCompleted)
                    {
                        await wake.ConfigureAwait(false);
                        wake = null;
                    }
                    continue;
                }
                // The rate: a token per item, refilled continuously, at most a second's worth held.
                tokens = Math.Min(_settings.PublishRate, tokens + (_clock.GetElapsedTime(refilled).TotalSeconds * _settings.PublishRate));
                refilled = _clock.GetTimestamp();
                if (tokens < 1)
                {
                    await Task.Delay(TimeSpan.FromSeconds((1 - tokens) / _settings.PublishRate), _clock, cancellationToken).ConfigureAwait(false);
                    tokens = 1;
                    refilled = _clock.GetTimestamp();
                }
                tokens--;
                inFlight.Add(PublishAsync(connection!, key, payload, cancellationToken));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task PublishAsync(XmppConnection connection, (bool Device, string Id) key, string payload, CancellationToken cancellationToken)
    {
        var node = key.Device ? _settings.DeviceNode : _settings.MailboxNode;
        try
        {
            await connection.RequestAsync(id => AsteriskItems.PublishIq(id, _settings.PubsubService, node, key.Id, payload), cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _itemsOut++;
                if (key.Device && payload == AsteriskItems.DevicePayload(DeviceState.Invalid, _settings.Eid) && !_pending.ContainsKey(key))
                {
                    // Withdrawn everywhere: nothing left to remember of it (unless it has come back meanwhile).
                    _published.Remove(key);
                    if (_devices.TryGetValue(key.Id, out var device) && device.Views.Count == 0)
                    {
                        _devices.Remove(key.Id);
                    }
                }
                else
                {
                    _published[key] = payload;
                }
            }
            XmppMetrics.ItemOut(key.Device ? "device" : "mailbox", "ok");
        }
        catch (XmppIqErrorException e)
        {
            XmppMetrics.ItemOut(key.Device ? "device" : "mailbox", "refused");
            _logger.LogWarning("XMPP bridge: the server refused item {Item} of {Node}: {Condition}", key.Id, node, e.Condition);
        }
        catch (Exception e) when (e is XmppProtocolException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            XmppMetrics.ItemOut(key.Device ? "device" : "mailbox", "failed");
            // The connection is going: keep the value for the next one (unless a newer one waits).
            lock (_gate)
            {
                if (!_pending.ContainsKey(key))
                {
                    _order.Enqueue(key);
                    _pending[key] = payload;
                }
            }
        }
    }

    // ----- the clock -----

    private async Task MonitorLoopAsync(CancellationToken cancellationToken)
    {
        var tick = TimeSpan.FromTicks(Math.Clamp(_settings.ExpireAfter.Ticks / 10, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(1).Ticks));
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(tick, _clock, cancellationToken).ConfigureAwait(false);
                await ExpireAsync(cancellationToken).ConfigureAwait(false);
                await RenewAsync(cancellationToken).ConfigureAwait(false);
                if (_connection is not null && _clock.GetUtcNow() >= _nextRepublish)
                {
                    _logger.LogInformation("XMPP bridge: the periodic republish of the site's state");
                    OfferEverything("period");
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "XMPP bridge: withdrawing a stale EID's views failed; trying again");
            }
        }
    }

    /// <summary>Withdraws the device views of every EID stale for expire-after.</summary>
    private async Task ExpireAsync(CancellationToken cancellationToken)
    {
        List<(AsteriskEid Eid, List<string> Devices)> expired = [];
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            foreach (var (eid, status) in _eids)
            {
                if (status.State == EidState.Stale && now - status.Since >= _settings.ExpireAfter)
                {
                    expired.Add((eid, status.Devices.Keys.ToList()));
                }
            }
        }
        foreach (var (eid, devices) in expired)
        {
            _logger.LogInformation("XMPP bridge: EID {Eid} stale for {Expire:0.#} s; withdrawing its {Count} device views", eid, _settings.ExpireAfter.TotalSeconds, devices.Count);
            foreach (var device in devices)
            {
                await _service.SetAsteriskViewAsync(new DeviceId(device), eid, null, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            lock (_gate)
            {
                if (_eids.TryGetValue(eid, out var status) && status.State == EidState.Stale)
                {
                    status.State = EidState.Withdrawn;
                    status.Since = _clock.GetUtcNow();
                    foreach (var device in devices)
                    {
                        status.Devices.Remove(device);
                    }
                }
            }
            XmppMetrics.Withdrawn(devices.Count);
        }
    }

    /// <summary>
    /// Writes again, with a new stamp, the views of the servers the bridge follows that were not written
    /// for the renew interval: any SIP edge of the site withdraws an Asterisk view older than its lease.
    /// </summary>
    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        List<(AsteriskEid Eid, string Device, DeviceState State)> due = [];
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            foreach (var (eid, status) in _eids)
            {
                if (status.State == EidState.Withdrawn)
                {
                    continue;
                }
                foreach (var (device, (state, written)) in status.Devices)
                {
                    if (due.Count < MaxRenewalsPerTick && now - written >= _settings.ViewRenewInterval)
                    {
                        due.Add((eid, device, state));
                    }
                }
            }
            foreach (var (eid, device, state) in due)
            {
                _eids[eid].Devices[device] = (state, now);
            }
        }
        foreach (var (eid, device, state) in due)
        {
            await _service.SetAsteriskViewAsync(new DeviceId(device), eid, state, renew: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Publishes INVALID for every device it published (XMPP has no delete), then leaves.</summary>
    public async ValueTask DisposeAsync()
    {
        var connection = _connection;
        if (connection is not null)
        {
            List<(bool, string)> published;
            lock (_gate)
            {
                var invalid = AsteriskItems.DevicePayload(DeviceState.Invalid, _settings.Eid);
                published = _published.Where(p => p.Key.Device && p.Value != invalid).Select(p => p.Key).ToList();
            }
            using var limit = new CancellationTokenSource(_settings.RequestTimeout);
            var invalidPayload = AsteriskItems.DevicePayload(DeviceState.Invalid, _settings.Eid);
            try
            {
                var window = new SemaphoreSlim(_settings.PublishWindow);
                await Task.WhenAll(published.Select(async key =>
                {
                    await window.WaitAsync(limit.Token).ConfigureAwait(false);
                    try
                    {
                        await connection.RequestAsync(id => AsteriskItems.PublishIq(id, _settings.PubsubService, _settings.DeviceNode, key.Item2, invalidPayload), limit.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        window.Release();
                    }
                })).ConfigureAwait(false);
                await connection.SendAsync("<presence type=\"unavailable\"/>", limit.Token).ConfigureAwait(false);
                _logger.LogInformation("XMPP bridge: published INVALID for its {Count} devices before stopping", published.Count);
            }
            catch (Exception e) when (e is XmppProtocolException or XmppIqErrorException or TimeoutException or OperationCanceledException)
            {
                _logger.LogWarning("XMPP bridge: could not withdraw all its devices before stopping: {Message}", e.Message);
            }
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
