using System.Collections.Concurrent;
using System.Globalization;
using ActorPresence.Domain;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Sip;

/// <summary>One publication (RFC 3903): an entity-tag, its expiry, and what it set.</summary>
internal sealed class SipPublication
{
    public required string ETag { get; set; }

    public required string EventName { get; init; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>The Asterisk server whose device views this publication set, once one was published.</summary>
    public AsteriskEid? Eid { get; set; }

    /// <summary>The devices whose view it set, with the state and when the view's lease was last renewed.</summary>
    public Dictionary<string, (DeviceState State, DateTimeOffset Renewed)> Devices { get; } = new(StringComparer.Ordinal);
}

internal sealed partial class SipEdge
{
    private readonly ConcurrentDictionary<string, SipPublication> _publications = new(StringComparer.Ordinal);

    /// <summary>Mailboxes last set from an Asterisk server, and the counts it sent: they are not sent back to it.</summary>
    private readonly ConcurrentDictionary<string, (AsteriskEid Eid, MailboxCounts Counts)> _mailboxesFrom = new(StringComparer.Ordinal);

    /// <summary>Every device's Asterisk views and when each was last written, as the change feed told.</summary>
    private readonly Dictionary<string, List<(AsteriskEid Eid, DateTimeOffset UpdatedAt)>> _asteriskViews = new(StringComparer.Ordinal);

    private DateTimeOffset _nextSweep;

    /// <summary>
    /// PUBLISH (RFC 3903): asterisk-devicestate and asterisk-mwi from Asterisk servers
    /// (res_pjsip_publish_asterisk's JSON), presence (PIDF) from phones. A body sets state and makes or
    /// modifies a publication; no body with SIP-If-Match refreshes it; Expires: 0 removes it.
    /// </summary>
    private async Task PublishAsync(SipMessage request, SipFlow flow)
    {
        var eventName = EventName(request["Event"]);
        if (eventName is not ("asterisk-devicestate" or "asterisk-mwi" or "presence"))
        {
            Respond(request, flow, 489, "Bad Event", r => r.Add("Allow-Events", "asterisk-devicestate, asterisk-mwi, presence"));
            return;
        }
        if (!Authenticate(request, flow))
        {
            return;
        }
        if (Grant(request, flow, request.Expires ?? _settings.DefaultExpires) is not { } granted)
        {
            return;
        }
        SipPublication? publication = null;
        if (request["SIP-If-Match"] is { } etag)
        {
            if (!_publications.TryGetValue(etag.Trim(), out publication) || publication.EventName != eventName)
            {
                Respond(request, flow, 412, "Conditional Request Failed");
                return;
            }
        }
        if (granted == 0)
        {
            if (publication is null)
            {
                Respond(request, flow, 400, "Bad Request (removing a publication needs SIP-If-Match)");
                return;
            }
            Respond(request, flow, 200, "OK", r => r.Add("Expires", "0"));
            await RemovePublicationAsync(publication).ConfigureAwait(false);
            return;
        }
        if (request.Body.Length == 0)
        {
            if (publication is null)
            {
                Respond(request, flow, 400, "Bad Request (an initial PUBLISH carries a body)");
                return;
            }
            Renew(publication, granted);
            Respond(request, flow, 200, "OK", r => r.Add("SIP-ETag", publication.ETag).Add("Expires", granted.ToString(CultureInfo.InvariantCulture)));
            await RenewLeasesAsync(publication).ConfigureAwait(false);
            return;
        }
        var wanted = eventName == "presence" ? SipBodies.PidfType : SipBodies.JsonType;
        var type = request["Content-Type"]?.Split(';')[0].Trim();
        if (!string.Equals(type, wanted, StringComparison.OrdinalIgnoreCase))
        {
            Respond(request, flow, 415, "Unsupported Media Type", r => r.Add("Accept", wanted));
            return;
        }
        if (publication is null && _publications.Count >= _settings.MaxPublications)
        {
            Respond(request, flow, 503, "Service Unavailable", r => r.Add("Retry-After", "60"));
            return;
        }
        publication ??= new SipPublication { ETag = NewTag(), EventName = eventName, ExpiresAt = _time.GetUtcNow().AddSeconds(granted) };
        try
        {
            if (eventName == "presence")
            {
                var user = SipUri.TryParse(request.RequestUri)?.User;
                if (user is null || !SipSettings.IsSipUser(user))
                {
                    Respond(request, flow, 404, "Not Found");
                    return;
                }
                await _service.SetPresenceAsync(PresentityOf(user), SipBodies.ReadPidf(request.Body), _stop.Token).ConfigureAwait(false);
            }
            else if (!await ApplyAsteriskAsync(SipBodies.ReadAsterisk(request.Body), eventName, publication, flow).ConfigureAwait(false))
            {
                Respond(request, flow, 400, "Bad Request (the event does not match the body)");
                return;
            }
        }
        catch (Exception e) when (e is FormatException or ValidationException)
        {
            SipMetrics.Refused("body");
            _log.LogInformation("SIP: a {Event} PUBLISH from {Flow} refused: {Error}", eventName, flow, e.Message);
            Respond(request, flow, 400, "Bad Request (" + Printable(e.Message) + ")");
            return;
        }
        catch (WriteOutcomeUnknownException e)
        {
            _log.LogWarning("SIP: a {Event} PUBLISH from {Flow} may not have been applied: {Error}", eventName, flow, e.Message);
            Respond(request, flow, 500, "Server Internal Error (outcome unknown)", r => r.Add("Retry-After", "1"));
            return;
        }
        catch (PipelineUnavailableException e)
        {
            Respond(request, flow, 503, "Service Unavailable (" + Printable(e.Message) + ")");
            return;
        }
        Renew(publication, granted);
        Respond(request, flow, 200, "OK", r => r.Add("SIP-ETag", publication.ETag).Add("Expires", granted.ToString(CultureInfo.InvariantCulture)));
        await RenewLeasesAsync(publication).ConfigureAwait(false);
    }

    /// <summary>The devices whose views live publications of <paramref name="eid"/> on this node hold.</summary>
    private HashSet<string> HeldBy(AsteriskEid eid)
    {
        var held = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in _publications.Values)
        {
            lock (p)
            {
                if (eid.Equals(p.Eid))
                {
                    held.UnionWith(p.Devices.Keys);
                }
            }
        }
        return held;
    }

    /// <summary>Follows the Asterisk views of every device from the node's change feed: what the lease sweep looks at.</summary>
    private void TrackAsteriskViews(StateEvent change)
    {
        if (change is not DeviceStateEvent d)
        {
            return;
        }
        List<(AsteriskEid Eid, DateTimeOffset UpdatedAt)>? views = null;
        foreach (var view in d.Device.Views)
        {
            if (AsteriskEid.TryParseView(view.Node.Value, out var eid))
            {
                (views ??= []).Add((eid!, view.UpdatedAt));
            }
        }
        lock (_asteriskViews)
        {
            if (views is null)
            {
                _asteriskViews.Remove(d.Id);
            }
            else
            {
                _asteriskViews[d.Id] = views;
            }
        }
    }

    /// <summary>Withdraws Asterisk views older than the lease that no publication of this node holds: their
    /// publication was on a node that stopped or died, and nobody would ever clear them otherwise.</summary>
    private async Task SweepAsteriskViewsAsync(DateTimeOffset now)
    {
        if (now < _nextSweep)
        {
            return;
        }
        var lease = AsteriskViewLease;
        _nextSweep = now + (lease / 4 < TimeSpan.FromSeconds(10) ? lease / 4 : TimeSpan.FromSeconds(10));
        List<(string Device, AsteriskEid Eid)> stale = [];
        lock (_asteriskViews)
        {
            foreach (var (device, views) in _asteriskViews)
            {
                stale.AddRange(views.Where(v => now - v.UpdatedAt > lease).Select(v => (device, v.Eid)));
            }
        }
        foreach (var group in stale.GroupBy(s => s.Eid))
        {
            var held = HeldBy(group.Key);
            foreach (var (device, eid) in group.Where(s => !held.Contains(s.Device)))
            {
                _log.LogInformation("SIP: {Eid}'s view of {Device} outlived its lease ({Lease}) with no publication holding it: withdrawn", eid, device, lease);
                try
                {
                    await _service.SetAsteriskViewAsync(new DeviceId(device), eid, null, cancellationToken: _stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is WriteOutcomeUnknownException or PipelineUnavailableException)
                {
                    _log.LogWarning("SIP: withdrawing {Eid}'s view of {Device} failed: {Error}", eid, device, e.Message);
                }
            }
        }
    }

    /// <summary>
    /// How long an Asterisk view lives without being written again: twice max-expires. A live publication
    /// renews its views at half of max-expires (<see cref="RenewLeasesAsync"/>); a view older than the lease
    /// belongs to a publication no node holds any more (its node stopped or died) and any edge withdraws it.
    /// </summary>
    internal TimeSpan AsteriskViewLease => TimeSpan.FromSeconds(2 * _settings.MaxExpires);

    /// <summary>Writes again (new stamp, same state) the views of a live publication not renewed for half of max-expires.</summary>
    private async Task RenewLeasesAsync(SipPublication publication)
    {
        var now = _time.GetUtcNow();
        var every = TimeSpan.FromSeconds(_settings.MaxExpires / 2.0);
        List<(string Device, DeviceState State)> due;
        AsteriskEid? eid;
        lock (publication)
        {
            eid = publication.Eid;
            due = publication.Devices.Where(d => now - d.Value.Renewed >= every).Select(d => (d.Key, d.Value.State)).ToList();
            foreach (var (device, state) in due)
            {
                publication.Devices[device] = (state, now);
            }
        }
        if (eid is null)
        {
            return;
        }
        foreach (var (device, state) in due)
        {
            try
            {
                await _service.SetAsteriskViewAsync(new DeviceId(device), eid, state, renew: true, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WriteOutcomeUnknownException or PipelineUnavailableException)
            {
                _log.LogWarning("SIP: renewing {Eid}'s view of {Device} failed: {Error}", eid, device, e.Message);
            }
        }
    }

    /// <summary>A new entity-tag and expiry (RFC 3903 6: every successful PUBLISH gets a fresh one).</summary>
    private void Renew(SipPublication publication, long granted)
    {
        lock (publication)
        {
            _publications.TryRemove(publication.ETag, out _);
            publication.ETag = NewTag();
            publication.ExpiresAt = _time.GetUtcNow().AddSeconds(granted);
            _publications[publication.ETag] = publication;
        }
    }

    /// <summary>Applies one Asterisk event; false when it does not belong to the publication's event package.</summary>
    private async Task<bool> ApplyAsteriskAsync(AsteriskEvent published, string eventName, SipPublication publication, SipFlow flow)
    {
        if (published.Eid.Equals(_settings.Eid))
        {
            // Our own state, come back: never applied.
            return true;
        }
        switch (published)
        {
            case AsteriskDeviceEvent device when eventName == "asterisk-devicestate":
                await _service.SetAsteriskViewAsync(device.Device, device.Eid, device.State, cancellationToken: _stop.Token).ConfigureAwait(false);
                lock (publication)
                {
                    publication.Eid = device.Eid;
                    publication.Devices[device.Device.Value] = (device.State, _time.GetUtcNow());
                }
                return true;
            case AsteriskMailboxEvent mailbox when eventName == "asterisk-mwi":
                _mailboxesFrom[mailbox.Mailbox.Value] = (mailbox.Eid, mailbox.Counts);
                await _service.SetMailboxAsync(mailbox.Mailbox, mailbox.Counts, _stop.Token).ConfigureAwait(false);
                return true;
            case AsteriskRefreshEvent refresh:
                _ = SendEverythingAsync(refresh.Eid, flow);
                return true;
            default:
                return false;
        }
    }

    private async Task ExpirePublicationsAsync(DateTimeOffset now)
    {
        foreach (var publication in _publications.Values)
        {
            if (publication.ExpiresAt <= now)
            {
                _log.LogInformation("SIP: a {Event} publication{From} expired", publication.EventName, publication.Eid is { } eid ? $" of {eid}" : "");
                await RemovePublicationAsync(publication).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Ends a publication. The device views it set are withdrawn unless another live publication of the
    /// same Asterisk server set them too (Asterisk itself never clears a vanished server's views).
    /// </summary>
    private async Task RemovePublicationAsync(SipPublication publication)
    {
        string[] devices;
        AsteriskEid? eid;
        lock (publication)
        {
            if (!_publications.TryRemove(new KeyValuePair<string, SipPublication>(publication.ETag, publication)))
            {
                return;
            }
            devices = [.. publication.Devices.Keys];
            eid = publication.Eid;
        }
        if (eid is null)
        {
            return;
        }
        var stillHeld = HeldBy(eid);
        foreach (var device in devices.Where(d => !stillHeld.Contains(d)))
        {
            try
            {
                await _service.SetAsteriskViewAsync(new DeviceId(device), eid, null, cancellationToken: _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WriteOutcomeUnknownException or PipelineUnavailableException)
            {
                _log.LogWarning("SIP: withdrawing {Eid}'s view of {Device} failed: {Error}", eid, device, e.Message);
            }
        }
    }
}
