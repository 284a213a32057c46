using ActorPresence.Domain;

namespace ActorPresence;

/// <summary>
/// A write was not acknowledged in time: it may have been applied or not. The node keeps working on
/// it; read the entity to find out, or write the value again (writes set a value, so repeating one
/// is safe).
/// </summary>
public sealed class WriteOutcomeUnknownException(EntityKind kind, string id, TimeSpan timeout, Exception? inner = null)
    : TimeoutException(
        $"the write of {kind.Name()} '{id}' was not acknowledged within {timeout.TotalSeconds:0.###} s; its outcome is unknown " +
        "(it may still be applied): read it to find out, or write it again",
        inner)
{
    public EntityKind Kind { get; } = kind;

    public string Id { get; } = id;
}

/// <summary>
/// A write reached this node's replica but was not kept as asked: its durable store failed to commit
/// it. The change is in memory and on its way to the other nodes, not on this node's disk.
/// </summary>
public sealed class WriteFailedException(string message) : Exception(message);

/// <summary>This node's pipeline for a kind of entity is not running (it stopped after repeated failures).</summary>
public sealed class PipelineUnavailableException(string message) : Exception(message);
