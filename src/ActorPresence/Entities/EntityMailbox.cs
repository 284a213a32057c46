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
/// swaps its node in at the head, then links it from the previous one; the reader follows the
/// links from the tail. A lock was measured first: on a loaded node, senders and the reader waited
/// on it (docs/benchmarks/README.md).
/// <para>
/// The head, not the links, says whether anything is queued. A sender swaps the head with a full
/// fence before it looks at the mailbox's status, and the mailbox sets itself idle with a full
/// fence before it asks <see cref="HasMessages"/>, so one of the two always schedules the actor.
/// Asking the links instead lost a message now and then: a sender between its swap and its link
/// saw the mailbox still running, and the mailbox, having read no link, went idle.
/// </para>
/// </summary>
public sealed class EntityMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private Node _head;
    private Node _tail;

    public EntityMessageQueue()
    {
        _head = _tail = new Node(default);
    }

    public bool HasMessages => !ReferenceEquals(Volatile.Read(ref _head), Volatile.Read(ref _tail));

    /// <summary>Messages queued and linked: walks the queue (diagnostics only).</summary>
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

    /// <summary>For the one reader only. A sender that has swapped the head but not linked yet is
    /// waited for: it is within a few instructions of linking.</summary>
    public bool TryDequeue(out Envelope envelope)
    {
        var tail = _tail;
        var next = Volatile.Read(ref tail.Next);
        if (next is null)
        {
            if (ReferenceEquals(Volatile.Read(ref _head), tail))
            {
                envelope = default;
                return false;
            }
            var wait = new SpinWait();
            while ((next = Volatile.Read(ref tail.Next)) is null)
            {
                wait.SpinOnce();
            }
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
