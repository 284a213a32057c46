using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using static ActorPresence.Entities.Messages.MembershipNotices;

namespace ActorPresence.Membership;

/// <summary>
/// Follows cluster membership for the entity managers: tells them which telephony nodes are their
/// peers on the direct path, and tells them when an incarnation of a node has been removed (it
/// left, or was downed): its device views are withdrawn everywhere, and what it sent only by the
/// direct path is written to distributed data by the survivors. When this node joins, or another
/// telephony node becomes reachable again, it asks the managers to repair their replicas at once
/// (see <see cref="RepairReplica"/>): full-state gossip runs only every few seconds.
/// </summary>
public sealed class MembershipActor : ReceiveActor
{
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly IReadOnlyList<IActorRef> _managers;
    private readonly string _role;
    private readonly Dictionary<UniqueAddress, Member> _members = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _joinRepaired;
    private bool _selfUpSeen;

    public MembershipActor(IReadOnlyList<IActorRef> managers, string role)
    {
        _managers = managers;
        _role = role;

        Receive<ClusterEvent.MemberRemoved>(m =>
        {
            _members.Remove(m.Member.UniqueAddress);
            PublishPeers();
            if (m.Member.HasRole(_role) && !m.Member.UniqueAddress.Equals(_cluster.SelfUniqueAddress)
                && NodeNameOf(m.Member) is { } name)
            {
                _log.Info("Member {0} ({1}) removed after {2}", name, m.Member.UniqueAddress, m.PreviousStatus);
                foreach (var manager in _managers)
                {
                    manager.Tell(new NodeRemoved(name, m.Member.UniqueAddress.Uid));
                }
            }
        });
        Receive<ClusterEvent.IMemberEvent>(m =>
        {
            _members[m.Member.UniqueAddress] = m.Member;
            PublishPeers();
            // A node that is joining reads the cluster's state from one of the nodes already Up, once.
            // Those nodes read nothing from it: it brings nothing they lack beyond what its direct
            // path and the full-state gossip carry. Joining means: another member was seen Up before
            // this one was (the events' order, not the cluster's current state, which may already
            // show this node Up when the event is handled).
            if (m is ClusterEvent.MemberUp self && self.Member.UniqueAddress.Equals(_cluster.SelfUniqueAddress))
            {
                _selfUpSeen = true;
            }
            else if (m is ClusterEvent.MemberUp up && up.Member.HasRole(_role) && !_joinRepaired && !_selfUpSeen)
            {
                _joinRepaired = true;
                Repair($"joined; {NodeNameOf(up.Member) ?? up.Member.Address.ToString()} is up", fromEveryNode: false, up.Member.Address);
            }
        });
        Receive<ClusterEvent.ReachableMember>(m =>
        {
            if (m.Member.HasRole(_role) && !m.Member.UniqueAddress.Equals(_cluster.SelfUniqueAddress))
            {
                Repair($"{NodeNameOf(m.Member) ?? m.Member.Address.ToString()} is reachable again", fromEveryNode: true, m.Member.Address);
            }
        });
        Receive<ClusterEvent.UnreachableMember>(_ => { });
        Receive<RequestPeers>(m => m.Manager.Tell(Peers()));
    }

    public static Props Props(IReadOnlyList<IActorRef> managers, string role) =>
        Akka.Actor.Props.Create(() => new MembershipActor(managers, role));

    /// <summary>The node name a member carries in its roles, or null for a member that is not ours.</summary>
    public static string? NodeNameOf(Member member) =>
        member.Roles.FirstOrDefault(r => r.StartsWith(ActorPresenceConfig.NodeRolePrefix, StringComparison.Ordinal))
            ?[ActorPresenceConfig.NodeRolePrefix.Length..];

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.ReachableMember), typeof(ClusterEvent.UnreachableMember));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Repair(string reason, bool fromEveryNode, Address peer)
    {
        var repair = new RepairReplica(reason, fromEveryNode, [peer]);
        foreach (var manager in _managers)
        {
            manager.Tell(repair);
        }
    }

    private void PublishPeers()
    {
        var message = Peers();
        foreach (var manager in _managers)
        {
            manager.Tell(message);
        }
    }

    private PeersChanged Peers()
    {
        var peers = _members.Values
            .Where(m => m.HasRole(_role)
                        && !m.UniqueAddress.Equals(_cluster.SelfUniqueAddress)
                        && m.Status is MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up or MemberStatus.Leaving)
            .Select(m => m.Address)
            .OrderBy(a => a.ToString(), StringComparer.Ordinal)
            .ToList();
        return new PeersChanged(peers);
    }
}
