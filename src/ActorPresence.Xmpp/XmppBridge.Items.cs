using ActorPresence.Domain;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Xmpp;

/// <summary>Items in (from Asterisk servers, written to the cluster in order) and out (the site's state, paced and windowed).</summary>
public sealed partial class XmppBridge
{
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
                if (key.Device && payload == _invalid && !_pending.ContainsKey(key))
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
}
