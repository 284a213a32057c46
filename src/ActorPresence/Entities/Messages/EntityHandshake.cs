using ActorPresence.Replication;
using Akka.Actor;

namespace ActorPresence.Entities.Messages;

/// <summary>Between a manager, its entity actors and its outbox. Internal to one node.</summary>
internal static class EntityHandshake
{
    /// <summary>The first message of every entity actor, sent by the manager as it creates the actor:
    /// which entity it owns, the state the node holds of it, and the subscribers that cover it (its
    /// own list). Every entity actor of a kind shares one <see cref="Props"/>, so what differs per
    /// entity comes here.</summary>
    internal sealed record StartEntity(string Id, Slot Initial, List<Subscriber>? Subscribers);

    /// <summary>Entries from another node for the entity; the actor keeps those newer than what it holds.</summary>
    internal sealed record ApplyEntries(IReadOnlyList<Entry> Entries, ChangeSource Source);

    /// <summary>The actor sends <c>Subscriber</c> its current state, then every change; it answers
    /// <c>ReplyTo</c> (if any) with <see cref="SubscriptionMessages.SubscriptionAdded"/> after the current state.</summary>
    internal sealed record AddSubscriber(Subscriber Subscriber, IActorRef? ReplyTo);

    internal sealed record RemoveSubscriber(IActorRef Subscriber);

    /// <summary>Withdraw the live views that this incarnation of <c>Node</c> left in the device.</summary>
    internal sealed record RemoveIncarnation(string Node, long Incarnation);

    /// <summary><c>Node</c> (this incarnation) was removed: write to the replica its entries that this
    /// actor holds (they may have come only by the direct path), and withdraw its views.</summary>
    internal sealed record WriterRemoved(string Node, long Incarnation);

    /// <summary>The manager's passivation sweep: stop if idle (answer <see cref="Passivated"/>), else
    /// answer <see cref="StayAlive"/>.</summary>
    internal sealed record StopIfIdle : INotInfluenceReceiveTimeout
    {
        public static readonly StopIfIdle Instance = new();
    }

    /// <param name="Pinned">Kept alive by something only a message to the actor can change (a view of
    /// this node's own): not worth asking again until the next message to it.</param>
    internal sealed record StayAlive(string Id, bool Pinned);

    /// <summary>The actor is stopping; <c>Slot</c> is its last state.</summary>
    internal sealed record Passivated(string Id, Slot Slot);

    /// <summary>From an entity actor (or the manager) to the outbox: <c>Entry</c> was written here and goes
    /// to the other nodes and the local replica; <c>Ack</c> goes to <c>ReplyTo</c> once the replica holds
    /// it. A null <c>Entry</c> only asks for the acknowledgement, after any write of the same key still
    /// on its way. <c>ReplicaOnly</c>: not by the direct path (the other nodes write the same themselves).</summary>
    internal sealed record LocalChange(string Id, Entry? Entry, IActorRef? ReplyTo, object? Ack, bool ReplicaOnly);
}
