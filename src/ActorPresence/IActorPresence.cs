using System.Threading.Channels;
using ActorPresence.Domain;

namespace ActorPresence;

/// <summary>
/// The internal event API of one node, the surface a telephony host embeds: set or withdraw this
/// node's view of a device, set mailbox counts and presence, read state, and subscribe to changes.
/// A write returns once the local replica holds it (on disk, for durable kinds) and it is on its way
/// to every other node, with the entity's resulting state. A write not acknowledged within
/// <c>actorpresence.write-timeout</c> throws <see cref="WriteOutcomeUnknownException"/>: it may
/// still be applied.
/// </summary>
public interface IActorPresence
{
    /// <summary>This node's name: the origin of its writes and the owner of its device views.</summary>
    NodeName NodeName { get; }

    /// <summary>Sets this node's view of a device. <c>Changed</c> is false when the view already had that state.</summary>
    Task<WriteResult<DeviceSnapshot>> SetDeviceStateAsync(DeviceId device, DeviceState state, CancellationToken cancellationToken = default);

    /// <summary>Withdraws this node's view of a device. <c>Changed</c> is false when it had none; the
    /// state of a device left with no views is INVALID with an empty list of views.</summary>
    Task<WriteResult<DeviceSnapshot>> WithdrawDeviceStateAsync(DeviceId device, CancellationToken cancellationToken = default);

    /// <summary>Sets a mailbox's counts. <c>Changed</c> is false when they were already those.</summary>
    Task<WriteResult<MailboxSnapshot>> SetMailboxAsync(MailboxId mailbox, MailboxCounts counts, CancellationToken cancellationToken = default);

    /// <summary>Sets a presentity's presence. <c>Changed</c> is false when it was already that.</summary>
    Task<WriteResult<PresenceSnapshot>> SetPresenceAsync(PresentityId presentity, Presence presence, CancellationToken cancellationToken = default);

    /// <summary>The device's aggregate and every node's view; null when no node has a view of it.</summary>
    Task<DeviceSnapshot?> GetDeviceAsync(DeviceId device, CancellationToken cancellationToken = default);

    Task<MailboxSnapshot?> GetMailboxAsync(MailboxId mailbox, CancellationToken cancellationToken = default);

    Task<PresenceSnapshot?> GetPresenceAsync(PresentityId presentity, CancellationToken cancellationToken = default);

    /// <summary>Ids of one kind that have state, in ordinal order, starting with <paramref name="prefix"/> and after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<string>> ListIdsAsync(EntityKind kind, string prefix = "", string? after = null, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes to the entities <paramref name="filter"/> covers. The subscription first yields the
    /// current state of each (marked initial), then every change, in order per entity, each once.
    /// </summary>
    Task<IStateSubscription> SubscribeAsync(SubscriptionFilter filter, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="SubscribeAsync(SubscriptionFilter, CancellationToken)"/>, with a limit of
    /// <paramref name="bufferSize"/> unread changes instead of the configured <c>subscriber-buffer</c>.
    /// The current state sent first does not count against it.</summary>
    Task<IStateSubscription> SubscribeAsync(SubscriptionFilter filter, int bufferSize, CancellationToken cancellationToken = default);

    /// <summary>One subscription covering several filters, with one queue and one limit of unread changes
    /// (a change of an entity that two filters cover is delivered once; its current state may come once per filter).</summary>
    Task<IStateSubscription> SubscribeAsync(IReadOnlyCollection<SubscriptionFilter> filters, int bufferSize, CancellationToken cancellationToken = default);
}

/// <param name="Changed">False when the write changed nothing (the value was already that).</param>
/// <param name="State">The entity's state once the write was applied.</param>
public sealed record WriteResult<T>(bool Changed, T State) where T : class;

/// <summary>A live subscription. Dispose it to stop. Its reader completes with an error if the
/// subscriber fell behind (<see cref="Entities.SubscriptionOverflowException"/>) or its source stopped
/// for good (<see cref="Entities.SubscriptionSourceLostException"/>); if this node's manager of a kind
/// restarts after a failure, the subscription continues and delivers the current state again
/// (events marked initial) before further changes.</summary>
public interface IStateSubscription : IAsyncDisposable
{
    ChannelReader<StateEvent> Events { get; }

    /// <summary>Completes as soon as the subscription ends (faulted with the reason when it ended by an
    /// error), without waiting for the unread events to be read: a writer blocked on a slow client
    /// can stop at once.</summary>
    Task Ended { get; }
}
