using ActorPresence.Federation;
using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static ActorPresence.Node.Api.Documents;

namespace ActorPresence.Node.Api;

/// <summary><c>GET /api/v1/sites</c>: this node's site and, from the site's gateway wherever it runs, each peer site's link.</summary>
public static class SiteEndpoints
{
    /// <summary>How long the node waits for the gateway's answer.</summary>
    private static readonly TimeSpan GatewayTimeout = TimeSpan.FromSeconds(3);

    public static void MapSiteEndpoints(this WebApplication app)
    {
        app.MapGet("/api/v1/sites", async (HttpContext http, ActorSystem system, CancellationToken ct) =>
        {
            EntityEndpoints.Require(http);
            var self = ActorPresenceRuntime.Get(system).Settings.Site;
            if (http.RequestServices.GetService<SiteLinksHostedService>()?.Links is not { } links)
            {
                return Results.Ok(new SitesDoc(self.Value, null, []));
            }
            var view = await links.SitesAsync(GatewayTimeout, ct);
            return Results.Ok(new SitesDoc(self.Value, view.GatewayNode, view.Peers?.Select(p => new PeerDoc(
                p.Site.Value, SitesWire.StateName(p.State), p.Since, p.LastSeen, p.EntitiesIn, p.EntitiesOut,
                p.LagMs is { } lag ? Math.Round(lag, 1) : null, p.BytesIn, p.BytesOut, p.Snapshots, p.Refusals, p.Pending,
                p.LastSnapshot is { } s ? new SnapshotDoc(s.Entries, Math.Round(s.Seconds, 3), s.Bytes) : null)).ToList()));
        });
    }
}
