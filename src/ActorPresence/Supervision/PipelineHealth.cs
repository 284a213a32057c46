using ActorPresence.Domain;

namespace ActorPresence.Supervision;

public enum PipelineState
{
    /// <summary>Created, reading its replica for the first time.</summary>
    Starting,

    Up,

    /// <summary>Failed; restarting (its subscribers were asked to subscribe again).</summary>
    Restarting,

    /// <summary>Stopped after failing too often; this node no longer serves the kind.</summary>
    Stopped,
}

/// <param name="Detail">Why it is not up (the failure), or null.</param>
public sealed record PipelineStatus(PipelineState State, string? Detail, DateTimeOffset Since);

/// <summary>
/// Whether each kind's pipeline (its entity manager and what runs under it) is up on this node,
/// written by the supervisor and read from any thread: readiness probes and the facade.
/// </summary>
public sealed class PipelineHealth(TimeProvider clock)
{
    private readonly PipelineStatus[] _status =
        EntityKinds.All.Select(_ => new PipelineStatus(PipelineState.Starting, null, clock.GetUtcNow())).ToArray();

    public PipelineStatus this[EntityKind kind] => Volatile.Read(ref _status[(int)kind]);

    public IReadOnlyList<(EntityKind Kind, PipelineStatus Status)> All() =>
        EntityKinds.All.Select(k => (k, this[k])).ToList();

    internal void Set(EntityKind kind, PipelineState state, string? detail) =>
        Volatile.Write(ref _status[(int)kind], new PipelineStatus(state, detail, clock.GetUtcNow()));
}
