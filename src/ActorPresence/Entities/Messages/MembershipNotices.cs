using Akka.Actor;

namespace ActorPresence.Entities.Messages;

/// <summary>From the membership actor to the entity managers.</summary>
public static class MembershipNotices
{
    /// <summary>The telephony nodes other than this one: the direct path's peers.</summary>
    public sealed record PeersChanged(IReadOnlyList<Address> Peers);

    /// <summary>This incarnation of a node has been removed from the cluster (it left, or was downed).</summary>
    public sealed record NodeRemoved(string Node, long Incarnation);

    /// <summary>Read from other nodes now rather than at the next full-state gossip: this node has
    /// just joined (<paramref name="FromEveryNode"/> false: one other node holds what the cluster
    /// converged on), or a node became reachable again after a partition (true: each side may hold
    /// writes the other lacks). Only the keys whose digest differs from the same manager's on one of
    /// <paramref name="Peers"/> (the node that is up, or reachable again) are repaired, by fetching
    /// from that peer the entities that differ; every key is read whole when none is named or a peer
    /// does not send its digests.</summary>
    public sealed record RepairReplica(string Reason, bool FromEveryNode, IReadOnlyCollection<Address> Peers) : IRepairMessage;

    /// <summary>To the membership actor: send the current <see cref="PeersChanged"/> to <c>Manager</c>
    /// (a manager that restarted lost it).</summary>
    public sealed record RequestPeers(IActorRef Manager);
}
