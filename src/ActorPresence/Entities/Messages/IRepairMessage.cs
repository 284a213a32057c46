namespace ActorPresence.Entities.Messages;

/// <summary>
/// The messages of a replica repair, between the membership actor, a manager and the same manager on
/// other nodes (<see cref="MembershipNotices.RepairReplica"/>, the key digests and a key's differing
/// entities with their queries, and the repair's own timeouts): one receive of the manager hands them
/// all to its <see cref="ReplicaReads"/>.
/// </summary>
public interface IRepairMessage;
