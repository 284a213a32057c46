using System.Collections.Concurrent;
using System.Globalization;
using ActorPresence.Domain;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Sip;

/// <summary>The event packages a phone may subscribe to, and what each follows.</summary>
internal enum SipPackage
{
    /// <summary>dialog (RFC 4235): a device's lamp.</summary>
    Dialog,

    /// <summary>message-summary (RFC 3842): a mailbox's counts.</summary>
    MessageSummary,

    /// <summary>presence (RFC 3856): a device and a presentity, in PIDF.</summary>
    Presence,
}

/// <summary>One subscription dialog (RFC 6665): who, to what, until when, and the state its next NOTIFY carries.</summary>
internal sealed class SipSubscription
{
    public required string Key { get; init; }

    public required SipPackage Package { get; init; }

    public required string PackageName { get; init; }

    public required string User { get; init; }

    public DeviceId? Device { get; init; }

    public MailboxId? Mailbox { get; init; }

    public PresentityId? Presentity { get; init; }

    public required string CallId { get; init; }

    public required string LocalTag { get; init; }

    public required string RemoteTag { get; init; }

    /// <summary>The From of the SUBSCRIBE (the To of our NOTIFYs), tag included.</summary>
    public required string Remote { get; init; }

    /// <summary>The To of the SUBSCRIBE without a tag (the From of our NOTIFYs, with ours).</summary>
    public required string Local { get; init; }

    /// <summary>Where NOTIFYs are addressed: the Contact of the SUBSCRIBE.</summary>
    public required string Target { get; set; }

    public required SipFlow Flow { get; set; }

    public string? EventId { get; init; }

    public long RemoteCSeq { get; set; }

    public long LocalCSeq { get; set; }

    public long Version { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    // What the next NOTIFY says; null for an entity with no state.
    public DeviceState? DeviceState { get; set; }

    public MailboxCounts? Counts { get; set; }

    public Presence? PresenceValue { get; set; }

    /// <summary>Whether the state has come (from the feed or a read) since the subscription was made.</summary>
    public bool Known { get; set; }

    public bool InFlight { get; set; }

    public bool Dirty { get; set; }

    /// <summary>Set when the subscription is ending: the Subscription-State of its last NOTIFY.</summary>
    public string? Ending { get; set; }

    public bool Gone { get; set; }
}

internal sealed partial class SipEdge
{
    private const string AllowEvents = "dialog, message-summary, presence, asterisk-devicestate, asterisk-mwi";

    private readonly ConcurrentDictionary<string, SipSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly Dictionary<(EntityKind, string), List<SipSubscription>> _watchers = [];
    private readonly PriorityQueue<SipSubscription, DateTimeOffset> _expiries = new();

    private static (SipPackage Package, string Name)? PackageOf(string? eventHeader)
    {
        var name = EventName(eventHeader);
        return name switch
        {
            "dialog" => (SipPackage.Dialog, name),
            "message-summary" => (SipPackage.MessageSummary, name),
            "presence" => (SipPackage.Presence, name),
            _ => null,
        };
    }

    /// <summary>The package of an Event header, lower-case, without parameters.</summary>
    private static string? EventName(string? eventHeader)
    {
        if (eventHeader is null)
        {
            return null;
        }
        var semi = eventHeader.IndexOf(';', StringComparison.Ordinal);
        return (semi < 0 ? eventHeader : eventHeader[..semi]).Trim().ToLowerInvariant();
    }

    private static string? EventIdOf(string? eventHeader) =>
        eventHeader is null ? null : SipText.Parameters(eventHeader.Contains(';', StringComparison.Ordinal) ? eventHeader[eventHeader.IndexOf(';', StringComparison.Ordinal)..] : "").GetValueOrDefault("id");

    /// <summary>The device a user's lamp shows: its hint, else the device template.</summary>
    internal DeviceId DeviceOf(string user) =>
        _settings.Hints.TryGetValue(user, out var hinted) ? hinted : new DeviceId(_settings.DeviceTemplate.Replace(SipSettings.UserPlaceholder, user, StringComparison.Ordinal));

    internal MailboxId MailboxOf(string user) => new(_settings.MailboxTemplate.Replace(SipSettings.UserPlaceholder, user, StringComparison.Ordinal));

    internal PresentityId PresentityOf(string user) => new(_settings.PresentityTemplate.Replace(SipSettings.UserPlaceholder, user, StringComparison.Ordinal));

    /// <summary>SUBSCRIBE (RFC 6665 4.2.1): a new subscription, a refresh, or an unsubscribe (Expires: 0).</summary>
    private async Task SubscribeAsync(SipMessage request, SipFlow flow)
    {
        var package = PackageOf(request["Event"]);
        if (package is null)
        {
            Respond(request, flow, 489, "Bad Event", r => r.Add("Allow-Events", "dialog, message-summary, presence"));
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
        var from = NameAddr.TryParse(request["From"])!;
        var to = NameAddr.TryParse(request["To"])!;
        if (from.Tag is null)
        {
            Respond(request, flow, 400, "Bad Request (no From tag)");
            return;
        }
        var contact = NameAddr.TryParse(request.Values("Contact").FirstOrDefault());
        if (to.Tag is { } localTag)
        {
            Refresh(request, flow, package.Value.Package, from.Tag, localTag, granted, contact);
            return;
        }
        if (contact is null || SipUri.TryParse(contact.Uri) is null)
        {
            Respond(request, flow, 400, "Bad Request (no usable Contact)");
            return;
        }
        var user = SipUri.TryParse(request.RequestUri)!.User;
        var tag = NewTag();
        SipSubscription subscription;
        try
        {
            if (user is null || !SipSettings.IsSipUser(user))
            {
                throw new ValidationException("user", "missing");
            }
            subscription = new SipSubscription
            {
                Key = DialogKey(request["Call-ID"]!, from.Tag, tag),
                Package = package.Value.Package,
                PackageName = package.Value.Name,
                User = user,
                Device = package.Value.Package is SipPackage.Dialog or SipPackage.Presence ? DeviceOf(user) : null,
                Mailbox = package.Value.Package is SipPackage.MessageSummary ? MailboxOf(user) : null,
                Presentity = package.Value.Package is SipPackage.Presence ? PresentityOf(user) : null,
                CallId = request["Call-ID"]!,
                LocalTag = tag,
                RemoteTag = from.Tag,
                Remote = request["From"]!,
                Local = StripTag(request["To"]!),
                Target = contact.Uri,
                Flow = flow,
                EventId = EventIdOf(request["Event"]),
                RemoteCSeq = request.CSeq.Number,
                ExpiresAt = _time.GetUtcNow().AddSeconds(granted),
            };
        }
        catch (ValidationException)
        {
            Respond(request, flow, 404, "Not Found");
            return;
        }
        if (_subscriptions.Count >= _settings.MaxSubscriptions)
        {
            Respond(request, flow, 503, "Service Unavailable", r => r.Add("Retry-After", "60"));
            return;
        }
        _subscriptions[subscription.Key] = subscription;
        Watch(subscription);
        Respond(request, flow, 200, "OK", r => r.Add("Expires", granted.ToString(CultureInfo.InvariantCulture)).Add("Contact", $"<sip:{SentBy}>"), subscription.LocalTag);
        if (granted == 0)
        {
            // A fetch: one NOTIFY with the state, and the subscription ends with it.
            subscription.Ending = "terminated;reason=timeout";
        }
        else
        {
            lock (_expiries)
            {
                _expiries.Enqueue(subscription, subscription.ExpiresAt);
            }
        }
        await ReadStateAsync(subscription).ConfigureAwait(false);
        Kick(subscription);
    }

    private void Refresh(SipMessage request, SipFlow flow, SipPackage package, string remoteTag, string localTag, long granted, NameAddr? contact)
    {
        if (!_subscriptions.TryGetValue(DialogKey(request["Call-ID"]!, remoteTag, localTag), out var subscription) || subscription.Package != package)
        {
            Respond(request, flow, 481, "Subscription Does Not Exist");
            return;
        }
        lock (subscription)
        {
            if (subscription.Gone || subscription.Ending is not null)
            {
                Respond(request, flow, 481, "Subscription Does Not Exist");
                return;
            }
            if (request.CSeq.Number <= subscription.RemoteCSeq)
            {
                Respond(request, flow, 500, "Server Internal Error (CSeq out of order)", r => r.Add("Retry-After", "1"));
                return;
            }
            subscription.RemoteCSeq = request.CSeq.Number;
            subscription.Flow = flow;
            if (contact is not null && SipUri.TryParse(contact.Uri) is not null)
            {
                subscription.Target = contact.Uri;
            }
            if (granted == 0)
            {
                subscription.Ending = "terminated";
            }
            else
            {
                subscription.ExpiresAt = _time.GetUtcNow().AddSeconds(granted);
            }
        }
        if (granted > 0)
        {
            lock (_expiries)
            {
                _expiries.Enqueue(subscription, subscription.ExpiresAt);
            }
        }
        Respond(request, flow, 200, "OK", r => r.Add("Expires", granted.ToString(CultureInfo.InvariantCulture)).Add("Contact", $"<sip:{SentBy}>"));
        // A refresh is answered with a NOTIFY of the current state too (RFC 6665 4.2.1.2).
        lock (subscription)
        {
            subscription.Dirty = true;
        }
        Kick(subscription);
    }

    private static string DialogKey(string callId, string remoteTag, string localTag) => $"{callId}|{remoteTag}|{localTag}";

    private static string StripTag(string header)
    {
        var address = NameAddr.TryParse(header)!;
        var parameters = address.Parameters.Where(p => !p.Key.Equals("tag", StringComparison.OrdinalIgnoreCase))
            .Select(p => p.Value.Length == 0 ? $";{p.Key}" : $";{p.Key}={p.Value}");
        return $"<{address.Uri}>{string.Concat(parameters)}";
    }

    private IEnumerable<(EntityKind Kind, string Id)> WatchedBy(SipSubscription s)
    {
        if (s.Device is { } device)
        {
            yield return (EntityKind.Device, device.Value);
        }
        if (s.Mailbox is { } mailbox)
        {
            yield return (EntityKind.Mailbox, mailbox.Value);
        }
        if (s.Presentity is { } presentity)
        {
            yield return (EntityKind.Presence, presentity.Value);
        }
    }

    private void Watch(SipSubscription subscription)
    {
        lock (_watchers)
        {
            foreach (var key in WatchedBy(subscription))
            {
                if (!_watchers.TryGetValue(key, out var list))
                {
                    _watchers[key] = list = [];
                }
                list.Add(subscription);
            }
        }
    }

    private void Forget(SipSubscription subscription)
    {
        lock (subscription)
        {
            if (subscription.Gone)
            {
                return;
            }
            subscription.Gone = true;
        }
        _subscriptions.TryRemove(subscription.Key, out _);
        lock (_watchers)
        {
            foreach (var key in WatchedBy(subscription))
            {
                if (_watchers.TryGetValue(key, out var list))
                {
                    list.Remove(subscription);
                    if (list.Count == 0)
                    {
                        _watchers.Remove(key);
                    }
                }
            }
        }
    }

    /// <summary>Reads the current state of what a new subscription follows, unless the feed told it first (newer).</summary>
    private async Task ReadStateAsync(SipSubscription s)
    {
        DeviceSnapshot? device = null;
        MailboxSnapshot? mailbox = null;
        PresenceSnapshot? presence = null;
        try
        {
            device = s.Device is { } d ? await _service.GetDeviceAsync(d, _stop.Token).ConfigureAwait(false) : null;
            mailbox = s.Mailbox is { } m ? await _service.GetMailboxAsync(m, _stop.Token).ConfigureAwait(false) : null;
            presence = s.Presentity is { } p ? await _service.GetPresenceAsync(p, _stop.Token).ConfigureAwait(false) : null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.LogWarning("SIP: reading the state for a {Package} subscription of {User} failed: {Error}", s.PackageName, s.User, e.Message);
        }
        lock (s)
        {
            if (!s.Known)
            {
                s.DeviceState = device?.State;
                s.Counts = mailbox?.Counts;
                s.PresenceValue = presence?.Presence;
                s.Known = true;
            }
            s.Dirty = true;
        }
    }

    private void DispatchToSubscriptions(StateEvent change)
    {
        SipSubscription[] watchers;
        lock (_watchers)
        {
            if (!_watchers.TryGetValue((change.Kind, change.Id), out var list))
            {
                return;
            }
            watchers = [.. list];
        }
        foreach (var s in watchers)
        {
            bool changed;
            lock (s)
            {
                s.Known = true;
                switch (change)
                {
                    case DeviceStateEvent d:
                        DeviceState? state = d.Device.Views.Count == 0 ? null : d.Device.State;
                        changed = s.DeviceState != state;
                        s.DeviceState = state;
                        break;
                    case MailboxStateEvent m:
                        changed = s.Counts != m.Mailbox.Counts;
                        s.Counts = m.Mailbox.Counts;
                        break;
                    case PresenceStateEvent p:
                        changed = s.PresenceValue != p.Presence.Presence;
                        s.PresenceValue = p.Presence.Presence;
                        break;
                    default:
                        changed = false;
                        break;
                }
                if (changed)
                {
                    s.Dirty = true;
                }
            }
            if (changed)
            {
                Kick(s);
            }
        }
    }

    /// <summary>Sends the subscription's NOTIFY unless one is in flight (then the latest state follows it).</summary>
    private void Kick(SipSubscription s)
    {
        SipMessage notify;
        bool final;
        lock (s)
        {
            if (s.Gone || s.InFlight || !s.Dirty && s.Ending is null || !s.Known && s.Ending is null)
            {
                return;
            }
            s.InFlight = true;
            s.Dirty = false;
            final = s.Ending is not null;
            notify = BuildNotify(s);
        }
        _ = SendNotifyAsync(s, notify, final);
    }

    private SipMessage BuildNotify(SipSubscription s)
    {
        s.LocalCSeq++;
        var entity = $"sip:{s.User}@{_settings.Domain}";
        byte[] body;
        string type;
        switch (s.Package)
        {
            case SipPackage.Dialog:
                body = SipBodies.DialogInfo(entity, s.User, s.Version++, s.DeviceState);
                type = SipBodies.DialogInfoType;
                break;
            case SipPackage.MessageSummary:
                body = SipBodies.MessageSummary(entity, s.Counts);
                type = SipBodies.MessageSummaryType;
                break;
            default:
                body = SipBodies.Pidf(entity, s.User, s.DeviceState, s.PresenceValue);
                type = SipBodies.PidfType;
                break;
        }
        var left = Math.Max(0, (long)Math.Ceiling((s.ExpiresAt - _time.GetUtcNow()).TotalSeconds));
        var state = s.Ending ?? $"active;expires={left.ToString(CultureInfo.InvariantCulture)}";
        var notify = SipMessage.Request("NOTIFY", s.Target)
            .Add("Max-Forwards", "70")
            .Add("From", $"{s.Local};tag={s.LocalTag}")
            .Add("To", s.Remote)
            .Add("Call-ID", s.CallId)
            .Add("CSeq", $"{s.LocalCSeq.ToString(CultureInfo.InvariantCulture)} NOTIFY")
            .Add("Contact", $"<sip:{SentBy}>")
            .Add("Event", s.EventId is null ? s.PackageName : $"{s.PackageName};id={s.EventId}")
            .Add("Subscription-State", state)
            .Add("Content-Type", type);
        notify.Body = body;
        return notify;
    }

    private async Task SendNotifyAsync(SipSubscription s, SipMessage notify, bool final)
    {
        var answer = await RequestAsync(notify, s.Flow).ConfigureAwait(false);
        var ok = answer is { Status: >= 200 and < 300 };
        SipMetrics.Notified(s.PackageName, ok);
        if (!ok || final)
        {
            if (!ok && !final)
            {
                _log.LogDebug("SIP: a NOTIFY of {Package} for {User} to {Flow} {Outcome}: subscription ended", s.PackageName, s.User, s.Flow,
                    answer is null ? "timed out" : $"was answered {answer.Status}");
            }
            Forget(s);
            return;
        }
        lock (s)
        {
            s.InFlight = false;
        }
        Kick(s);
    }

    /// <summary>Subscriptions whose time is up get their last NOTIFY (terminated;reason=timeout).</summary>
    private void ExpireSubscriptions(DateTimeOffset now)
    {
        var due = new List<SipSubscription>();
        lock (_expiries)
        {
            while (_expiries.TryPeek(out var s, out var at) && at <= now)
            {
                _expiries.Dequeue();
                // A refreshed subscription has a later entry of its own; this one is stale.
                if (!s.Gone && s.ExpiresAt <= now)
                {
                    due.Add(s);
                }
            }
        }
        foreach (var s in due)
        {
            lock (s)
            {
                if (s.Ending is not null)
                {
                    continue;
                }
                s.Ending = "terminated;reason=timeout";
            }
            Kick(s);
        }
    }

    /// <summary>On shutdown: every subscriber is told its subscription ends (reason noresource), within <paramref name="within"/>.</summary>
    private async Task TerminateAllAsync(TimeSpan within)
    {
        var all = _subscriptions.Values.ToList();
        foreach (var s in all)
        {
            lock (s)
            {
                s.Ending ??= "terminated;reason=noresource";
            }
            Kick(s);
        }
        var deadline = _time.GetUtcNow() + within;
        while (!_subscriptions.IsEmpty && _time.GetUtcNow() < deadline)
        {
            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
