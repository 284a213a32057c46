using Akka.Actor;

namespace ActorPresence.Entities.Messages;

/// <summary>From the membership actor to the entity managers.</summary>
public static class MembershipNotices
{
    /// <summary>The telephony nodes other than this one: the direct path's peers.</summary>
    public sealed record PeersChanged(IReadOnlyList<Address> Peers);

    /// <summary>This incarnation of a node has been removed from the cluster (it left, or was downed).</summary>
    public sealed record NodeRemoved(string Node, long Incarnation);

    /// <summary>To the membership actor: send the current <see cref="PeersChanged"/> to <c>Manager</c>
    /// (a manager that restarted lost it).</summary>
    public sealed record RequestPeers(IActorRef Manager);
}
