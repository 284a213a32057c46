using Akka.Actor;

namespace ActorPresence.Entities.Messages;

/// <summary>From the membership actor to the entity managers.</summary>
public static class MembershipNotices
{
    /// <summary>The telephony nodes other than this one: the direct path's peers.</summary>
    public sealed record PeersChanged(IReadOnlyList<Address> Peers);

    /// <summary>This incarnation of a node has been removed from the cluster (it left, or was downed).</summary>
    public sealed record NodeRemoved(string Node, long Incarnation);

    /// <summary>A telephony node came up or became reachable again: its replica and this node's may
    /// each hold what the other lacks (a partition, a restart), so every key is read from every node
    /// now rather than left to the next full-state gossip.</summary>
    public sealed record RepairReplica(string Reason);

    /// <summary>To the membership actor: send the current <see cref="PeersChanged"/> to <c>Manager</c>
    /// (a manager that restarted lost it).</summary>
    public sealed record RequestPeers(IActorRef Manager);
}
