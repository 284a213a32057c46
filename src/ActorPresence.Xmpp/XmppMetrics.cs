using System.Diagnostics.Metrics;
using ActorPresence.Diagnostics;

namespace ActorPresence.Xmpp;

/// <summary>
/// Metrics of the XMPP bridge, on ActorPresence's meter (so <c>/metrics</c> shows them): items in and out,
/// refusals by reason, connections made and lost, views withdrawn, and, on the node running the bridge,
/// whether it is connected and how many items wait.
/// </summary>
internal static class XmppMetrics
{
    private static readonly Meter Meter = new(ActorPresenceMetrics.MeterName);
    private static readonly List<XmppBridge> Bridges = [];

    private static readonly Counter<long> ItemsIn = Meter.CreateCounter<long>(
        "actorpresence.xmpp.items.in", description: "Items taken from Asterisk servers on the pubsub nodes, by kind (device, mailbox)");

    private static readonly Counter<long> ItemsOut = Meter.CreateCounter<long>(
        "actorpresence.xmpp.items.out", description: "Items the bridge published, by kind and outcome (ok, refused, failed)");

    private static readonly Counter<long> Refusals = Meter.CreateCounter<long>(
        "actorpresence.xmpp.refusals", description: "Items and events the bridge refused, by reason (eid, state, counts, id, payload, from, write)");

    private static readonly Counter<long> Connects = Meter.CreateCounter<long>(
        "actorpresence.xmpp.connects", description: "Connections the bridge made to its XMPP server");

    private static readonly Counter<long> Disconnects = Meter.CreateCounter<long>(
        "actorpresence.xmpp.disconnects", description: "Connections lost or refused, by reason (closed, timeout, tls, auth, oversized, malformed, stream-error, …)");

    private static readonly Counter<long> Republishes = Meter.CreateCounter<long>(
        "actorpresence.xmpp.republishes", description: "Full publishes of the site's state, by reason (connect, return of an Asterisk account, period)");

    private static readonly Counter<long> Withdrawals = Meter.CreateCounter<long>(
        "actorpresence.xmpp.views.withdrawn", description: "Device views of Asterisk servers withdrawn after expire-after");

    static XmppMetrics()
    {
        Meter.CreateObservableGauge("actorpresence.xmpp.connected", () => Observe(b => b.Report().State == XmppLinkState.Connected ? 1 : 0),
            description: "1 while the bridge running on this node is connected");
        Meter.CreateObservableGauge("actorpresence.xmpp.pending", () => Observe(b => b.Report().Pending), description: "Items waiting to be published");
        Meter.CreateObservableGauge("actorpresence.xmpp.eids", () => Observe(b => b.Report().Eids.Count(e => e.State is EidState.Online or EidState.Unknown)),
            description: "Asterisk EIDs whose views the bridge holds (not stale, not withdrawn)");
    }

    public static void Register(XmppBridge bridge)
    {
        lock (Bridges)
        {
            Bridges.Add(bridge);
        }
    }

    public static void Unregister(XmppBridge bridge)
    {
        lock (Bridges)
        {
            Bridges.Remove(bridge);
        }
    }

    public static void ItemIn(string kind) => ItemsIn.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public static void ItemOut(string kind, string outcome) =>
        ItemsOut.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("outcome", outcome));

    public static void Refused(string reason) => Refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static void Connected() => Connects.Add(1);

    public static void Disconnected(string reason) => Disconnects.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static void Withdrawn(int views) => Withdrawals.Add(views);

    public static void Republished(string reason) => Republishes.Add(1, new KeyValuePair<string, object?>("reason", reason));

    private static long Observe(Func<XmppBridge, long> value)
    {
        lock (Bridges)
        {
            return Bridges.Sum(value);
        }
    }
}
