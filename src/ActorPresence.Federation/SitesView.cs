using ActorPresence.Domain;
using ActorPresence.Federation.Gateway;
using ActorPresence.Membership;
using Akka.Cluster;

namespace ActorPresence.Federation;

/// <summary>The site links as <c>GET /api/v1/sites</c> shows them.</summary>
/// <param name="GatewayNode">The node running the gateway; null when it did not answer.</param>
/// <param name="Peers">Null when the gateway did not answer.</param>
public sealed record SitesView(SiteId Self, string? GatewayNode, IReadOnlyList<PeerReport>? Peers);

/// <summary>Peer reports to and from the cluster-internal message the gateway answers with.</summary>
public static class SitesWire
{
    internal static SitesReport ToWire(Member self, IEnumerable<PeerReport> reports)
    {
        var report = new SitesReport { GatewayNode = MembershipActor.NodeNameOf(self) ?? self.Address.ToString() };
        foreach (var r in reports)
        {
            report.Peers.Add(new PeerLine
            {
                LastSnapshot = r.LastSnapshot is { } s ? new SnapshotLine { Entries = s.Entries, Seconds = s.Seconds, Bytes = s.Bytes } : null,
                Site = r.Site.Value,
                State = StateName(r.State),
                SinceTicks = r.Since.UtcTicks,
                LastSeenTicks = r.LastSeen?.UtcTicks ?? 0,
                EntitiesIn = r.EntitiesIn,
                EntitiesOut = r.EntitiesOut,
                BytesIn = r.BytesIn,
                BytesOut = r.BytesOut,
                HasLag = r.LagMs is not null,
                LagMs = r.LagMs ?? 0,
                Snapshots = r.Snapshots,
                Refusals = r.Refusals,
                Pending = r.Pending,
            });
        }
        return report;
    }

    internal static SitesView FromWire(SiteId self, SitesReport report) =>
        new(self, report.GatewayNode, report.Peers.Select(p => new PeerReport(
            new SiteId(p.Site),
            p.State switch { "connected" => PeerState.Connected, "stale" => PeerState.Stale, _ => PeerState.Down },
            new DateTimeOffset(p.SinceTicks, TimeSpan.Zero),
            p.LastSeenTicks > 0 ? new DateTimeOffset(p.LastSeenTicks, TimeSpan.Zero) : null,
            p.EntitiesIn,
            p.EntitiesOut,
            p.BytesIn,
            p.BytesOut,
            p.HasLag ? p.LagMs : null,
            p.Snapshots,
            p.Refusals,
            p.Pending)
        {
            LastSnapshot = p.LastSnapshot is { } s ? new SnapshotReceipt(s.Entries, s.Seconds, s.Bytes) : null,
        }).ToList());

    public static string StateName(PeerState state) => state switch
    {
        PeerState.Connected => "connected",
        PeerState.Stale => "stale",
        _ => "down",
    };
}
