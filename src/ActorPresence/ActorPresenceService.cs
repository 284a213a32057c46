using System.Threading.Channels;
using ActorPresence.Domain;
using ActorPresence.Entities;
using Akka.Actor;
using static ActorPresence.Entities.EntityProtocol;

namespace ActorPresence;

/// <summary>The <see cref="IActorPresence"/> of one node, over its <see cref="ActorPresenceRuntime"/>.</summary>
public sealed class ActorPresenceService(ActorPresenceRuntime runtime) : IActorPresence
{
    private ActorPresenceSettings Settings => runtime.Settings;

    public NodeName NodeName => Settings.NodeName;

    public Task<bool> SetDeviceStateAsync(DeviceId device, DeviceState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!DeviceStateNames.IsDefined(state))
        {
            throw new ValidationException("state", $"must be a defined device state (got {(int)state})");
        }
        return WriteAsync(runtime.Devices, device.Value, new SetDeviceView(state), cancellationToken);
    }

    public Task<bool> WithdrawDeviceStateAsync(DeviceId device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        return WriteAsync(runtime.Devices, device.Value, WithdrawDeviceView.Instance, cancellationToken);
    }

    public Task<bool> SetMailboxAsync(MailboxId mailbox, MailboxCounts counts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        ArgumentNullException.ThrowIfNull(counts);
        return WriteAsync(runtime.Mailboxes, mailbox.Value, new SetMailbox(counts), cancellationToken);
    }

    public Task<bool> SetPresenceAsync(PresentityId presentity, Presence presence, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(presentity);
        ArgumentNullException.ThrowIfNull(presence);
        return WriteAsync(runtime.Presence, presentity.Value, new SetPresence(presence), cancellationToken);
    }

    public async Task<DeviceSnapshot?> GetDeviceAsync(DeviceId device, CancellationToken cancellationToken = default) =>
        (await GetAsync(runtime.Devices, device.Value, cancellationToken) as DeviceStateEvent)?.Device;

    public async Task<MailboxSnapshot?> GetMailboxAsync(MailboxId mailbox, CancellationToken cancellationToken = default) =>
        (await GetAsync(runtime.Mailboxes, mailbox.Value, cancellationToken) as MailboxStateEvent)?.Mailbox;

    public async Task<PresenceSnapshot?> GetPresenceAsync(PresentityId presentity, CancellationToken cancellationToken = default) =>
        (await GetAsync(runtime.Presence, presentity.Value, cancellationToken) as PresenceStateEvent)?.Presence;

    public async Task<IReadOnlyList<string>> ListIdsAsync(EntityKind kind, string prefix = "", string? after = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (limit is < 1 or > 10_000)
        {
            throw new ValidationException("limit", $"must be 1–10000 (got {limit})");
        }
        var reply = await runtime.ManagerFor(kind).Ask<IdList>(new ListIds(prefix, after, limit), Settings.AskTimeout, cancellationToken);
        return reply.Ids;
    }

    public Task<IStateSubscription> SubscribeAsync(SubscriptionFilter filter, CancellationToken cancellationToken = default) =>
        SubscribeAsync(filter, Settings.SubscriberBuffer, cancellationToken);

    public async Task<IStateSubscription> SubscribeAsync(SubscriptionFilter filter, int bufferSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (bufferSize < 1)
        {
            throw new ValidationException("bufferSize", $"must be at least 1 (got {bufferSize})");
        }
        var queue = new SubscriptionQueue(bufferSize);
        var subscriber = runtime.System.ActorOf(SubscriptionActor.Props(queue, bufferSize));
        var subscription = new Subscription(queue.Reader, subscriber);
        try
        {
            foreach (var kind in filter.Kinds.Order())
            {
                await runtime.ManagerFor(kind).Ask<Subscribed>(new Subscribe(filter, subscriber), Settings.AskTimeout, cancellationToken);
            }
        }
        catch
        {
            await subscription.DisposeAsync();
            throw;
        }
        return subscription;
    }

    private async Task<bool> WriteAsync(IActorRef manager, string id, WriteOp op, CancellationToken cancellationToken)
    {
        var ack = await manager.Ask<WriteAck>(new Write(id, op), Settings.WriteTimeout, cancellationToken);
        return ack.Changed;
    }

    private async Task<StateEvent?> GetAsync(IActorRef manager, string id, CancellationToken cancellationToken) =>
        (await manager.Ask<CurrentState>(new Get(id), Settings.AskTimeout, cancellationToken)).Event;

    private sealed class Subscription(ChannelReader<StateEvent> events, IActorRef subscriber) : IStateSubscription
    {
        public ChannelReader<StateEvent> Events { get; } = events;

        public ValueTask DisposeAsync()
        {
            // Stopping the actor completes the channel; managers and entity actors watch it and forget it.
            subscriber.Tell(PoisonPill.Instance);
            return ValueTask.CompletedTask;
        }
    }
}
