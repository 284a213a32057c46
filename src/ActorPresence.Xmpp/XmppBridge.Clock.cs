using ActorPresence.Domain;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Xmpp;

/// <summary>The bridge's clock (stale EIDs expired, views renewed within the SIP lease, the periodic republish) and its orderly stop.</summary>
public sealed partial class XmppBridge
{
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
                published = _published.Where(p => p.Key.Device && p.Value != _invalid).Select(p => p.Key).ToList();
            }
            using var limit = new CancellationTokenSource(_settings.RequestTimeout);
            try
            {
                var window = new SemaphoreSlim(_settings.PublishWindow);
                await Task.WhenAll(published.Select(async key =>
                {
                    await window.WaitAsync(limit.Token).ConfigureAwait(false);
                    try
                    {
                        await connection.RequestAsync(id => AsteriskItems.PublishIq(id, _settings.PubsubService, _settings.DeviceNode, key.Item2, _invalid), limit.Token).ConfigureAwait(false);
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
