using ActorPresence.Diagnostics;
using ActorPresence.Domain;
using ActorPresence.Supervision;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.DistributedData;

namespace ActorPresence;

/// <summary>
/// The ActorPresence actors of one ActorSystem, started once (an Akka extension): a supervisor with
/// the three entity managers and the membership actor under it. <see cref="Get"/> starts them on first use.
/// </summary>
public sealed class ActorPresenceRuntime : IExtension
{
    internal ActorPresenceRuntime(ExtendedActorSystem system)
    {
        QuietLeakDetector();
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
        Health = new PipelineHealth(Settings.Clock);
        var refs = new TaskCompletionSource<ManagerRefs>(TaskCreationOptions.RunContinuationsAsynchronously);
        Supervisor = system.ActorOf(ActorPresenceSupervisor.Props(Settings, replicator, incarnation, Health, refs), ActorPresenceSupervisor.Name);
        // The supervisor creates the managers as it starts, on another thread, within moments; the
        // references stay valid across restarts of the managers.
        if (!refs.Task.Wait(StartTimeout))
        {
            throw new InvalidOperationException($"the ActorPresence supervisor did not start its managers within {StartTimeout.TotalSeconds} s");
        }
        Managers = refs.Task.Result;
    }

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Turns off DotNetty's buffer leak detector (Akka's remoting transport) unless the operator set
    /// its level (<c>io.netty.leakDetection.level</c>). It records a stack trace and a finalizable
    /// tracker for one buffer in 128: profiled on a node writing 7,000 changes/s, finalizers and
    /// stack traces took 12 % of its CPU. Remoting releases its buffers itself; the detector is a
    /// debugging aid.
    /// </summary>
    private static void QuietLeakDetector()
    {
        if (Environment.GetEnvironmentVariable("io.netty.leakDetection.level") is null)
        {
            DotNetty.Common.ResourceLeakDetector.Level = DotNetty.Common.ResourceLeakDetector.DetectionLevel.Disabled;
        }
    }

    public ActorSystem System { get; }

    public ActorPresenceSettings Settings { get; }

    /// <summary>The parent of the managers and the membership actor.</summary>
    public IActorRef Supervisor { get; }

    public ManagerRefs Managers { get; }

    /// <summary>Whether each kind's pipeline is up on this node.</summary>
    public PipelineHealth Health { get; }

    public IActorRef Devices => Managers.Devices;

    public IActorRef Mailboxes => Managers.Mailboxes;

    public IActorRef Presence => Managers.Presence;

    public IActorRef ManagerFor(EntityKind kind) => Managers.For(kind);

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
