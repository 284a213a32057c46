using ActorPresence.Diagnostics;
using ActorPresence.Domain;
using Akka.Actor;
using Akka.Event;
using static ActorPresence.Entities.Messages.SubscriptionMessages;

namespace ActorPresence.Entities;

/// <summary>Raised on a subscription's reader when the subscriber fell too far behind.</summary>
public sealed class SubscriptionOverflowException(int capacity)
    : Exception($"subscriber fell {capacity} events behind and was disconnected; subscribe again to get the current state")
{
    public int Capacity { get; } = capacity;
}

/// <summary>Raised on a subscription's reader when what fed it is gone for good: the node's pipeline
/// for a kind stopped after repeated failures, or the node is shutting down.</summary>
public sealed class SubscriptionSourceLostException(EntityKind kind, string reason)
    : Exception($"the subscription's source of {kind.Name()} changes is gone: {reason}")
{
    public EntityKind Kind { get; } = kind;
}

/// <summary>One filter of a subscription and the manager that serves it.</summary>
public sealed record SubscriptionRegistration(EntityKind Kind, SubscriptionFilter Filter, IActorRef Manager);

/// <summary>
/// The actor side of one subscription: its identity and lifetime. Entity actors and managers put
/// events straight into the subscriber's <see cref="SubscriptionQueue"/> (no actor in between); a
/// reader that stops reading never slows them: when it has its limit of unread changes (the
/// current state it was sent first does not count), the subscription ends with
/// <see cref="SubscriptionOverflowException"/> and this actor is stopped. It never goes silent:
/// when a manager restarts it subscribes again (and the reader gets the current state again), and
/// when a manager stops for good the subscription ends with <see cref="SubscriptionSourceLostException"/>.
/// </summary>
public sealed class SubscriptionActor : UntypedActor
{
    private readonly SubscriptionQueue _queue;
    private readonly IReadOnlyList<SubscriptionRegistration> _registrations;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public SubscriptionActor(SubscriptionQueue queue, IReadOnlyList<SubscriptionRegistration> registrations)
    {
        _queue = queue;
        _registrations = registrations;
    }

    public static Props Props(SubscriptionQueue queue, IReadOnlyList<SubscriptionRegistration> registrations) =>
        Akka.Actor.Props.Create(() => new SubscriptionActor(queue, registrations));

    protected override void PreStart()
    {
        ActorPresenceMetrics.Get(Context.System).SubscriptionOpened();
        foreach (var manager in _registrations.Select(r => r.Manager).Distinct())
        {
            Context.Watch(manager);
        }
    }

    protected override void PostStop()
    {
        ActorPresenceMetrics.Get(Context.System).SubscriptionClosed();
        _queue.Complete();
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case SubscriptionsReset reset:
                _log.Warning("Subscribing again to {0} changes: {1}", reset.Kind, reset.Reason);
                var subscriber = new Subscriber(Self, _queue);
                foreach (var registration in _registrations.Where(r => r.Kind == reset.Kind))
                {
                    registration.Manager.Tell(new AddSubscription(registration.Filter, subscriber));
                }
                break;
            case SubscriptionAdded:
                break;
            case Terminated terminated:
                var lost = _registrations.First(r => r.Manager.Equals(terminated.ActorRef));
                _queue.Complete(new SubscriptionSourceLostException(lost.Kind,
                    $"the {lost.Kind.Name()} manager of this node stopped (after repeated failures, or because the node is stopping)"));
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
