using ActorPresence.Domain;
using ActorPresence.Entities.Messages;

namespace ActorPresence.Replication;

/// <summary>
/// Asked of one peer during a repair, for one key whose digest differs from the peer's
/// (<see cref="KeyDigests"/>): the digest of every entity this node holds in that key
/// (<see cref="EntityMap.ItemDigests"/>, ascending). The peer answers with <see cref="KeyItems"/>:
/// only the entities it holds otherwise, so a heal after a partition moves what was written
/// meanwhile rather than whole keys from every node.
/// </summary>
public sealed record KeyItemsQuery(EntityKind Kind, long Round, int Key, IReadOnlyList<ulong> Held) : IActorPresenceWireMessage, IRepairMessage
{
    /// <summary>Most entity digests in one query (1.6 MB, under the remoting frame size); a node that
    /// holds more in a key reads it whole instead.</summary>
    public const int MaxHeld = 200_000;

    // Value equality over the list's contents (a record compares a list by reference).
    public bool Equals(KeyItemsQuery? other) =>
        other is not null && Kind == other.Kind && Round == other.Round && Key == other.Key && Held.SequenceEqual(other.Held);

    public override int GetHashCode() => HashCode.Combine(Kind, Round, Key, Held.Count);
}

/// <summary>
/// The answer to <see cref="KeyItemsQuery"/>: the entities of the key that the asker lacks or holds
/// in another state. When <see cref="Complete"/> is false the peer sent nothing (it has not read its
/// replica yet, or more than <see cref="MaxItems"/> differ): the asker then reads the whole key
/// through distributed data, as a repair did before.
/// </summary>
public sealed record KeyItems(EntityKind Kind, long Round, int Key, bool Complete, EntityMap Items) : IActorPresenceWireMessage, IRepairMessage
{
    /// <summary>Most entities in one answer. What a repair takes in goes to the other nodes as a delta
    /// of distributed data, and a second's deltas travel in one remoting frame; more differing than
    /// this is read whole (distributed data's read repair sends no delta).</summary>
    public const int MaxItems = 256;

    public static KeyItems Incomplete(EntityKind kind, long round, int key) => new(kind, round, key, false, EntityMap.Empty);
}
