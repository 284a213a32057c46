using ActorPresence.Xmpp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static ActorPresence.Node.Api.Documents;

namespace ActorPresence.Node.Api;

/// <summary><c>GET /api/v1/xmpp</c>: the site's XMPP bridge, from wherever it runs: its connection and the Asterisk EIDs it has seen.</summary>
public static class XmppEndpoints
{
    /// <summary>How long the node waits for the bridge's answer.</summary>
    private static readonly TimeSpan BridgeTimeout = TimeSpan.FromSeconds(3);

    public static void MapXmppEndpoints(this WebApplication app)
    {
        app.MapGet("/api/v1/xmpp", async (HttpContext http, CancellationToken ct) =>
        {
            EntityEndpoints.Require(http);
            if (http.RequestServices.GetService<XmppHostedService>()?.Host is not { } host)
            {
                return Results.Ok(new XmppDoc(false, null, null, null, null, null, null, null, 0, 0, 0, 0, 0, []));
            }
            var settings = host.Settings;
            var view = await host.ViewAsync(BridgeTimeout, ct);
            var r = view.Report;
            return Results.Ok(new XmppDoc(true, view.BridgeNode, $"{settings.Server}:{settings.Port}", settings.Jid, settings.Eid.Value,
                r is null ? (view.BridgeNode is null ? "unreachable" : "starting") : r.State.ToString().ToLowerInvariant(), r?.Since, r?.LastError is { Length: > 0 } e ? e : null,
                r?.ItemsIn ?? 0, r?.ItemsOut ?? 0, r?.Refused ?? 0, r?.Connects ?? 0, r?.Pending ?? 0,
                r?.Eids.Select(x => new EidDoc(x.Eid, "ast:" + x.Eid, x.Account, x.State.ToString().ToLowerInvariant(), x.Since, x.LastItem, x.Devices, x.ItemsIn)).ToList() ?? []));
        });
    }
}
