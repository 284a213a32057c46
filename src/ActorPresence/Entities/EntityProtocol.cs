using ActorPresence.Domain;
using ActorPresence.Replication;
using Akka.Actor;

namespace ActorPresence.Entities;

/// <summary>Messages of the entity managers and entity actors of one node. Local only: none crosses the wire.</summary>
public static class EntityProtocol
{
    /// <summary>A change this node makes; validated by the domain types before it gets here.</summary>
    public abstract record WriteOp;

    public sealed record SetDeviceView(DeviceState State) : WriteOp;

    public sealed record WithdrawDeviceView : WriteOp
    {
        public static readonly WithdrawDeviceView Instance = new();
    }

    public sealed record SetMailbox(MailboxCounts Counts) : WriteOp;

    public sealed record SetPresence(Presence Presence) : WriteOp;

    /// <summary>Asked of a manager; answered with <see cref="WriteAck"/> once the local replica holds the change.</summary>
    public sealed record Write(string Id, WriteOp Op);

    /// <param name="Changed">False when the write changed nothing (the same value again, or nothing to withdraw).</param>
    public sealed record WriteAck(bool Changed);

    /// <summary>Asked of a manager; answered with <see cref="CurrentState"/>.</summary>
    public sealed record Get(string Id);

    /// <param name="Event">The entity's state as an initial event, or null when it has none.</param>
    public sealed record CurrentState(StateEvent? Event);

    /// <summary>Asked of a manager; the subscriber receives the initial state before <see cref="Subscribed"/> is answered.</summary>
    public sealed record Subscribe(SubscriptionFilter Filter, IActorRef Subscriber);

    public sealed record Subscribed
    {
        public static readonly Subscribed Instance = new();
    }

    public sealed record Unsubscribe(IActorRef Subscriber);

    /// <summary>Asked of a manager: ids of one kind that have state, in ordinal order, after <c>After</c>.</summary>
    public sealed record ListIds(string Prefix, string? After, int Limit);

    public sealed record IdList(IReadOnlyList<string> Ids);

    /// <summary>Asked of a manager: what it holds now.</summary>
    public sealed record GetStats
    {
        public static readonly GetStats Instance = new();
    }

    /// <param name="LiveEntities">Entity actors running on this node.</param>
    /// <param name="Entities">Entities with an entry in the local replica or ahead of it.</param>
    /// <param name="Peers">Nodes the direct path sends to.</param>
    /// <param name="Subscribers">Prefix and everything subscribers (entity subscribers are held by entity actors).</param>
    /// <param name="ReplicaPolls">Completed reads of every key from the local replica since start.</param>
    public sealed record ManagerStats(int LiveEntities, int Entities, int Peers, int Subscribers, long ReplicaPolls);

    /// <summary>From the membership actor: the managers' peers on the other telephony nodes.</summary>
    public sealed record PeersChanged(IReadOnlyList<Address> Peers);

    /// <summary>From the membership actor: this incarnation of a node has been removed from the cluster.</summary>
    public sealed record NodeRemoved(string Node, long Incarnation);

    internal enum Source
    {
        /// <summary>Written on this node.</summary>
        Local,

        /// <summary>Arrived straight from the writing node.</summary>
        Direct,

        /// <summary>Arrived through distributed data.</summary>
        Replica,
    }

    internal sealed record ApplyEntries(IReadOnlyList<Entry> Entries, Source Source);

    internal sealed record SubscribeEntity(IActorRef Subscriber);

    internal sealed record RemoveIncarnation(string Node, long Incarnation);

    /// <summary>From an entity actor: it accepted <c>Entry</c>; <c>Event</c> is what its subscribers got.</summary>
    internal sealed record EntityChanged(string Id, Slot Slot, Entry Entry, StateEvent Event, Source Source, IActorRef? ReplyTo);

    internal sealed record RequestPassivation(string Id);

    internal sealed record StopIfIdle
    {
        public static readonly StopIfIdle Instance = new();
    }

    internal sealed record StayAlive(string Id);

    internal sealed record Stopped(string Id, Slot Slot);
}
