using ActorPresence.Domain;
using ActorPresence.Replication;
using Akka.Actor;

namespace ActorPresence.Entities.Messages;

/// <summary>Writes asked of an entity manager. Local only: none crosses the wire.</summary>
public static class EntityCommands
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

    /// <summary>The gateway sets (or, with a null state, withdraws) a peer site's aggregate of a device:
    /// the view <c>@site</c>, stamped here like this node's own views.</summary>
    internal sealed record SetSiteView(SiteId Site, DeviceState? State) : WriteOp, IForeignView
    {
        public string Owner => Site.ViewName;
    }

    /// <summary>The SIP edge sets (or, with a null state, withdraws) what an Asterisk server published of a
    /// device: the view <c>ast:&lt;eid&gt;</c>. With <paramref name="Renew"/>, the same state is written again
    /// with a new stamp: the view's lease is renewed (docs/sip.md).</summary>
    internal sealed record SetAsteriskView(AsteriskEid Eid, DeviceState? State, bool Renew = false) : WriteOp, IForeignView
    {
        public string Owner => Eid.ViewName;
    }

    /// <summary>A device view owned by something outside this site's nodes (a peer site, an Asterisk
    /// server): it carries no incarnation, so it outlives the node that wrote it; only its own expiry
    /// withdraws it.</summary>
    internal interface IForeignView
    {
        string Owner { get; }

        DeviceState? State { get; }
    }

    /// <summary>Asked of a manager; answered with <see cref="WriteAck"/> once the local replica holds the
    /// entity's resulting state (at once, if it held it already), or with a failure.</summary>
    public sealed record Write(string Id, WriteOp Op) : IEntityMessage;

    /// <summary>The gateway brings in a mailbox or presence value a peer site wrote, with that site's
    /// stamp (its writer named node@site): it wins or loses against this site's value as it did there.
    /// Answered like <see cref="Write"/>.</summary>
    internal sealed record Import(string Id, Entry Entry) : IEntityMessage;

    /// <summary>
    /// Many writes of one kind that come from outside this site's nodes (a peer site's views and values,
    /// each a <see cref="Write"/> of an <see cref="IForeignView"/> or an <see cref="Import"/>), in one
    /// message; each is answered to <paramref name="ReplyTo"/> as it would be alone. An entity with no
    /// actor here takes its write in the manager, as it takes changes from other nodes: no actor is
    /// created (and stopped again when idle) for a value that no node of this site owns.
    /// </summary>
    internal sealed record WriteMany(IReadOnlyList<IEntityMessage> Writes, IActorRef ReplyTo);

    /// <param name="Changed">False when the write changed nothing (the same value again, or nothing to withdraw).</param>
    /// <param name="State">The entity's state once the write was applied; null when it has none (a device with no views).</param>
    public sealed record WriteAck(bool Changed, StateEvent? State);
}
