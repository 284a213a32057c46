using System.Text.Json;
using System.Text.Json.Serialization;
using ActorPresence.Domain;

namespace ActorPresence.Node.Api;

/// <summary>The JSON documents of the HTTP API (docs/api.md). Field names are part of the contract.</summary>
public static class Documents
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };

    public sealed record ViewDoc(string Node, string State, DateTimeOffset UpdatedAt);

    public sealed record DeviceDoc(string Device, string State, IReadOnlyList<ViewDoc> Views);

    public sealed record MailboxDoc(string Mailbox, int New, int Old, int Urgent, string WrittenBy, DateTimeOffset WrittenAt);

    public sealed record PresenceDoc(string Presentity, string State, string Subtype, string Message, string WrittenBy, DateTimeOffset WrittenAt);

    public sealed record ListDoc<T>(IReadOnlyList<T> Items, string? Next);

    public sealed record ErrorDoc(string Error);

    public sealed record MemberDoc(string? Node, string Address, string Status, bool Reachable, IReadOnlyList<string> Roles);

    public sealed record ClusterDoc(string Self, string SelfAddress, string? Leader, IReadOnlyList<MemberDoc> Members);

    public sealed record MemberRef(string? Node, string Address);

    public sealed record DownedDoc(IReadOnlyList<MemberRef> Downed);

    /// <param name="Origin">The node the change came from: a node of this site, node@site for a value
    /// imported from another site, or @site for a site's device view.</param>
    /// <param name="Site">The site the change came from: this node's own, or the peer site it was imported from.</param>
    public sealed record EventDoc(string Kind, string Id, string Origin, string Site, bool Initial, object Value);

    /// <summary><c>GET /api/v1/sites</c>. <c>gateway</c> is the node running this site's gateway, null
    /// (and <c>peers</c> null) when it did not answer in time.</summary>
    public sealed record SitesDoc(string Self, string? Gateway, IReadOnlyList<PeerDoc>? Peers);

    public sealed record PeerDoc(
        string Site, string State, DateTimeOffset Since, DateTimeOffset? LastSeen, long EntitiesIn, long EntitiesOut, double? LagMs,
        long BytesIn, long BytesOut, long Snapshots, long Refusals, int Pending, SnapshotDoc? LastSnapshot);

    /// <summary>The last snapshot received from a peer: entries, seconds from its first frame to all applied, bytes.</summary>
    public sealed record SnapshotDoc(long Entries, double Seconds, long Bytes);

    /// <summary>GET /api/v1/xmpp. <paramref name="Bridge"/> is the node running the bridge (null: off, or it did not answer).</summary>
    public sealed record XmppDoc(bool Enabled, string? Bridge, string? Server, string? Jid, string? Eid, string? State, DateTimeOffset? Since,
        string? LastError, long ItemsIn, long ItemsOut, long Refused, long Connects, int Pending, IReadOnlyList<EidDoc> Eids);

    public sealed record EidDoc(string Eid, string View, string Account, string State, DateTimeOffset Since, DateTimeOffset LastItem, int Devices, long ItemsIn);

    public static DeviceDoc Of(DeviceSnapshot d) =>
        new(d.Id.Value, d.State.ToName(), d.Views.Select(v => new ViewDoc(v.Node.Value, v.State.ToName(), v.UpdatedAt)).ToList());

    public static MailboxDoc Of(MailboxSnapshot m) =>
        new(m.Id.Value, m.Counts.New, m.Counts.Old, m.Counts.Urgent, m.WrittenBy.Value, m.WrittenAt);

    public static PresenceDoc Of(PresenceSnapshot p) =>
        new(p.Id.Value, p.Presence.State.ToName(), p.Presence.Subtype, p.Presence.Message, p.WrittenBy.Value, p.WrittenAt);

    public static EventDoc Of(StateEvent e, SiteId self) => new(
        e.Kind.Name(),
        e.Id,
        e.Origin.Value,
        (e.Origin.Site ?? self).Value,
        e.IsInitial,
        e switch
        {
            DeviceStateEvent d => Of(d.Device),
            MailboxStateEvent m => Of(m.Mailbox),
            PresenceStateEvent p => Of(p.Presence),
            _ => throw new ArgumentOutOfRangeException(nameof(e)),
        });
}
