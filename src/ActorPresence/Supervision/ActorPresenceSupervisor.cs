using ActorPresence.Domain;
using ActorPresence.Entities;
using ActorPresence.Membership;
using Akka.Actor;
using Akka.Event;
using static ActorPresence.Entities.Messages.MembershipNotices;

namespace ActorPresence.Supervision;

/// <summary>Between the entity managers and their supervisor.</summary>
internal static class PipelineNotices
{
    /// <summary>From a failed manager, before it restarts.</summary>
    internal sealed record ManagerRestarting(EntityKind Kind, string Reason);

    /// <summary>From a manager once it has read its replica (at start and after a restart).</summary>
    internal sealed record ManagerReady(EntityKind Kind);
}

/// <summary>The entity managers of one node, as its supervisor created them.</summary>
public sealed record ManagerRefs(IActorRef Devices, IActorRef Mailboxes, IActorRef Presence, IActorRef Membership)
{
    public IActorRef For(EntityKind kind) => kind switch
    {
        EntityKind.Device => Devices,
        EntityKind.Mailbox => Mailboxes,
        EntityKind.Presence => Presence,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}

/// <summary>
/// The parent of ActorPresence's actors on a node (<c>/user/actorpresence</c>): the three entity
/// managers and the membership actor. A manager that throws is restarted (its subscribers are asked
/// to subscribe again, see <see cref="EntityManager"/>); one that fails more than
/// <see cref="MaxRestarts"/> times within <see cref="RestartWindow"/> is stopped, its subscriptions end
/// with an error and the node reports not ready. <see cref="PipelineHealth"/> shows which is which.
/// </summary>
public sealed class ActorPresenceSupervisor : UntypedActor
{
    /// <summary>The supervisor's name under <c>/user</c>, the same on every node (the direct path addresses managers by path).</summary>
    public const string Name = "actorpresence";

    public const int MaxRestarts = 10;

    public static readonly TimeSpan RestartWindow = TimeSpan.FromMinutes(1);

    private readonly ActorPresenceSettings _settings;
    private readonly IActorRef _replicator;
    private readonly long _incarnation;
    private readonly PipelineHealth _health;
    private readonly TaskCompletionSource<ManagerRefs> _refs;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<IActorRef, EntityKind> _kinds = [];
    private IActorRef _membership = ActorRefs.Nobody;

    public ActorPresenceSupervisor(ActorPresenceSettings settings, IActorRef replicator, long incarnation, PipelineHealth health, TaskCompletionSource<ManagerRefs> refs)
    {
        _settings = settings;
        _replicator = replicator;
        _incarnation = incarnation;
        _health = health;
        _refs = refs;
    }

    public static Props Props(ActorPresenceSettings settings, IActorRef replicator, long incarnation, PipelineHealth health, TaskCompletionSource<ManagerRefs> refs) =>
        Akka.Actor.Props.Create(() => new ActorPresenceSupervisor(settings, replicator, incarnation, health, refs));

    protected override void PreStart()
    {
        IActorRef Manager(EntityModel model)
        {
            var manager = Context.ActorOf(EntityManager.Props(model, _settings, _replicator, _incarnation), model.ManagerName);
            Context.Watch(manager);
            _kinds[manager] = model.Kind;
            return manager;
        }
        var devices = Manager(DeviceModel.Instance);
        var mailboxes = Manager(MailboxModel.Instance);
        var presence = Manager(PresenceModel.Instance);
        _membership = Context.ActorOf(MembershipActor.Props([devices, mailboxes, presence], _settings.Role), "membership");
        _refs.TrySetResult(new ManagerRefs(devices, mailboxes, presence, _membership));
    }

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(MaxRestarts, RestartWindow, e => e switch
        {
            // A manager that cannot even be constructed will not get better by trying again.
            ActorInitializationException => Directive.Stop,
            _ => Directive.Restart,
        });

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case PipelineNotices.ManagerRestarting restarting:
                _health.Set(restarting.Kind, PipelineState.Restarting, restarting.Reason);
                break;
            case PipelineNotices.ManagerReady ready:
                if (_health[ready.Kind].State != PipelineState.Up)
                {
                    _log.Info("{0} manager ready", ready.Kind);
                }
                _health.Set(ready.Kind, PipelineState.Up, null);
                break;
            case RequestPeers request:
                _membership.Forward(request);
                break;
            case Terminated terminated when _kinds.TryGetValue(terminated.ActorRef, out var kind):
                var reason = $"the {kind.Name()} manager stopped after failing more than {MaxRestarts} times within {RestartWindow.TotalMinutes:0} min (or could not start); see this node's log";
                _log.Error("{0}", reason);
                _health.Set(kind, PipelineState.Stopped, reason);
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
