using ActorPresence.Diagnostics;
using ActorPresence.Domain;
using ActorPresence.Entities;
using ActorPresence.Membership;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.DistributedData;

namespace ActorPresence;

/// <summary>
/// The ActorPresence actors of one ActorSystem, started once (an Akka extension): the three entity
/// managers and the membership actor. <see cref="Get"/> starts them on first use.
/// </summary>
public sealed class ActorPresenceRuntime : IExtension
{
    internal ActorPresenceRuntime(ExtendedActorSystem system)
    {
        System = system;
        Settings = ActorPresenceSettings.FromConfig(system.Settings.Config);
        var setup = system.Settings.Setup.Get<ActorPresenceSetup>();
        if (setup.HasValue)
        {
            Settings = Settings with { Clock = setup.Value.Clock };
        }
        var cluster = Cluster.Get(system);
        var nameRole = ActorPresenceConfig.NodeRole(Settings.NodeName);
        if (!cluster.SelfRoles.Contains(Settings.Role) || !cluster.SelfRoles.Contains(nameRole))
        {
            throw new ConfigurationException(
                $"ActorPresence needs the cluster roles '{Settings.Role}' and '{nameRole}' (got [{string.Join(", ", cluster.SelfRoles)}]); " +
                "build the configuration with ActorPresenceConfig.Build or WithActorPresence");
        }
        ActorPresenceMetrics.Get(system);
        var replicator = DistributedData.Get(system).Replicator;
        long incarnation = cluster.SelfUniqueAddress.Uid;
        Devices = system.ActorOf(EntityManager.Props(DeviceModel.Instance, Settings, replicator, incarnation), DeviceModel.Instance.ManagerName);
        Mailboxes = system.ActorOf(EntityManager.Props(MailboxModel.Instance, Settings, replicator, incarnation), MailboxModel.Instance.ManagerName);
        Presence = system.ActorOf(EntityManager.Props(PresenceModel.Instance, Settings, replicator, incarnation), PresenceModel.Instance.ManagerName);
        Membership = system.ActorOf(MembershipActor.Props([Devices, Mailboxes, Presence], Settings.Role), "ap-membership");
    }

    public ActorSystem System { get; }

    public ActorPresenceSettings Settings { get; }

    public IActorRef Devices { get; }

    public IActorRef Mailboxes { get; }

    public IActorRef Presence { get; }

    public IActorRef Membership { get; }

    public IActorRef ManagerFor(EntityKind kind) => kind switch
    {
        EntityKind.Device => Devices,
        EntityKind.Mailbox => Mailboxes,
        EntityKind.Presence => Presence,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static ActorPresenceRuntime Get(ActorSystem system) => system.WithExtension<ActorPresenceRuntime, ActorPresenceRuntimeProvider>();
}

/// <summary>What ActorPresence takes from code rather than configuration, passed in with the actor system's setup.</summary>
public sealed class ActorPresenceSetup(TimeProvider clock) : Akka.Actor.Setup.Setup
{
    public TimeProvider Clock { get; } = clock;
}

public sealed class ActorPresenceRuntimeProvider : ExtensionIdProvider<ActorPresenceRuntime>
{
    public override ActorPresenceRuntime CreateExtension(ExtendedActorSystem system) => new(system);
}
