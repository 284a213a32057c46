using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using ActorPresence.Domain;
using ActorPresence.Entities;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Sip;

/// <summary>
/// A node's SIP edge: the transport, the transaction layer (RFC 3261 17, non-INVITE only), who may talk
/// (allow list, per-source rate, digest) and the dispatch of requests to the subscription, publication
/// and registration handlers. Follows every state change of the node through one subscription and
/// hands each to the subscriptions and Asterisk peers that want it.
/// </summary>
internal sealed partial class SipEdge : IAsyncDisposable
{
    public const string Allow = "REGISTER, SUBSCRIBE, NOTIFY, PUBLISH, OPTIONS";

    /// <summary>RFC 3261's T2: the longest interval between retransmissions of a non-INVITE request.</summary>
    private static readonly TimeSpan T2 = TimeSpan.FromSeconds(4);

    private readonly SipSettings _settings;
    private readonly ActorPresenceService _service;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly SipTransport _transport;
    private readonly DigestAuthenticator? _digest;
    private readonly SourceRateLimiter _rates;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, ServerTransaction> _serverTransactions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<SipMessage>> _clientTransactions = new(StringComparer.Ordinal);
    private readonly List<Task> _loops = [];
    private readonly List<AsteriskPeerLink> _peers;
    private IStateSubscription? _feed;

    public SipEdge(SipSettings settings, ActorPresenceService service, ILogger log, TimeProvider? time = null)
    {
        _settings = settings;
        _service = service;
        _log = log;
        _time = time ?? TimeProvider.System;
        _transport = new SipTransport(settings, log, Handle) { Dropped = (flow, why) => Refuse(flow, "tcp", why) };
        _digest = settings.Users.Count > 0 ? new DigestAuthenticator(settings.Domain, settings.Users, _time) : null;
        _rates = new SourceRateLimiter(settings.PerSourceRate, settings.PerSourceBurst, _time);
        _peers = settings.AsteriskPeers.Select(p => new AsteriskPeerLink(this, p)).ToList();
    }

    public IPEndPoint LocalEndPoint => _transport.LocalEndPoint;

    public SipSettings Settings => _settings;

    internal ILogger Log => _log;

    internal Task<SipFlow?> ConnectAsync(IPEndPoint remote) => _transport.ConnectAsync(remote);

    /// <summary>Whether <paramref name="mailbox"/>'s counts are those the Asterisk server <paramref name="eid"/> last published.</summary>
    internal bool CameFrom(MailboxSnapshot mailbox, AsteriskEid eid) =>
        _mailboxesFrom.TryGetValue(mailbox.Id.Value, out var from) && from.Eid.Equals(eid) && from.Counts == mailbox.Counts;

    /// <summary>Asterisk's refresh: the whole device and mailbox state to the server <paramref name="eid"/>, through its
    /// configured link, else straight back to where the request came from.</summary>
    private async Task SendEverythingAsync(AsteriskEid eid, SipFlow flow)
    {
        try
        {
            if (_peers.FirstOrDefault(p => p.Eid.Equals(eid)) is { } peer)
            {
                await peer.OfferEverythingAsync(_service, _stop.Token).ConfigureAwait(false);
                return;
            }
            var uri = $"sip:{(flow.Remote.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{flow.Remote.Address}]" : flow.Remote.Address.ToString())}:{flow.Remote.Port}";
            var once = new AsteriskPeerLink(this, new AsteriskPeer(eid, uri), flow);
            await once.OfferEverythingAsync(_service, _stop.Token).ConfigureAwait(false);
            await once.RunAsync(_stop.Token, untilIdle: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.LogWarning("SIP: sending everything to Asterisk {Eid} failed: {Error}", eid, e.Message);
        }
    }

    public long SubscriptionCount => _subscriptions.Count;

    public long PublicationCount => _publications.Count;

    public long PendingOut => _peers.Sum(p => (long)p.Pending);

    /// <summary>Binds the sockets and starts following the node's state.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Everything, so a subscription or an Asterisk peer learns of any entity; the current state
        // sent first goes to the peers (their initial publication) and costs nothing else.
        _feed = await _service.SubscribeAsync([SubscriptionFilter.Everything], 1_000_000, cancellationToken).ConfigureAwait(false);
        _transport.Start();
        _loops.Add(Task.Run(FeedLoopAsync));
        _loops.Add(Task.Run(TimerLoopAsync));
        foreach (var peer in _peers)
        {
            _loops.Add(Task.Run(() => peer.RunAsync(_stop.Token)));
        }
        SipMetrics.Register(this);
        _log.LogInformation("SIP edge on {Endpoint} (UDP and TCP), domain {Domain}; digest {Digest}; Asterisk peers {Peers}; EID {Eid}",
            LocalEndPoint, _settings.Domain, _digest is null ? "off" : $"on ({_settings.Users.Count} users)",
            _peers.Count == 0 ? "none" : string.Join(", ", _settings.AsteriskPeers.Select(p => $"{p.Eid}={p.Uri}")), _settings.Eid);
    }

    // ----- receiving -----

    private void Handle(SipParseResult result, SipFlow flow)
    {
        var message = result.Message;
        if (!IsAllowed(flow.Remote.Address))
        {
            Refuse(flow, "not-allowed", "source not in the allow list");
            if (result.Status == SipParseStatus.Ok && message!.IsRequest && message.Method != "ACK")
            {
                Respond(message, flow, 403, "Forbidden");
            }
            return;
        }
        switch (result.Status)
        {
            case SipParseStatus.Garbage:
                Refuse(flow, "garbage", result.Error);
                return;
            case SipParseStatus.Bad:
                Refuse(flow, "malformed", result.Error);
                if (result.CanAnswer && _rates.TryTake(flow.Remote.Address))
                {
                    Respond(message!, flow, 400, "Bad Request (" + Printable(result.Error) + ")");
                }
                return;
        }
        if (!message!.IsRequest)
        {
            OnResponse(message);
            return;
        }
        if (message.Method == "ACK")
        {
            return;
        }
        if (!_rates.TryTake(flow.Remote.Address))
        {
            Refuse(flow, "rate", "over the per-source rate");
            return;
        }
        var key = TransactionKey(message);
        var transaction = new ServerTransaction(_time.GetUtcNow() + 64 * _settings.T1);
        var existing = _serverTransactions.GetOrAdd(key, transaction);
        if (!ReferenceEquals(existing, transaction))
        {
            // A retransmission: the answer again, or nothing while it is being worked out.
            if (existing.Response is { } response)
            {
                _ = _transport.SendAsync(flow, response, isRequest: false);
            }
            return;
        }
        var ruri = message.RequestUri;
        if (ruri is null || SipUri.TryParse(ruri) is null)
        {
            var unsupported = ruri is not null && !ruri.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) && !ruri.StartsWith("sips:", StringComparison.OrdinalIgnoreCase);
            Respond(message, flow, unsupported ? 416 : 400, unsupported ? "Unsupported URI Scheme" : "Bad Request (request-URI)");
            return;
        }
        _ = DispatchAsync(message, flow);
    }

    private async Task DispatchAsync(SipMessage request, SipFlow flow)
    {
        try
        {
            switch (request.Method)
            {
                case "OPTIONS":
                    Respond(request, flow, 200, "OK", r => r.Add("Allow", Allow).Add("Accept", $"{SipBodies.JsonType}, {SipBodies.PidfType}").Add("Allow-Events", AllowEvents));
                    break;
                case "REGISTER":
                    if (Authenticate(request, flow))
                    {
                        Register(request, flow);
                    }
                    break;
                case "SUBSCRIBE":
                    await SubscribeAsync(request, flow).ConfigureAwait(false);
                    break;
                case "PUBLISH":
                    await PublishAsync(request, flow).ConfigureAwait(false);
                    break;
                case "NOTIFY" or "BYE" or "CANCEL" or "INFO" or "PRACK" or "UPDATE" or "MESSAGE" or "REFER":
                    // The edge holds no dialog these could belong to.
                    Respond(request, flow, request.Method == "MESSAGE" ? 405 : 481, request.Method == "MESSAGE" ? "Method Not Allowed" : "Call/Transaction Does Not Exist",
                        r => r.Add("Allow", Allow));
                    break;
                case "INVITE":
                    Respond(request, flow, 405, "Method Not Allowed", r => r.Add("Allow", Allow));
                    break;
                default:
                    Respond(request, flow, 501, "Not Implemented", r => r.Add("Allow", Allow));
                    break;
            }
        }
        catch (Exception e)
        {
            _log.LogError(e, "SIP: {Method} from {Flow} failed", request.Method, flow);
            Respond(request, flow, 500, "Server Internal Error");
        }
    }

    /// <summary>REGISTER (RFC 3261 10): answered with the contacts and the expiry granted to each (its own
    /// expires parameter, else the Expires header, else the default; at most max-expires); nothing is stored.</summary>
    private void Register(SipMessage request, SipFlow flow)
    {
        var contacts = request.Values("Contact").ToList();
        if (contacts.Count == 1 && contacts[0] == "*")
        {
            Respond(request, flow, 200, "OK", r => r.Add("Expires", "0"));
            return;
        }
        var asked = request.Expires ?? _settings.DefaultExpires;
        var granted = new List<(string Uri, long Expires)>();
        foreach (var contact in contacts)
        {
            if (NameAddr.TryParse(contact) is not { } address || SipUri.TryParse(address.Uri) is null)
            {
                Respond(request, flow, 400, "Bad Request (Contact)");
                return;
            }
            var expires = address.Parameters.TryGetValue("expires", out var own)
                ? long.TryParse(own, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1
                : asked;
            if (expires < 0)
            {
                Respond(request, flow, 400, "Bad Request (Contact expires)");
                return;
            }
            if (Grant(request, flow, expires) is not { } grant)
            {
                return;
            }
            granted.Add((address.Uri, grant));
        }
        Respond(request, flow, 200, "OK", r =>
        {
            foreach (var (uri, expires) in granted.Where(g => g.Expires > 0))
            {
                r.Add("Contact", $"<{uri}>;expires={expires.ToString(CultureInfo.InvariantCulture)}");
            }
            r.Add("Expires", Math.Min(asked, _settings.MaxExpires).ToString(CultureInfo.InvariantCulture));
        });
    }

    /// <summary>The expiry granted for <paramref name="asked"/> seconds: 0 stays 0, anything else at most max-expires.
    /// Null when it is below min-expires, which has been answered 423 with Min-Expires (RFC 3261 10.3, RFC 6665
    /// 4.2.1.1, RFC 3903 6).</summary>
    private long? Grant(SipMessage request, SipFlow flow, long asked)
    {
        if (asked != 0 && asked < _settings.MinExpires)
        {
            Respond(request, flow, 423, "Interval Too Brief", r => r.Add("Min-Expires", _settings.MinExpires.ToString(CultureInfo.InvariantCulture)));
            return null;
        }
        return Math.Min(asked, _settings.MaxExpires);
    }

    /// <summary>Digest authentication when users are configured: true to go on; otherwise answered 401 or 403.</summary>
    private bool Authenticate(SipMessage request, SipFlow flow)
    {
        if (_digest is null)
        {
            return true;
        }
        switch (_digest.Check(request, out var stale))
        {
            case DigestOutcome.Accepted:
                return true;
            case DigestOutcome.Missing:
                Respond(request, flow, 401, "Unauthorized", r => r.Add("WWW-Authenticate", _digest.Challenge(stale)));
                return false;
            default:
                Refuse(flow, "digest", "wrong credentials");
                Respond(request, flow, 403, "Forbidden");
                return false;
        }
    }

    private bool IsAllowed(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        foreach (var network in _settings.Allow)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }

    private void Refuse(SipFlow flow, string what, string? why)
    {
        SipMetrics.Refused(what);
        _log.LogDebug("SIP: refused from {Flow} ({What}): {Why}", flow, what, why);
    }

    // ----- answering -----

    /// <summary>Answers a request (RFC 3261 8.2.6): its Via, From, Call-ID and CSeq, its To with a tag, and
    /// the answer kept for the transaction so a retransmitted request gets the same one.</summary>
    private void Respond(SipMessage request, SipFlow flow, int status, string reason, Action<SipMessage>? extra = null, string? toTag = null)
    {
        var response = SipMessage.Response(status, reason);
        var first = true;
        foreach (var via in request.Values("Via"))
        {
            response.Add("Via", first ? Received(via, flow) : via);
            first = false;
        }
        response.Add("From", request["From"]!);
        var to = request["To"]!;
        if (NameAddr.TryParse(to)?.Tag is null && status > 100)
        {
            to += ";tag=" + (toTag ?? NewTag());
        }
        response.Add("To", to);
        response.Add("Call-ID", request["Call-ID"]!);
        response.Add("CSeq", request["CSeq"]!);
        response.Add("Server", "ActorPresence");
        extra?.Invoke(response);
        var bytes = response.ToBytes();
        if (_serverTransactions.TryGetValue(TransactionKey(request), out var transaction))
        {
            transaction.Response = bytes;
        }
        SipMetrics.Answered(request.Method!, status);
        _ = _transport.SendAsync(flow, bytes, isRequest: false);
    }

    /// <summary>The top Via with received and rport filled in (RFC 3261 18.2.1, RFC 3581).</summary>
    private static string Received(string via, SipFlow flow)
    {
        var parsed = Via.TryParse(via);
        if (parsed is null)
        {
            return via;
        }
        var text = via;
        var address = flow.Remote.Address.IsIPv4MappedToIPv6 ? flow.Remote.Address.MapToIPv4() : flow.Remote.Address;
        if (!parsed.Parameters.ContainsKey("received") && parsed.Host != address.ToString())
        {
            text += ";received=" + address;
        }
        if (parsed.Parameters.TryGetValue("rport", out var rport) && rport.Length == 0)
        {
            text = text.Replace(";rport;", $";rport={flow.Remote.Port};", StringComparison.Ordinal);
            if (text.EndsWith(";rport", StringComparison.Ordinal))
            {
                text = text[..^";rport".Length] + $";rport={flow.Remote.Port}";
            }
        }
        return text;
    }

    private static string TransactionKey(SipMessage request)
    {
        var via = Via.TryParse(request.Values("Via").FirstOrDefault() ?? "");
        var method = request.Method == "ACK" ? "INVITE" : request.Method;
        if (via?.Branch is { } branch && branch.StartsWith("z9hG4bK", StringComparison.Ordinal))
        {
            return $"{branch}|{via.Host}:{via.Port}|{method}";
        }
        // RFC 2543 peers: the request's identity stands in for the branch.
        return $"{request["Call-ID"]}|{NameAddr.TryParse(request["From"])?.Tag}|{request.CSeq.Number}|{method}";
    }

    private static string Printable(string? text) =>
        new((text ?? "").Where(c => c is >= ' ' and <= '~').Take(80).ToArray());

    internal static string NewTag() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    // ----- the node's state -----

    private async Task FeedLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var feed = _feed!;
            try
            {
                await foreach (var change in feed.Events.ReadAllAsync(_stop.Token).ConfigureAwait(false))
                {
                    OnState(change);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is SubscriptionOverflowException or SubscriptionSourceLostException)
            {
                _log.LogWarning("SIP edge: the node's change feed ended ({Error}); following it again and refreshing every subscription", e.Message);
            }
            if (_stop.IsCancellationRequested)
            {
                return;
            }
            await feed.DisposeAsync().ConfigureAwait(false);
            try
            {
                _feed = await _service.SubscribeAsync([SubscriptionFilter.Everything], 1_000_000, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _log.LogWarning("SIP edge: following the node's changes failed ({Error}); trying again", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), _time, _stop.Token).ConfigureAwait(false);
            }
        }
    }

    private void OnState(StateEvent change)
    {
        DispatchToSubscriptions(change);
        TrackAsteriskViews(change);
        foreach (var peer in _peers)
        {
            peer.Offer(change);
        }
    }

    private async Task TimerLoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var now = _time.GetUtcNow();
                foreach (var (key, transaction) in _serverTransactions)
                {
                    if (transaction.ForgetAt <= now)
                    {
                        _serverTransactions.TryRemove(key, out _);
                    }
                }
                ExpireSubscriptions(now);
                await ExpirePublicationsAsync(now).ConfigureAwait(false);
                await SweepAsteriskViewsAsync(now).ConfigureAwait(false);
                _rates.Sweep();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        SipMetrics.Unregister(this);
        // Subscribers hear that their subscriptions end (best effort, briefly).
        await TerminateAllAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
        if (_feed is not null)
        {
            await _feed.DisposeAsync().ConfigureAwait(false);
        }
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private sealed class ServerTransaction(DateTimeOffset forgetAt)
    {
        public DateTimeOffset ForgetAt { get; } = forgetAt;

        public byte[]? Response { get; set; }
    }
}
