using System.Globalization;
using System.Net;
using ActorPresence.Domain;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Sip;

/// <summary>
/// The PUBLISHes to one Asterisk server (res_pjsip_publish_asterisk's side, outbound): device state and
/// MWI in Asterisk's JSON with this node's EID, one PUBLISH at a time as Asterisk sends them, each
/// event package one publication (SIP-If-Match of the last entity-tag), refreshed at half its expiry.
/// Waiting changes are coalesced per entity (latest wins), so a slow server never queues more than one
/// value per entity. What the server itself published (its EID's views, its MWI) is never sent back.
/// </summary>
internal sealed class AsteriskPeerLink
{
    private const string DeviceEvent = "asterisk-devicestate";
    private const string MailboxEvent = "asterisk-mwi";

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly SipEdge _edge;
    private readonly AsteriskPeer _peer;
    private readonly SipFlow? _fixedFlow;
    private readonly object _gate = new();
    private readonly Dictionary<(EntityKind Kind, string Id), byte[]> _pending = [];
    private readonly Queue<(EntityKind Kind, string Id)> _order = new();
    private readonly Dictionary<(EntityKind Kind, string Id), byte[]> _sent = [];
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Dictionary<string, (string ETag, DateTimeOffset RefreshAt)> _publications = new(StringComparer.Ordinal);
    private SipFlow? _flow;

    /// <param name="fixedFlow">Where to send instead of the peer's URI (a refresh asked by a server that is not configured).</param>
    public AsteriskPeerLink(SipEdge edge, AsteriskPeer peer, SipFlow? fixedFlow = null)
    {
        _edge = edge;
        _peer = peer;
        _fixedFlow = fixedFlow;
    }

    public AsteriskEid Eid => _peer.Eid;

    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Takes a change of the node's state: queued (or the queued value replaced) when this server should hear of it.</summary>
    public void Offer(StateEvent change)
    {
        byte[]? body = change switch
        {
            DeviceStateEvent d => DeviceBody(d.Device),
            MailboxStateEvent m when !_edge.CameFrom(m.Mailbox, _peer.Eid) => SipBodies.AsteriskMailbox(m.Mailbox.Id, m.Mailbox.Counts, _edge.Settings.Eid),
            _ => null,
        };
        if (body is null)
        {
            return;
        }
        var key = (change.Kind, change.Id);
        lock (_gate)
        {
            if (_sent.TryGetValue(key, out var sent) && sent.AsSpan().SequenceEqual(body) && !_pending.ContainsKey(key))
            {
                return;
            }
            if (!_pending.ContainsKey(key))
            {
                _order.Enqueue(key);
            }
            _pending[key] = body;
        }
        Wake();
    }

    /// <summary>The aggregate of every view but this server's own; INVALID (neutral) once nothing is left of
    /// a device it was told of; null when there is nothing to tell.</summary>
    private byte[]? DeviceBody(DeviceSnapshot device)
    {
        var own = _peer.Eid.ViewName;
        var views = device.Views.Where(v => v.Node.Value != own).Select(v => v.State).ToList();
        if (views.Count == 0)
        {
            lock (_gate)
            {
                if (!_sent.ContainsKey((EntityKind.Device, device.Id.Value)) && !_pending.ContainsKey((EntityKind.Device, device.Id.Value)))
                {
                    return null;
                }
            }
            return SipBodies.AsteriskDeviceState(device.Id, DeviceState.Invalid, _edge.Settings.Eid);
        }
        return SipBodies.AsteriskDeviceState(device.Id, DeviceStateAggregation.Aggregate(views), _edge.Settings.Eid);
    }

    /// <summary>Queues the node's whole device and mailbox state (Asterisk's "refresh" asks for it).</summary>
    public async Task OfferEverythingAsync(IActorPresence service, CancellationToken cancellationToken)
    {
        foreach (var kind in (EntityKind[])[EntityKind.Device, EntityKind.Mailbox])
        {
            string? after = null;
            while (true)
            {
                var ids = await service.ListIdsAsync(kind, "", after, 1000, cancellationToken).ConfigureAwait(false);
                foreach (var id in ids)
                {
                    StateEvent? state = kind == EntityKind.Device
                        ? await service.GetDeviceAsync(new DeviceId(id), cancellationToken).ConfigureAwait(false) is { } d ? new DeviceStateEvent(d, d.Views.MaxBy(v => v.UpdatedAt)?.Node ?? NodeName.OfWriter(""), true) : null
                        : await service.GetMailboxAsync(new MailboxId(id), cancellationToken).ConfigureAwait(false) is { } m ? new MailboxStateEvent(m, m.WrittenBy, true) : null;
                    if (state is not null)
                    {
                        lock (_gate)
                        {
                            // Sent again even if unchanged: the server asked for everything.
                            _sent.Remove((kind, id));
                        }
                        Offer(state);
                    }
                }
                if (ids.Count < 1000)
                {
                    break;
                }
                after = ids[^1];
            }
        }
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary>Sends until stopped (or, with <paramref name="untilIdle"/>, until nothing is waiting).</summary>
    public async Task RunAsync(CancellationToken stop, bool untilIdle = false)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!stop.IsCancellationRequested)
        {
            (EntityKind Kind, string Id) key;
            byte[] body;
            lock (_gate)
            {
                if (_order.Count == 0)
                {
                    key = default;
                    body = [];
                }
                else
                {
                    key = _order.Dequeue();
                    body = _pending[key];
                    _pending.Remove(key);
                }
            }
            if (body.Length == 0)
            {
                if (untilIdle)
                {
                    return;
                }
                await RefreshDueAsync(stop).ConfigureAwait(false);
                try
                {
                    await _wake.WaitAsync(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            var ok = await PublishAsync(key.Kind == EntityKind.Device ? DeviceEvent : MailboxEvent, body, stop).ConfigureAwait(false);
            SipMetrics.Published(ok);
            lock (_gate)
            {
                if (ok)
                {
                    _sent[key] = body;
                }
                else if (!_pending.ContainsKey(key))
                {
                    // Not taken: it goes again at its turn, unless a newer value is already waiting.
                    _pending[key] = body;
                    _order.Enqueue(key);
                }
            }
            if (!ok)
            {
                if (untilIdle)
                {
                    return;
                }
                try
                {
                    await Task.Delay(backoff, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
            }
            else
            {
                backoff = TimeSpan.FromSeconds(1);
            }
        }
    }

    private async Task RefreshDueAsync(CancellationToken stop)
    {
        foreach (var eventName in (string[])[DeviceEvent, MailboxEvent])
        {
            bool due;
            lock (_gate)
            {
                due = _publications.TryGetValue(eventName, out var p) && p.RefreshAt <= DateTimeOffset.UtcNow;
            }
            if (due)
            {
                await PublishAsync(eventName, [], stop).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One PUBLISH, modifying (or refreshing, with no body) the package's publication; a 412 starts a new one.</summary>
    private async Task<bool> PublishAsync(string eventName, byte[] body, CancellationToken stop)
    {
        var flow = await FlowAsync().ConfigureAwait(false);
        if (flow is null)
        {
            return false;
        }
        for (var attempt = 0; attempt < 2 && !stop.IsCancellationRequested; attempt++)
        {
            string? etag;
            lock (_gate)
            {
                etag = _publications.TryGetValue(eventName, out var p) ? p.ETag : null;
            }
            if (etag is null && body.Length == 0)
            {
                return true;
            }
            var expires = _edge.Settings.PublishExpires;
            var request = SipMessage.Request("PUBLISH", _peer.Uri)
                .Add("Max-Forwards", "70")
                .Add("From", $"<sip:{_edge.Settings.Eid.Value.Replace(":", "", StringComparison.Ordinal)}@{_edge.Settings.Domain}>;tag={SipEdge.NewTag()}")
                .Add("To", $"<{_peer.Uri}>")
                .Add("Call-ID", SipEdge.NewTag() + "@" + _edge.Settings.Domain)
                .Add("CSeq", "1 PUBLISH")
                .Add("Event", eventName)
                .Add("Expires", expires.ToString(CultureInfo.InvariantCulture));
            if (etag is not null)
            {
                request.Add("SIP-If-Match", etag);
            }
            if (body.Length > 0)
            {
                request.Add("Content-Type", SipBodies.JsonType);
                request.Body = body;
            }
            var answer = await _edge.RequestAsync(request, flow).ConfigureAwait(false);
            if (answer is { Status: >= 200 and < 300 })
            {
                lock (_gate)
                {
                    if (answer["SIP-ETag"] is { } newTag)
                    {
                        _publications[eventName] = (newTag.Trim(), DateTimeOffset.UtcNow.AddSeconds(expires / 2.0));
                    }
                }
                return true;
            }
            if (answer is { Status: 412 })
            {
                lock (_gate)
                {
                    _publications.Remove(eventName);
                }
                continue;
            }
            _edge.Log.LogDebug("SIP: a PUBLISH of {Event} to {Peer} {Outcome}", eventName, _peer.Uri, answer is null ? "timed out" : $"was answered {answer.Status}");
            return false;
        }
        return false;
    }

    private async Task<SipFlow?> FlowAsync()
    {
        if (_fixedFlow is not null)
        {
            return _fixedFlow;
        }
        if (_flow is SipTransport.TcpFlow { IsOpen: true } || _flow is UdpFlow)
        {
            return _flow;
        }
        var uri = SipUri.TryParse(_peer.Uri);
        if (uri is null)
        {
            return null;
        }
        IPAddress? address;
        if (!IPAddress.TryParse(uri.Host, out address))
        {
            try
            {
                address = (await Dns.GetHostAddressesAsync(uri.Host).ConfigureAwait(false)).FirstOrDefault();
            }
            catch (System.Net.Sockets.SocketException)
            {
                address = null;
            }
        }
        if (address is null)
        {
            _edge.Log.LogWarning("SIP: Asterisk peer {Peer}: {Host} resolves to no address", _peer.Uri, uri.Host);
            return null;
        }
        var remote = new IPEndPoint(address, uri.Port ?? 5060);
        _flow = uri.Parameters.TryGetValue("transport", out var transport) && transport.Equals("tcp", StringComparison.OrdinalIgnoreCase)
            ? await _edge.ConnectAsync(remote).ConfigureAwait(false)
            : new UdpFlow(remote);
        return _flow;
    }
}
