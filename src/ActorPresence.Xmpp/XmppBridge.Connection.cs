using System.Xml.Linq;
using ActorPresence.Domain;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Xmpp;

/// <summary>The bridge's connection: connecting with back-off, setting up presence and the two nodes, the stored EID list, and the stanzas the server sends.</summary>
public sealed partial class XmppBridge
{
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
}
