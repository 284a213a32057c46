using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ActorPresence.Domain;
using Akka.Actor;
using Akka.Cluster;

namespace ActorPresence.Diagnostics;

/// <summary>
/// The metrics of one node (one ActorSystem), on the process-wide <see cref="Meter"/> named
/// <see cref="MeterName"/> that any OpenTelemetry or <see cref="MeterListener"/> in the process can
/// collect. Every measurement carries a <c>node</c> tag with the node name, so several nodes in one
/// process (as in the tests) stay apart. There is one meter and one set of instruments for the
/// whole process, whatever the number of nodes: listeners identify an instrument by meter and
/// instrument name, and a second meter of the same name, disposed with its node, would end the
/// other nodes' series too. Counters and the histogram are written by the actors as changes
/// happen; the gauges read snapshots the entity managers publish after each read of their
/// replica, and the cluster's own state, so a collection never waits on an actor.
/// </summary>
public sealed class ActorPresenceMetrics : IExtension
{
    /// <summary>The meter's name: what a host passes to <c>AddMeter</c>.</summary>
    public const string MeterName = "ActorPresence";

    private static readonly MemberStatus[] Statuses = Enum.GetValues<MemberStatus>();

    /// <summary>Nodes of this process whose gauges are observed: added at start, removed at termination.</summary>
    private static readonly ConcurrentDictionary<ActorPresenceMetrics, bool> Nodes = new();

    private static readonly Meter Meter = new(MeterName, typeof(ActorPresenceMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Counter<long> Changes = Meter.CreateCounter<long>(
        "actorpresence.changes", "{change}",
        "Changes this node accepted, by kind and origin (local: written here; replicated: from another node, by either path).");

    /// <summary>Bucket boundaries in seconds: a direct-path change takes milliseconds, a gap filled by
    /// distributed data hundreds of them, a joining node's catch-up more.</summary>
    private static readonly Histogram<double> Delay = Meter.CreateHistogram<double>(
        "actorpresence.propagation.delay", "s",
        "Time from a change's write stamp on its node to its acceptance here, for changes from other nodes, by path (direct or replica).",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });

    static ActorPresenceMetrics()
    {
        Meter.CreateObservableGauge(
            "actorpresence.subscriptions", () => Observe(n => [new(Volatile.Read(ref n._subscriptions), n._node)]), "{subscription}",
            "Open subscriptions to state changes (the event stream's clients among them).");
        Meter.CreateObservableGauge(
            "actorpresence.entities", () => Observe(n => n.ObserveEntities()), "{entity}",
            "Entities of each kind this node holds: in its replica of distributed data or ahead of it (state=held), and as live entity actors (state=live).");
        Meter.CreateObservableGauge(
            "actorpresence.ddata.keys", () => Observe(n => n.ObserveKeyCounts()), "{key}",
            "Distributed-data keys of each kind (fixed by actorpresence.key-count).");
        Meter.CreateObservableGauge(
            "actorpresence.ddata.key.entities", () => Observe(n => n.ObserveKeySizes()), "{entity}",
            "Entities in each distributed-data key of this node's replica.");
        Meter.CreateObservableGauge(
            "actorpresence.cluster.members", () => Observe(n => n.ObserveMembers()), "{member}",
            "Cluster members as this node sees them, by status.");
        Meter.CreateObservableGauge(
            "actorpresence.cluster.unreachable", () => Observe(n => [new(n._cluster.State.Unreachable.Count, n._node)]), "{member}",
            "Members this node's failure detector marks unreachable.");
    }

    private readonly Cluster _cluster;
    private readonly KeyValuePair<string, object?> _node;
    private readonly ManagerSnapshot?[] _managers = new ManagerSnapshot?[Enum.GetValues<EntityKind>().Length];
    private int _subscriptions;

    internal ActorPresenceMetrics(ExtendedActorSystem system)
    {
        NodeName = ActorPresenceSettings.NodeNameOf(system.Settings.Config).Value;
        _node = new("node", NodeName);
        _cluster = Cluster.Get(system);
        Nodes[this] = true;
        // A stopped node's gauges are no longer reported.
        system.RegisterOnTermination(() => Nodes.TryRemove(this, out _));
    }

    public string NodeName { get; }

    public static ActorPresenceMetrics Get(ActorSystem system) => system.WithExtension<ActorPresenceMetrics, ActorPresenceMetricsProvider>();

    /// <summary>A change written on this node.</summary>
    internal void LocalChange(EntityKind kind) => Changes.Add(1, _node, KindTag(kind), new("origin", "local"));

    /// <summary>A change from another node accepted here, <paramref name="stamped"/> at its writer.</summary>
    internal void ReplicatedChange(EntityKind kind, bool direct, DateTimeOffset stamped, DateTimeOffset now)
    {
        var kindTag = KindTag(kind);
        Changes.Add(1, _node, kindTag, new("origin", "replicated"));
        var delay = Math.Max(0, (now - stamped).TotalSeconds);
        Delay.Record(delay, _node, kindTag, new("path", direct ? "direct" : "replica"));
    }

    internal void SubscriptionOpened() => Interlocked.Increment(ref _subscriptions);

    internal void SubscriptionClosed() => Interlocked.Decrement(ref _subscriptions);

    /// <summary>What a manager holds, published by the manager itself (see <see cref="ManagerSnapshot"/>).</summary>
    internal void Publish(EntityKind kind, ManagerSnapshot snapshot) => Volatile.Write(ref _managers[(int)kind], snapshot);

    private static KeyValuePair<string, object?> KindTag(EntityKind kind) => new("kind", kind.Name());

    private static IEnumerable<Measurement<int>> Observe(Func<ActorPresenceMetrics, IEnumerable<Measurement<int>>> observe) =>
        Nodes.Keys.SelectMany(observe);

    private IEnumerable<(EntityKind Kind, ManagerSnapshot Snapshot)> Snapshots()
    {
        for (var i = 0; i < _managers.Length; i++)
        {
            if (Volatile.Read(ref _managers[i]) is { } snapshot)
            {
                yield return ((EntityKind)i, snapshot);
            }
        }
    }

    private IEnumerable<Measurement<int>> ObserveEntities()
    {
        foreach (var (kind, snapshot) in Snapshots())
        {
            yield return new(snapshot.Entities, _node, KindTag(kind), new("state", "held"));
            yield return new(snapshot.LiveEntities, _node, KindTag(kind), new("state", "live"));
        }
    }

    private IEnumerable<Measurement<int>> ObserveKeyCounts()
    {
        foreach (var (kind, snapshot) in Snapshots())
        {
            yield return new(snapshot.KeyEntities.Count, _node, KindTag(kind));
        }
    }

    private IEnumerable<Measurement<int>> ObserveKeySizes()
    {
        foreach (var (kind, snapshot) in Snapshots())
        {
            for (var i = 0; i < snapshot.KeyEntities.Count; i++)
            {
                yield return new(snapshot.KeyEntities[i], _node, KindTag(kind), new("key", snapshot.KeyIds[i]));
            }
        }
    }

    private IEnumerable<Measurement<int>> ObserveMembers()
    {
        var counts = new Dictionary<MemberStatus, int>();
        foreach (var member in _cluster.State.Members)
        {
            counts[member.Status] = counts.GetValueOrDefault(member.Status) + 1;
        }
        // Every status, zeros included, so a series does not vanish when its last member moves on.
        foreach (var status in Statuses)
        {
            yield return new(counts.GetValueOrDefault(status), _node, new("status", status.ToString()));
        }
    }
}

/// <summary>
/// What an entity manager holds, as of its last complete read of the replica: immutable, so the
/// metric callbacks read it from any thread.
/// </summary>
/// <param name="Entities">Entities in the replica plus those held ahead of it.</param>
/// <param name="LiveEntities">Entity actors running.</param>
/// <param name="KeyIds">The kind's distributed-data key ids, in key order.</param>
/// <param name="KeyEntities">Entities in each key of the replica, in key order.</param>
internal sealed record ManagerSnapshot(int Entities, int LiveEntities, IReadOnlyList<string> KeyIds, IReadOnlyList<int> KeyEntities);

public sealed class ActorPresenceMetricsProvider : ExtensionIdProvider<ActorPresenceMetrics>
{
    public override ActorPresenceMetrics CreateExtension(ExtendedActorSystem system) => new(system);
}
