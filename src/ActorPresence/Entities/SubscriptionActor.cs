using System.Threading.Channels;
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
/// hands them to a bounded channel. A reader that stops reading never slows the actors: when the
/// channel is full the subscription ends with <see cref="SubscriptionOverflowException"/>.
/// </summary>
public sealed class SubscriptionActor : ReceiveActor
{
    private readonly ChannelWriter<StateEvent> _writer;

    public SubscriptionActor(ChannelWriter<StateEvent> writer, int capacity)
    {
        _writer = writer;
        Receive<StateEvent>(e =>
        {
            if (!_writer.TryWrite(e))
            {
                _writer.TryComplete(new SubscriptionOverflowException(capacity));
                Context.Stop(Self);
            }
        });
    }

    public static Props Props(ChannelWriter<StateEvent> writer, int capacity) =>
        Akka.Actor.Props.Create(() => new SubscriptionActor(writer, capacity));

    protected override void PreStart() => ActorPresenceMetrics.Get(Context.System).SubscriptionOpened();

    protected override void PostStop()
    {
        ActorPresenceMetrics.Get(Context.System).SubscriptionClosed();
        _writer.TryComplete();
    }
}
