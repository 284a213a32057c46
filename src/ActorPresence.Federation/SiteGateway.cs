using System.Collections.Concurrent;
using ActorPresence.Domain;
using ActorPresence.Federation.Wire;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Federation;

/// <summary>
/// This site's gateway, running on one node at a time (a cluster singleton starts and stops it). It
/// follows every change in its cluster through one subscription (the <see cref="ExportTable"/>),
/// dials each peer site whose id is greater than its own and accepts links from those whose id is
/// smaller, and withdraws a peer's device views once it has been silent for expire-after.
/// </summary>
public sealed class SiteGateway : IAsyncDisposable
{
    /// <summary>Unread changes the gateway's subscription may hold before it is ended and taken again.</summary>
    private const int SubscriptionBuffer = 1_000_000;

    private readonly ActorPresenceService _service;
    private readonly FederationSettings _settings;
    private readonly FederationCredentials _credentials;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ExportTable _table = new();
    private readonly Dictionary<SiteId, PeerStatus> _peers;
    private readonly Dictionary<SiteId, FederationPeer> _addresses;
    private readonly ConcurrentDictionary<SiteId, CancellationTokenSource> _accepted = new();
    private readonly ConcurrentDictionary<SiteId, CancellationTokenSource> _dialed = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly SiteWriter _writer;

    internal SiteGateway(ActorPresenceService service, SiteId site, FederationSettings settings, FederationCredentials credentials, TimeProvider clock, ILogger logger)
    {
        _service = service;
        Site = site;
        _settings = settings;
        _credentials = credentials;
        _clock = clock;
        _logger = logger;
        var now = clock.GetUtcNow();
        _peers = settings.Peers.ToDictionary(p => p.Site, p => new PeerStatus(p.Site, now));
        _addresses = settings.Peers.ToDictionary(p => p.Site);
        _writer = new SiteWriter(service);
    }

    public SiteId Site { get; }

    public ExportTable Exports => _table;

    /// <summary>Whether this site dials <paramref name="peer"/> (the lower site id dials) or waits for it.</summary>
    public bool Dials(SiteId peer) => string.CompareOrdinal(Site.Value, peer.Value) < 0;

    public IReadOnlyList<PeerReport> Reports() => _peers.Values.Select(p => p.Report()).OrderBy(r => r.Site).ToList();

    /// <summary>Takes this cluster's current state, then starts the links.</summary>
    internal async Task StartAsync(CancellationToken cancellationToken)
    {
        var subscription = await SubscribeAsync(cancellationToken).ConfigureAwait(false);
        _loops.Add(Task.Run(() => FollowAsync(subscription, _stop.Token), CancellationToken.None));
        foreach (var peer in _settings.Peers.Where(p => Dials(p.Site)))
        {
            _loops.Add(Task.Run(() => DialAsync(peer, _stop.Token), CancellationToken.None));
        }
        _loops.Add(Task.Run(() => MonitorAsync(_stop.Token), CancellationToken.None));
        _logger.LogInformation("Site gateway of {Site} started: {Exports} entities to export; dials [{Dialled}], accepts [{Accepted}]",
            Site, _table.Count,
            string.Join(", ", _settings.Peers.Where(p => Dials(p.Site)).Select(p => p.Site)),
            string.Join(", ", _settings.Peers.Where(p => !Dials(p.Site)).Select(p => p.Site)));
    }

    /// <summary>Subscribes to everything and takes in the current state that is already queued, so that
    /// the first snapshot sent and the first one received see this cluster's state.</summary>
    private async Task<IStateSubscription> SubscribeAsync(CancellationToken cancellationToken)
    {
        var subscription = await _service.SubscribeAsync([SubscriptionFilter.Everything], SubscriptionBuffer, cancellationToken).ConfigureAwait(false);
        while (subscription.Events.TryRead(out var e))
        {
            _table.Observe(e);
        }
        return subscription;
    }

    private async Task FollowAsync(IStateSubscription subscription, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in subscription.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    _table.Observe(e);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Fell behind or lost its source: subscribing again brings every current state again.
                _logger.LogWarning(e, "Site gateway: its subscription ended ({Reason}); subscribing again", e.Message);
            }
            await subscription.DisposeAsync().ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            try
            {
                await Task.Delay(_settings.ReconnectAfter, _clock, cancellationToken).ConfigureAwait(false);
                subscription = await SubscribeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Site gateway: subscribing again failed; trying again");
            }
        }
        await subscription.DisposeAsync().ConfigureAwait(false);
    }

    // ----- links -----

    /// <summary>A peer's stream arrived at this node's federation port (its certificate already checked).</summary>
    internal async Task AcceptAsync(SiteId peer, IAsyncStreamReader<Frame> input, IAsyncStreamWriter<Frame> output, CancellationToken callCancelled)
    {
        if (!_peers.TryGetValue(peer, out var status))
        {
            FederationMetrics.Refused(peer, "site");
            throw new RpcException(new Grpc.Core.Status(StatusCode.PermissionDenied, $"site '{peer}' is not a configured peer of '{Site}'"));
        }
        if (Dials(peer))
        {
            FederationMetrics.Refused(peer, "direction");
            throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, $"'{Site}' dials '{peer}' (the lower site id dials), not the other way"));
        }
        using var session = CancellationTokenSource.CreateLinkedTokenSource(callCancelled, _stop.Token);
        // One stream per pair of sites: a new one from the same peer replaces the old (which the peer
        // has given up on, or which a network cut left half open).
        if (_accepted.TryGetValue(peer, out var previous))
        {
            _logger.LogInformation("Site link from {Peer}: a new stream replaces the one still open", peer);
            await previous.CancelAsync().ConfigureAwait(false);
        }
        _accepted[peer] = session;
        try
        {
            await new LinkSession(peer, _table, _settings, status, _writer, _clock, _logger).RunAsync(input, output, session.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (session.IsCancellationRequested)
        {
            _logger.LogInformation("Site link from {Peer} closed ({Why})", peer,
                _stop.IsCancellationRequested ? "this gateway is stopping"
                : callCancelled.IsCancellationRequested ? "the peer ended the call"
                : status.Expired ? $"silent for {_settings.ExpireAfter.TotalSeconds:F0} s"
                : "a newer stream replaced it");
        }
        catch (SiteLinkViolation e)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, e.Message));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
        {
            // A frame over max-frame-bytes: gRPC refused to read it.
            status.Refused();
            FederationMetrics.Refused(peer, "frame");
            _logger.LogWarning("Site link from {Peer}: a frame over {Limit} bytes; closing the link ({Detail})", peer, _settings.MaxFrameBytes, e.Status.Detail);
            throw;
        }
        catch (Exception e) when (e is not RpcException)
        {
            _logger.LogWarning("Site link from {Peer} ended: {Reason}", peer, e.Message);
            throw;
        }
        finally
        {
            _accepted.TryRemove(new KeyValuePair<SiteId, CancellationTokenSource>(peer, session));
        }
    }

    private async Task DialAsync(FederationPeer peer, CancellationToken cancellationToken)
    {
        var status = _peers[peer.Site];
        var backoff = _settings.ReconnectAfter;
        while (!cancellationToken.IsCancellationRequested)
        {
            var linked = false;
            foreach (var address in peer.Addresses)
            {
                var session = new LinkSession(peer.Site, _table, _settings, status, _writer, _clock, _logger);
                // Ended by MonitorAsync when the peer stays silent for expire-after (see EndSessions).
                using var silence = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                _dialed[peer.Site] = silence;
                try
                {
                    using var channel = Channel(peer.Site, address);
                    var client = new SiteLink.SiteLinkClient(channel);
                    using var call = client.Link(cancellationToken: silence.Token);
                    await session.RunAsync(call.ResponseStream, call.RequestStream, silence.Token).ConfigureAwait(false);
                    _logger.LogInformation("Site link to {Peer} via {Address} ended by the peer", peer.Site, address);
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    var why = silence.IsCancellationRequested
                        ? $"silent for {_settings.ExpireAfter.TotalSeconds:F0} s; dialling again"
                        : e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : e.Message;
                    if (session.HelloReceived.IsCompleted)
                    {
                        _logger.LogWarning("Site link to {Peer} via {Address} lost: {Reason}", peer.Site, address, why);
                    }
                    else
                    {
                        _logger.LogInformation("Site link to {Peer}: {Address} did not take the link: {Reason}", peer.Site, address, why);
                    }
                }
                finally
                {
                    _dialed.TryRemove(new KeyValuePair<SiteId, CancellationTokenSource>(peer.Site, silence));
                }
                if (session.HelloReceived.IsCompleted)
                {
                    linked = true;
                    break;
                }
            }
            backoff = linked ? _settings.ReconnectAfter : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _settings.ReconnectAfter.Ticks * 10));
            try
            {
                await Task.Delay(linked ? _settings.ReconnectAfter : backoff, _clock, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private GrpcChannel Channel(SiteId peer, PeerAddress address)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingDelay = _settings.PingInterval,
            KeepAlivePingTimeout = _settings.PingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            SslOptions =
            {
                ClientCertificates = [_credentials.Certificate],
                RemoteCertificateValidationCallback = _credentials.ServerValidator(peer, reason =>
                {
                    FederationMetrics.Refused(peer, "certificate");
                    _logger.LogWarning("Site link to {Peer} via {Address}: server certificate refused: {Reason}", peer, address, reason);
                }),
            },
        };
        return GrpcChannel.ForAddress($"https://{address}", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = _settings.MaxFrameBytes,
            MaxSendMessageSize = _settings.MaxFrameBytes,
        });
    }

    // ----- silence -----

    private async Task MonitorAsync(CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, _settings.StaleAfter.Ticks / 4));
        using var timer = new PeriodicTimer(period, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var status in _peers.Values)
                {
                    if (status.Check(_clock.GetUtcNow(), _settings.StaleAfter, _settings.ExpireAfter))
                    {
                        await EndSessionsAsync(status.Site).ConfigureAwait(false);
                        await ExpireAsync(status.Site, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Ends the streams with a peer silent for expire-after, so that the dialling side dials again. HTTP/2
    /// pings were meant to end such a connection, but a connection whose bytes a network holds back (rather
    /// than drops) was seen to stay open and silent long after the network returned, with neither side's
    /// ping timing out; a new connection carries the link at once.
    /// </summary>
    private async Task EndSessionsAsync(SiteId peer)
    {
        foreach (var sessions in new[] { _dialed, _accepted })
        {
            if (sessions.TryGetValue(peer, out var session))
            {
                try
                {
                    await session.CancelAsync().ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    // That session ended on its own meanwhile.
                }
            }
        }
    }

    /// <summary>A peer silent for expire-after: its device views go, so no lamp stays lit for a site that
    /// went away. Its mailbox and presence values stay (they name the site they came from).</summary>
    private async Task ExpireAsync(SiteId peer, CancellationToken cancellationToken)
    {
        var devices = _table.DevicesWithViewOf(peer).Select(id => new DeviceId(id)).ToList();
        try
        {
            await _writer.WithdrawAsync(peer, devices, cancellationToken).ConfigureAwait(false);
            _logger.LogWarning("Site {Peer} silent for {Seconds:F0} s: its views of {Devices} device(s) withdrawn",
                peer, _settings.ExpireAfter.TotalSeconds, devices.Count);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogError(e, "Site {Peer} silent for {Seconds:F0} s: withdrawing its views of {Devices} device(s) failed; the next snapshot will retry",
                peer, _settings.ExpireAfter.TotalSeconds, devices.Count);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
        }
        _stop.Dispose();
    }

    /// <summary>Writes what peers send into this cluster, through the gateway's internal writes, many
    /// entities of a kind in one message to its manager.</summary>
    private sealed class SiteWriter(ActorPresenceService service) : ISiteWriter
    {
        public Task ApplyAsync(SiteId peer, IReadOnlyCollection<Inbound> entries, CancellationToken cancellationToken)
        {
            var devices = entries.OfType<InboundDevice>().Select(d => (d.Device, d.State)).ToList();
            var mailboxes = entries.OfType<InboundMailbox>().Select(m => (m.Mailbox, m.Counts, m.Ticks, m.Writer)).ToList();
            var presences = entries.OfType<InboundPresence>().Select(p => (p.Presentity, p.Presence, p.Ticks, p.Writer)).ToList();
            return Task.WhenAll(
                service.SetSiteViewsAsync(peer, devices, cancellationToken),
                service.ImportMailboxesAsync(peer, mailboxes, cancellationToken),
                service.ImportPresencesAsync(peer, presences, cancellationToken));
        }

        public Task WithdrawAsync(SiteId peer, IReadOnlyCollection<DeviceId> devices, CancellationToken cancellationToken) =>
            service.SetSiteViewsAsync(peer, devices.Select(d => (d, (DeviceState?)null)).ToList(), cancellationToken);
    }
}
