using ActorPresence.Domain;
using Akka.Actor;

namespace ActorPresence.Entities.Messages;

/// <summary>Subscriptions: between the subscription actors and the entity managers.</summary>
public static class SubscriptionMessages
{
    /// <summary>Asked of a manager: <c>Subscriber</c> receives the current state of each matching entity
    /// (marked initial), then every change. Answered with <see cref="SubscriptionAdded"/>; for one
    /// entity once its current state has been sent, for a prefix once the subscription is registered.</summary>
    public sealed record AddSubscription(SubscriptionFilter Filter, Subscriber Subscriber);

    public sealed record SubscriptionAdded
    {
        public static readonly SubscriptionAdded Instance = new();
    }

    /// <summary>To a manager: forget every subscription of <c>Subscriber</c>.</summary>
    public sealed record RemoveSubscription(IActorRef Subscriber);

    /// <summary>From a manager that failed and is restarting, to each of its subscribers: what it held
    /// of the subscriptions is gone; subscribe again (and receive the current state again).</summary>
    public sealed record SubscriptionsReset(EntityKind Kind, string Reason);
}
