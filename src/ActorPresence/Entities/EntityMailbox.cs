using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace ActorPresence.Entities;

/// <summary>
/// The mailbox of entity actors (<c>actorpresence.entity-mailbox</c>). A node may keep 100,000
/// entity actors, each of which rarely holds more than a message or two: Akka's default mailbox
/// starts every actor with a 32-slot concurrent queue segment (about 800 bytes), this one with an
/// empty queue behind a lock. Measured in docs/benchmarks/README.md.
/// </summary>
public sealed class EntityMailbox(Settings settings, Config config) : MailboxType(settings, config), IProducesMessageQueue<EntityMessageQueue>
{
    /// <summary>The mailbox's configuration path, given to the entity actors' props.</summary>
    public const string Id = "actorpresence.entity-mailbox";

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new EntityMessageQueue();
}

/// <summary>An unbounded FIFO queue for one actor: few senders, short queues, little memory.</summary>
public sealed class EntityMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private readonly Queue<Envelope> _queue = new();

    public bool HasMessages
    {
        get
        {
            lock (_queue)
            {
                return _queue.Count > 0;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_queue)
            {
                return _queue.Count;
            }
        }
    }

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (_queue)
        {
            _queue.Enqueue(envelope);
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        lock (_queue)
        {
            return _queue.TryDequeue(out envelope);
        }
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope))
        {
            deadletters.Enqueue(owner, envelope);
        }
    }
}
