using ActorPresence.Diagnostics;
using ActorPresence.Domain;
using Akka.Actor;

namespace ActorPresence.Entities;

/// <summary>Raised on a subscription's reader when the subscriber fell too far behind.</summary>
public sealed class SubscriptionOverflowException(int capacity)
    : Exception($"subscriber fell {capacity} events behind and was disconnected; subscribe again to get the current state")
{
    public int Capacity { get; } = capacity;
}

/// <summary>
/// The actor side of one subscription: receives events from the entity actors and managers and
/// hands them to the subscriber's <see cref="SubscriptionQueue"/>. A reader that stops reading
/// never slows the actors: when it has its limit of unread changes (the current state it was sent
/// first does not count), the subscription ends with <see cref="SubscriptionOverflowException"/>.
/// </summary>
public sealed class SubscriptionActor : ReceiveActor
{
    private readonly SubscriptionQueue _queue;

    public SubscriptionActor(SubscriptionQueue queue, int capacity)
    {
        _queue = queue;
        Receive<StateEvent>(e =>
        {
            if (!_queue.TryEnqueue(e))
            {
                _queue.Complete(new SubscriptionOverflowException(capacity));
                Context.Stop(Self);
            }
        });
    }

    public static Props Props(SubscriptionQueue queue, int capacity) =>
        Akka.Actor.Props.Create(() => new SubscriptionActor(queue, capacity));

    protected override void PreStart() => ActorPresenceMetrics.Get(Context.System).SubscriptionOpened();

    protected override void PostStop()
    {
        ActorPresenceMetrics.Get(Context.System).SubscriptionClosed();
        _queue.Complete();
    }
}
