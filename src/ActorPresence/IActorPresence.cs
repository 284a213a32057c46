using System.Threading.Channels;
using ActorPresence.Domain;

namespace ActorPresence;

/// <summary>
/// The internal event API of one node, the surface a telephony host embeds: set or withdraw this
/// node's view of a device, set mailbox counts and presence, read state, and subscribe to changes.
/// Every write is applied once the local replica holds it and is on its way to every other node.
/// </summary>
public interface IActorPresence
{
    /// <summary>This node's name: the origin of its writes and the owner of its device views.</summary>
    NodeName NodeName { get; }

    /// <summary>Sets this node's view of a device. Returns false when the view already had that state.</summary>
    Task<bool> SetDeviceStateAsync(DeviceId device, DeviceState state, CancellationToken cancellationToken = default);

    /// <summary>Withdraws this node's view of a device. Returns false when it had none.</summary>
    Task<bool> WithdrawDeviceStateAsync(DeviceId device, CancellationToken cancellationToken = default);

    /// <summary>Sets a mailbox's counts. Returns false when they were already those.</summary>
    Task<bool> SetMailboxAsync(MailboxId mailbox, MailboxCounts counts, CancellationToken cancellationToken = default);

    /// <summary>Sets a presentity's presence. Returns false when it was already that.</summary>
    Task<bool> SetPresenceAsync(PresentityId presentity, Presence presence, CancellationToken cancellationToken = default);

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
}

/// <summary>A live subscription. Dispose it to stop; its reader completes with an error if the subscriber fell behind.</summary>
public interface IStateSubscription : IAsyncDisposable
{
    ChannelReader<StateEvent> Events { get; }
}
