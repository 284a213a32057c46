using ActorPresence.Domain;

namespace ActorPresence.Entities.Messages;

/// <summary>Reads asked of an entity manager.</summary>
public static class EntityQueries
{
    /// <summary>Answered with <see cref="CurrentState"/>.</summary>
    public sealed record GetEntity(string Id) : IEntityMessage;

    /// <param name="Event">The entity's state as an initial event, or null when it has none.</param>
    public sealed record CurrentState(StateEvent? Event);

    /// <summary>Ids of one kind that have state, in ordinal order, after <c>After</c>; answered with
    /// <see cref="IdList"/> from a read of the replica made after the question arrived, so a write
    /// acknowledged before it is listed.</summary>
    public sealed record ListIds(string Prefix, string? After, int Limit);

    public sealed record IdList(IReadOnlyList<string> Ids);

    /// <summary>Answered with <see cref="ManagerStats"/>.</summary>
    public sealed record GetStats
    {
        public static readonly GetStats Instance = new();
    }

    /// <param name="LiveEntities">Entity actors running on this node.</param>
    /// <param name="Entities">Entities with an entry in the local replica or held ahead of it.</param>
    /// <param name="Peers">Nodes the direct path sends to.</param>
    /// <param name="Subscribers">Subscribers registered with this manager (of one entity or of a prefix).</param>
    /// <param name="ReplicaPolls">Completed reads of every key from the local replica since the manager started.</param>
    /// <param name="Repairs">Repairs of the replica since the manager started: every key read from every node.</param>
    public sealed record ManagerStats(int LiveEntities, int Entities, int Peers, int Subscribers, long ReplicaPolls, long Repairs);
}
