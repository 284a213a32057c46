using ActorPresence.Domain;
using ActorPresence.Entities.Messages;

namespace ActorPresence.Replication;

/// <summary>
/// Asked of the same manager on another node before a repair: the digest of each key of its replica
/// (as its replica view last read it), so that the repair reads only the keys that differ instead of
/// every key. <see cref="Round"/> comes back in the answer, so an answer to an earlier repair is
/// recognised and dropped.
/// </summary>
public sealed record KeyDigestsQuery(EntityKind Kind, long Round) : IActorPresenceWireMessage, IRepairMessage;

/// <summary>
/// The answer to <see cref="KeyDigestsQuery"/>: one digest per key, in the key space's order
/// (<see cref="KeySpace"/>); 0 for a key the answering node has not read yet, which differs from
/// every digest.
/// </summary>
public sealed record KeyDigests(EntityKind Kind, long Round, IReadOnlyList<ulong> Digests) : IActorPresenceWireMessage, IRepairMessage
{
    /// <summary>Most keys a key space has (actorpresence.key-count); more in a frame is malformed.</summary>
    public const int MaxKeys = 4096;

    // Value equality over the list's contents (a record compares a list by reference).
    public bool Equals(KeyDigests? other) =>
        other is not null && Kind == other.Kind && Round == other.Round && Digests.SequenceEqual(other.Digests);

    public override int GetHashCode() => HashCode.Combine(Kind, Round, Digests.Count);
}
