using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace ActorPresence.Entities;

/// <summary>
/// The mailbox of entity actors (<c>actorpresence.entity-mailbox</c>). A node may keep 100,000
/// entity actors, each of which rarely holds more than a message or two: Akka's default mailbox
/// starts every actor with a 32-slot concurrent queue segment (about 800 bytes), this one with a
/// single empty list node. Measured in docs/benchmarks/README.md.
/// </summary>
public sealed class EntityMailbox(Settings settings, Config config) : MailboxType(settings, config), IProducesMessageQueue<EntityMessageQueue>
{
    /// <summary>The mailbox's configuration path, given to the entity actors' props.</summary>
    public const string Id = "actorpresence.entity-mailbox";

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new EntityMessageQueue();
}

/// <summary>
/// An unbounded FIFO queue for one actor: many senders, one reader (Akka runs an actor's mailbox
/// on one thread at a time), short queues, little memory. A linked list without locks: a sender
/// swaps itself in at the head, the reader follows the links from the tail. A lock was measured
/// first: on a loaded node, senders and the reader waited on it (docs/benchmarks/README.md).
/// A sender between its swap and its link is not yet visible to the reader; Akka's mailbox
/// schedules the actor again after the sender has linked, so nothing is left behind.
/// </summary>
public sealed class EntityMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private Node _head;
    private Node _tail;

    public EntityMessageQueue()
    {
        _head = _tail = new Node(default);
    }

    public bool HasMessages => Volatile.Read(ref Volatile.Read(ref _tail).Next) is not null;

    /// <summary>Messages queued: walks the queue (diagnostics only).</summary>
    public int Count
    {
        get
        {
            var count = 0;
            for (var node = Volatile.Read(ref Volatile.Read(ref _tail).Next); node is not null; node = Volatile.Read(ref node.Next))
            {
                count++;
            }
            return count;
        }
    }

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        var node = new Node(envelope);
        var previous = Interlocked.Exchange(ref _head, node);
        Volatile.Write(ref previous.Next, node);
    }

    /// <summary>For the one reader only.</summary>
    public bool TryDequeue(out Envelope envelope)
    {
        var next = Volatile.Read(ref _tail.Next);
        if (next is null)
        {
            envelope = default;
            return false;
        }
        envelope = next.Envelope;
        next.Envelope = default;
        Volatile.Write(ref _tail, next);
        return true;
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope))
        {
            deadletters.Enqueue(owner, envelope);
        }
    }

    private sealed class Node(Envelope envelope)
    {
        public Envelope Envelope = envelope;
        public Node? Next;
    }
}
