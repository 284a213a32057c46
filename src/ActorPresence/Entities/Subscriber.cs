using ActorPresence.Domain;
using Akka.Actor;

namespace ActorPresence.Entities;

/// <summary>
/// One subscription as managers and entity actors hold it: its actor (its identity and lifetime:
/// watched, told when to subscribe again) and its queue, into which events are put directly, with
/// no actor in between.
/// </summary>
public sealed class Subscriber(IActorRef actor, SubscriptionQueue queue) : IEquatable<Subscriber>
{
    public IActorRef Actor { get; } = actor;

    public SubscriptionQueue Queue { get; } = queue;

    /// <summary>Delivers an event. A subscriber that has fallen its limit behind is ended (its reader
    /// sees <see cref="SubscriptionOverflowException"/>) and its actor stopped, so that every manager forgets it.</summary>
    public void Deliver(StateEvent e)
    {
        if (!Queue.Offer(e))
        {
            Actor.Tell(PoisonPill.Instance);
        }
    }

    public bool Equals(Subscriber? other) => other is not null && Actor.Equals(other.Actor);

    public override bool Equals(object? obj) => obj is Subscriber other && Equals(other);

    public override int GetHashCode() => Actor.GetHashCode();

    public override string ToString() => $"Subscriber({Actor.Path})";
}
