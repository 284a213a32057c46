using ActorPresence.Domain;
using ActorPresence.Federation.Wire;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Federation;

/// <summary>Where a session writes what a peer sent: the gateway's internal writes into this cluster.</summary>
internal interface ISiteWriter
{
    /// <summary>Writes entries of one frame (at most one per entity); done when every one is answered.</summary>
    Task ApplyAsync(SiteId peer, IReadOnlyCollection<Inbound> entries, CancellationToken cancellationToken);

    /// <summary>Withdraws the peer's views of these devices (its aggregates expired or were not refreshed).</summary>
    Task WithdrawAsync(SiteId peer, IReadOnlyCollection<DeviceId> devices, CancellationToken cancellationToken);
}

/// <summary>
/// One stream between this site's gateway and a peer's, the same on the dialling and the accepting
/// side. Sends Hello, a snapshot of this site's exports in chunks, then the changes its outbox
/// collects (a heartbeat when there are none); receives the same from the peer and writes it into
/// this cluster, withdrawing the peer's device views that its snapshot did not refresh. Ends at the
/// first broken rule, failed write or lost stream; the dialler starts a new one, with a new snapshot.
/// </summary>
internal sealed class LinkSession(
    SiteId peer,
    ExportTable table,
    FederationSettings settings,
    PeerStatus status,
    ISiteWriter writer,
    TimeProvider clock,
    ILogger logger)
{
    public const uint Version = 1;

    /// <summary>Violations logged per session; the rest only counted.</summary>
    private const int LoggedViolations = 20;

    /// <summary>Snapshot and Changes frames sent but not yet acknowledged, at most: beyond that, changes
    /// wait in the outbox (coalescing per entity) rather than in the connection's buffers.</summary>
    public const int FramesInFlight = 4;

    private readonly TaskCompletionSource _helloReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HashSet<string>? _refreshed;
    private long _snapshotStarted;
    private long _snapshotEntries;
    private long _snapshotBytes;
    private int _loggedViolations;
    private PeerOutbox? _outbox;

    // Frames of entries this side sent, and how many of them the peer acknowledged.
    private long _framesSent;
    private long _framesAcked;

    // Frames of entries this side applied, and how many of them it acknowledged.
    private long _framesApplied;
    private long _framesAcknowledged;

    /// <summary>Completes once the peer's Hello arrived: the link is up.</summary>
    public Task HelloReceived => _helloReceived.Task;

    public async Task RunAsync(IAsyncStreamReader<Frame> input, IAsyncStreamWriter<Frame> output, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var outbox = table.Attach(settings.MaxPending);
        _outbox = outbox;
        status.Outbox = outbox;
        var started = false;
        try
        {
            var send = SendAsync(output, outbox, stop.Token);
            var receive = ReceiveAsync(input, stop.Token, () =>
            {
                started = true;
                status.SessionStarted(clock.GetUtcNow());
            });
            var first = await Task.WhenAny(send, receive).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(send, receive).ConfigureAwait(false);
            }
            catch when (first.IsCompletedSuccessfully || first.IsCanceled)
            {
                // The other side was cancelled because this one ended: not a failure of its own.
            }
            await first.ConfigureAwait(false);
        }
        finally
        {
            // A newer session of the same peer may have set its own already.
            if (status.Outbox == outbox)
            {
                status.Outbox = null;
            }
            if (started)
            {
                status.SessionEnded();
            }
        }
    }

    // ----- sending -----

    private async Task SendAsync(IAsyncStreamWriter<Frame> output, PeerOutbox outbox, CancellationToken cancellationToken)
    {
        await WriteAsync(output, new Frame { Hello = new Hello { Version = Version } }, 0, cancellationToken).ConfigureAwait(false);
        var snapshotDue = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await AcknowledgeAsync(output, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }
            if (WindowFull)
            {
                // The peer has not caught up: wait for its Ack (anything pending meanwhile coalesces).
                await outbox.WaitForWakeAsync(settings.HeartbeatInterval, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (snapshotDue || outbox.NeedsSnapshot)
            {
                snapshotDue = false;
                var snapshot = outbox.TakeSnapshot();
                await SendEntriesAsync(output, snapshot, snapshot: true, cancellationToken).ConfigureAwait(false);
                await WriteAsync(output, new Frame { SnapshotEnd = new SnapshotEnd { Entries = (ulong)snapshot.Count } }, 0, cancellationToken).ConfigureAwait(false);
                status.SnapshotSent();
                logger.LogInformation("Site link to {Peer}: snapshot of {Entries} entries sent", peer, snapshot.Count);
                continue;
            }
            var changes = outbox.TakeChanges(settings.SnapshotChunk);
            if (changes.Count > 0)
            {
                await SendEntriesAsync(output, changes, snapshot: false, cancellationToken).ConfigureAwait(false);
                continue;
            }
            var waited = clock.GetTimestamp();
            await outbox.WaitAsync(settings.HeartbeatInterval, cancellationToken).ConfigureAwait(false);
            if (clock.GetElapsedTime(waited) >= settings.HeartbeatInterval && outbox.Pending == 0 && !outbox.NeedsSnapshot)
            {
                await WriteAsync(output, new Frame { Heartbeat = new Heartbeat { Ticks = clock.GetUtcNow().UtcTicks } }, 0, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Entries in frames of at most snapshot-chunk entries and half the frame limit in bytes
    /// (the peer refuses a frame over its own limit).</summary>
    private async Task SendEntriesAsync(IAsyncStreamWriter<Frame> output, List<Entry> entries, bool snapshot, CancellationToken cancellationToken)
    {
        var budget = settings.MaxFrameBytes / 2;
        var chunk = Math.Min(settings.SnapshotChunk, SiteLinkCodec.MaxEntriesPerFrame);
        var batch = new Entries();
        var bytes = 0;
        foreach (var entry in entries)
        {
            var size = entry.CalculateSize() + 8;
            if (batch.Items.Count > 0 && (batch.Items.Count >= chunk || bytes + size > budget))
            {
                await FlushAsync().ConfigureAwait(false);
            }
            batch.Items.Add(entry);
            bytes += size;
        }
        if (batch.Items.Count > 0)
        {
            await FlushAsync().ConfigureAwait(false);
        }

        async Task FlushAsync()
        {
            // A snapshot goes out whole, but no faster than the peer applies it.
            while (WindowFull)
            {
                await _outbox!.WaitForWakeAsync(settings.HeartbeatInterval, cancellationToken).ConfigureAwait(false);
                await AcknowledgeAsync(output, cancellationToken).ConfigureAwait(false);
            }
            var frame = snapshot ? new Frame { Snapshot = batch } : new Frame { Changes = batch };
            _framesSent++;
            await WriteAsync(output, frame, batch.Items.Count, cancellationToken).ConfigureAwait(false);
            batch = new Entries();
            bytes = 0;
        }
    }

    /// <summary>Whether <see cref="FramesInFlight"/> frames of entries wait for the peer's Ack.</summary>
    private bool WindowFull => _framesSent - Interlocked.Read(ref _framesAcked) >= FramesInFlight;

    /// <summary>Sends an Ack for the frames applied since the last one; false when there were none.</summary>
    private async Task<bool> AcknowledgeAsync(IAsyncStreamWriter<Frame> output, CancellationToken cancellationToken)
    {
        var applied = Interlocked.Read(ref _framesApplied);
        if (applied <= _framesAcknowledged)
        {
            return false;
        }
        _framesAcknowledged = applied;
        await WriteAsync(output, new Frame { Ack = new Ack { Frames = (ulong)applied } }, 0, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task WriteAsync(IAsyncStreamWriter<Frame> output, Frame frame, int entries, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await output.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        status.Sent(entries, frame.CalculateSize());
    }

    // ----- receiving -----

    private async Task ReceiveAsync(IAsyncStreamReader<Frame> input, CancellationToken cancellationToken, Action onHello)
    {
        var hello = false;
        while (await input.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var frame = input.Current;
            var now = clock.GetUtcNow();
            if (!hello)
            {
                if (frame.BodyCase != Frame.BodyOneofCase.Hello)
                {
                    throw Violation($"the first frame must be hello, got {frame.BodyCase}");
                }
                if (frame.Hello.Version != Version)
                {
                    throw Violation($"link protocol version {frame.Hello.Version} is not {Version}");
                }
                hello = true;
                onHello();
                status.Heard(now, frame.CalculateSize());
                _helloReceived.TrySetResult();
                logger.LogInformation("Site link with {Peer} is up", peer);
                continue;
            }
            status.Heard(now, frame.CalculateSize());
            switch (frame.BodyCase)
            {
                case Frame.BodyOneofCase.Snapshot:
                    if (_refreshed is null)
                    {
                        _refreshed = new HashSet<string>(StringComparer.Ordinal);
                        _snapshotStarted = clock.GetTimestamp();
                        _snapshotEntries = 0;
                        _snapshotBytes = 0;
                    }
                    _snapshotEntries += frame.Snapshot.Items.Count;
                    _snapshotBytes += frame.CalculateSize();
                    await ApplyAsync(frame.Snapshot, snapshot: true, now, cancellationToken).ConfigureAwait(false);
                    Applied();
                    break;
                case Frame.BodyOneofCase.SnapshotEnd:
                    await EndSnapshotAsync(frame.SnapshotEnd, cancellationToken).ConfigureAwait(false);
                    break;
                case Frame.BodyOneofCase.Changes:
                    await ApplyAsync(frame.Changes, snapshot: false, now, cancellationToken).ConfigureAwait(false);
                    Applied();
                    break;
                case Frame.BodyOneofCase.Heartbeat:
                    status.Received(0, LagMs(now, frame.Heartbeat.Ticks));
                    break;
                case Frame.BodyOneofCase.Ack:
                    if ((long)frame.Ack.Frames > _framesSent || (long)frame.Ack.Frames < Interlocked.Read(ref _framesAcked))
                    {
                        throw Violation($"an ack of {frame.Ack.Frames} frames (sent {_framesSent}, acknowledged {Interlocked.Read(ref _framesAcked)})");
                    }
                    Interlocked.Exchange(ref _framesAcked, (long)frame.Ack.Frames);
                    _outbox?.Wake();
                    break;
                default:
                    throw Violation($"a frame of kind {frame.BodyCase} after hello");
            }
        }
    }

    private async Task ApplyAsync(Entries entries, bool snapshot, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (entries.Items.Count > SiteLinkCodec.MaxEntriesPerFrame)
        {
            throw Violation($"a frame of {entries.Items.Count} entries (at most {SiteLinkCodec.MaxEntriesPerFrame})");
        }
        // The latest entry per entity wins within a frame, so writes to one entity never race.
        var byKey = new Dictionary<EntityKey, Inbound>();
        double? lag = null;
        foreach (var entry in entries.Items)
        {
            Inbound inbound;
            try
            {
                inbound = SiteLinkCodec.Decode(entry);
            }
            catch (SiteLinkViolation e)
            {
                Refuse(e.Message);
                continue;
            }
            byKey[inbound.Key] = inbound;
            if (snapshot && inbound is InboundDevice { State: not null } device)
            {
                _refreshed!.Add(device.Device.Value);
            }
            if (!snapshot)
            {
                lag = LagMs(now, inbound switch
                {
                    InboundDevice d => d.Ticks,
                    InboundMailbox m => m.Ticks,
                    InboundPresence p => p.Ticks,
                    _ => 0,
                });
            }
        }
        await writer.ApplyAsync(peer, byKey.Values, cancellationToken).ConfigureAwait(false);
        status.Received(byKey.Count, lag);
    }

    /// <summary>A frame of entries is in this cluster: the send loop acknowledges it.</summary>
    private void Applied()
    {
        Interlocked.Increment(ref _framesApplied);
        _outbox?.Wake();
    }

    /// <summary>The peer's views that its snapshot did not refresh are gone there: withdrawn here.</summary>
    private async Task EndSnapshotAsync(SnapshotEnd end, CancellationToken cancellationToken)
    {
        var refreshed = _refreshed ?? [];
        var started = _refreshed is null ? clock.GetTimestamp() : _snapshotStarted;
        var (entries, bytes) = _refreshed is null ? (0L, 0L) : (_snapshotEntries, _snapshotBytes);
        _refreshed = null;
        var stale = table.DevicesWithViewOf(peer).Where(id => !refreshed.Contains(id)).Select(id => new DeviceId(id)).ToList();
        await writer.WithdrawAsync(peer, stale, cancellationToken).ConfigureAwait(false);
        var seconds = clock.GetElapsedTime(started).TotalSeconds;
        status.SnapshotReceived(new SnapshotReceipt(entries, seconds, bytes));
        logger.LogInformation("Site link from {Peer}: snapshot of {Entries} entries ({Bytes} bytes) received and applied in {Seconds:F2} s; {Withdrawn} device view(s) it no longer holds withdrawn",
            peer, end.Entries, bytes, seconds, stale.Count);
    }

    private static double? LagMs(DateTimeOffset now, long ticks) =>
        ticks > 0 ? Math.Max(0, (now.UtcTicks - ticks) / (double)TimeSpan.TicksPerMillisecond) : null;

    private void Refuse(string reason)
    {
        status.Refused();
        FederationMetrics.Refused(peer, "entry");
        if (_loggedViolations++ < LoggedViolations)
        {
            logger.LogWarning("Site link from {Peer}: entry refused: {Reason}", peer, reason);
        }
    }

    private SiteLinkViolation Violation(string reason)
    {
        status.Refused();
        FederationMetrics.Refused(peer, "frame");
        logger.LogWarning("Site link from {Peer}: {Reason}; closing the link", peer, reason);
        return new SiteLinkViolation(reason);
    }
}
