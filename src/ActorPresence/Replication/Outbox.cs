using ActorPresence.Domain;
using ActorPresence.Entities.Messages;
using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using static ActorPresence.Entities.Messages.EntityHandshake;

namespace ActorPresence.Replication;

/// <summary>
/// Takes the changes written on this node, of one kind, out by both paths: at once to the other
/// nodes (<see cref="DirectPath"/>) and into the local replica (<see cref="ReplicaWriter"/>), whose
/// answer acknowledges the writer. Entity actors send it their changes directly, so a change never
/// goes back through the manager. A child of the kind's manager.
/// </summary>
internal sealed class Outbox : UntypedActor, IWithTimers
{
    private readonly EntityKind _kind;
    private readonly KeySpace _keys;
    private readonly IActorRef _replicator;
    private readonly bool _directPathEnabled;
    private readonly TimeSpan _resolveTimeout;
    private readonly DirectPath _direct;
    private readonly ReplicaWriter _writer;
    private readonly Func<Address, ActorPath> _peerPath;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public Outbox(EntityKind kind, KeySpace keys, IActorRef replicator, bool directPathEnabled, TimeSpan resolveTimeout, Func<Address, ActorPath> peerPath)
    {
        _kind = kind;
        _keys = keys;
        _replicator = replicator;
        _directPathEnabled = directPathEnabled;
        _resolveTimeout = resolveTimeout;
        _peerPath = peerPath;
        _direct = new DirectPath(kind, address => Context.ActorSelection(peerPath(address)));
        _writer = new ReplicaWriter(keys, PatienceMs);
    }

    /// <summary>How long an unanswered update may hold back the next one of its key. Commits take
    /// milliseconds; only a stuck durable store takes this long.</summary>
    private const long PatienceMs = 1000;

    private static long Now => Environment.TickCount64;

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(CheckOverdue.Instance, CheckOverdue.Instance, TimeSpan.FromMilliseconds(PatienceMs));
        var self = Self;
        // A .NET timer, not Akka's scheduler: that one ticks every 10 ms.
        _flushTimer = new Timer(_ => self.Tell(FlushDirect.Instance), null, Timeout.Infinite, Timeout.Infinite);
    }

    protected override void PostStop() => _flushTimer?.Dispose();

    /// <summary>
    /// The first change since the last flush goes out with the changes that arrive before the flush
    /// is processed. While this node writes fewer than <see cref="DirectPace.BusyRate"/> changes a
    /// second the flush is at once (one message per change or so: latency first); above it, at most
    /// one message per peer per <see cref="BatchDelayMs"/> ms, so that remoting costs per batch,
    /// not per change (profiled: at 9,000 new entities a second, 1.2 changes per message).
    /// </summary>
    private void ScheduleFlush(bool busy)
    {
        if (busy)
        {
            _flushTimer!.Change(BatchDelayMs, Timeout.Infinite);
        }
        else
        {
            Self.Tell(FlushDirect.Instance);
        }
    }

    /// <summary>How long a change may wait for others while the node is busy.</summary>
    private const int BatchDelayMs = 1;

    private Timer? _flushTimer;
    private readonly DirectPace _pace = new();

    public static Props Props(EntityKind kind, KeySpace keys, IActorRef replicator, bool directPathEnabled, TimeSpan resolveTimeout, Func<Address, ActorPath> peerPath) =>
        Akka.Actor.Props.Create(() => new Outbox(kind, keys, replicator, directPathEnabled, resolveTimeout, peerPath));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case LocalChange change:
                if (change.Entry is { } entry && !change.ReplicaOnly && _directPathEnabled)
                {
                    var busy = _pace.Busy(Now);
                    if (_direct.Add(change.Id, entry))
                    {
                        ScheduleFlush(busy);
                    }
                }
                if (_writer.Add(change.Id, change.Entry, change.ReplyTo, change.Ack, Now) is { } batch)
                {
                    Send(batch);
                }
                break;
            case FlushDirect:
                _direct.Flush(Self);
                break;
            case CheckOverdue:
                foreach (var overdue in _writer.Overdue(Now))
                {
                    _log.Warning("{0}: an update of {1} has waited over {2} ms for the replica (its durable store?); sending the next one anyway",
                        _kind, _keys.Keys[overdue.Key].Id, PatienceMs);
                    Send(overdue);
                }
                break;
            case UpdateSuccess success:
                Completed(success.Request, null);
                break;
            case IUpdateFailure failure:
                _log.Error("{0}: the local replica did not take an update of {1}: {2}", _kind, failure.Key, failure.GetType().Name);
                Completed(failure.Request, new WriteFailedException(
                    $"this node's replica did not keep the write ({failure.GetType().Name} for {failure.Key}): the change is in memory " +
                    "and on its way to the other nodes, but its durable store failed to commit it"));
                break;
            case MembershipNotices.PeersChanged peers:
                foreach (var address in _direct.SetPeers(peers.Peers))
                {
                    Context.ActorSelection(_peerPath(address)).ResolveOne(_resolveTimeout).PipeTo(
                        Self,
                        success: peer => new PeerResolved(address, peer),
                        failure: _ => new PeerResolved(address, null));
                }
                _log.Info("{0}: {1} peer(s) for the direct path", _kind, _direct.PeerCount);
                break;
            case PeerResolved { Peer: { } peer } resolved:
                _direct.Resolved(resolved.Address, peer);
                break;
            case PeerResolved:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Send(ReplicaWriter.Batch batch) =>
        _replicator.Tell(Dsl.Update(_keys.Keys[batch.Key], EntityMap.Empty, WriteLocal.Instance, batch, batch.ApplyTo));

    private void Completed(object? request, Exception? failure)
    {
        if (request is ReplicaWriter.Batch batch && _writer.Completed(batch, failure, Now) is { } next)
        {
            Send(next);
        }
    }

    private sealed record PeerResolved(Address Address, IActorRef? Peer);

    private sealed class FlushDirect : INotInfluenceReceiveTimeout, IDeadLetterSuppression
    {
        public static readonly FlushDirect Instance = new();
    }

    private sealed class CheckOverdue : INotInfluenceReceiveTimeout, IDeadLetterSuppression
    {
        public static readonly CheckOverdue Instance = new();
    }
}
