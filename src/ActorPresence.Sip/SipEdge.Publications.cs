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

    public HashSet<string> Devices { get; } = new(StringComparer.Ordinal);
}

internal sealed partial class SipEdge
{
    private readonly ConcurrentDictionary<string, SipPublication> _publications = new(StringComparer.Ordinal);

    /// <summary>Mailboxes last set from an Asterisk server, and the counts it sent: they are not sent back to it.</summary>
    private readonly ConcurrentDictionary<string, (AsteriskEid Eid, MailboxCounts Counts)> _mailboxesFrom = new(StringComparer.Ordinal);

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
        var expires = request.Expires ?? _settings.DefaultExpires;
        if (expires != 0 && expires < _settings.MinExpires)
        {
            Respond(request, flow, 423, "Interval Too Brief", r => r.Add("Min-Expires", _settings.MinExpires.ToString(CultureInfo.InvariantCulture)));
            return;
        }
        var granted = Math.Min(expires, _settings.MaxExpires);
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
                await _service.SetAsteriskViewAsync(device.Device, device.Eid, device.State, _stop.Token).ConfigureAwait(false);
                lock (publication)
                {
                    publication.Eid = device.Eid;
                    publication.Devices.Add(device.Device.Value);
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
            devices = [.. publication.Devices];
            eid = publication.Eid;
        }
        if (eid is null)
        {
            return;
        }
        var stillHeld = _publications.Values.Where(p => eid.Equals(p.Eid)).SelectMany(p => p.Devices).ToHashSet(StringComparer.Ordinal);
        foreach (var device in devices.Where(d => !stillHeld.Contains(d)))
        {
            try
            {
                await _service.SetAsteriskViewAsync(new DeviceId(device), eid, null, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WriteOutcomeUnknownException or PipelineUnavailableException)
            {
                _log.LogWarning("SIP: withdrawing {Eid}'s view of {Device} failed: {Error}", eid, device, e.Message);
            }
        }
    }
}
