using ActorPresence.Domain;
using ActorPresence.Supervision;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;

namespace ActorPresence.Diagnostics;

/// <summary>The outcome of one readiness probe, with details for an operator.</summary>
public sealed record HealthProbe(bool Healthy, string Description, IReadOnlyDictionary<string, object> Data);

/// <summary>Asked of the durable store (<see cref="Replication.SqliteDurableStore"/>); answered with <see cref="DurableStoreProbed"/>.</summary>
public sealed record ProbeDurableStore
{
    public static readonly ProbeDurableStore Instance = new();
}

/// <param name="Writable">Whether the store's file is in place and a write to it committed.</param>
public sealed record DurableStoreProbed(bool Writable, string Path, string Detail);

/// <summary>
/// Readiness probes of one node, for a host's health checks (the node process maps them to
/// <c>/readyz</c>): is this node an Up cluster member, are its entity managers up, does its
/// distributed-data replicator answer, can its durable store still write.
/// </summary>
public static class ActorPresenceHealth
{
    /// <summary>Name of the durable store actor under the replicator (Akka.DistributedData's own choice).</summary>
    private const string DurableStoreName = "durableStore";

    /// <summary>Healthy once this node is an Up member of its cluster.</summary>
    public static HealthProbe ClusterMember(ActorSystem system)
    {
        var cluster = Cluster.Get(system);
        var status = cluster.SelfMember.Status;
        var data = new Dictionary<string, object>
        {
            ["status"] = status.ToString(),
            ["address"] = cluster.SelfAddress.ToString(),
            ["members"] = cluster.State.Members.Count,
        };
        if (status == MemberStatus.Up)
        {
            return new HealthProbe(true, "this node is an Up cluster member", data);
        }
        // Before it joins, Akka shows a node's own member as Removed.
        var why = status == MemberStatus.Removed && cluster.State.Members.Count == 0
            ? "this node has not joined a cluster yet (Removed, not Up)"
            : $"this node is {status}, not Up";
        return new HealthProbe(false, why, data);
    }

    /// <summary>Healthy when every kind's pipeline (its entity manager and what runs under it) is up.
    /// Null on a node that holds no state (a dedicated seed).</summary>
    public static HealthProbe? Pipelines(ActorSystem system)
    {
        if (!system.HasExtension<ActorPresenceRuntime>())
        {
            return null;
        }
        var statuses = ActorPresenceRuntime.Get(system).Health.All();
        var data = statuses.ToDictionary(s => s.Kind.Name(), s => (object)s.Status.State.ToString());
        var down = statuses.Where(s => s.Status.State != PipelineState.Up).ToList();
        if (down.Count == 0)
        {
            return new HealthProbe(true, "every kind's manager is up", data);
        }
        var why = string.Join("; ", down.Select(s => $"{s.Kind.Name()}: {s.Status.State}{(s.Status.Detail is { } d ? $" ({d})" : "")}"));
        return new HealthProbe(false, why, data);
    }

    /// <summary>Healthy when the replicator answers a question within <paramref name="timeout"/>. A node
    /// without the replicated role (a dedicated seed) has none and is healthy.</summary>
    public static async Task<HealthProbe> ReplicatorAsync(ActorSystem system, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var ddata = DistributedData.Get(system);
        if (ddata.IsTerminated)
        {
            return new HealthProbe(true, "this node keeps no replica (not in the replicated role)", new Dictionary<string, object>());
        }
        try
        {
            var count = await ddata.Replicator.Ask<ReplicaCount>(Dsl.GetReplicaCount, timeout, cancellationToken);
            return new HealthProbe(true, "the replicator answers", new Dictionary<string, object> { ["replicas"] = count.N });
        }
        catch (AskTimeoutException)
        {
            return new HealthProbe(false, $"the replicator did not answer within {timeout.TotalSeconds:0.###} s", new Dictionary<string, object>());
        }
    }

    /// <summary>Null when this node has no durable keys; otherwise healthy when the store's file is in
    /// place and takes a write within <paramref name="timeout"/>.</summary>
    public static async Task<HealthProbe?> DurableStoreAsync(ActorSystem system, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var ddata = DistributedData.Get(system);
        if (ddata.IsTerminated || !ddata.IsDurable)
        {
            return null;
        }
        var store = system.ActorSelection(ddata.Replicator.Path / DurableStoreName);
        try
        {
            var probed = await store.Ask<DurableStoreProbed>(ProbeDurableStore.Instance, timeout, cancellationToken);
            var data = new Dictionary<string, object> { ["path"] = probed.Path };
            return new HealthProbe(probed.Writable, probed.Detail, data);
        }
        catch (AskTimeoutException)
        {
            return new HealthProbe(false, $"the durable store did not answer within {timeout.TotalSeconds:0.###} s", new Dictionary<string, object>());
        }
    }
}
