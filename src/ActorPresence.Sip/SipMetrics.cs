using System.Diagnostics.Metrics;
using ActorPresence.Diagnostics;

namespace ActorPresence.Sip;

/// <summary>
/// Metrics of the SIP edge, on ActorPresence's meter (so <c>/metrics</c> shows them): requests by method
/// and answer, NOTIFYs and outbound PUBLISHes, refusals by reason, and the live subscriptions and
/// publications of the edges running in this process.
/// </summary>
internal static class SipMetrics
{
    private static readonly Meter Meter = new(ActorPresenceMetrics.MeterName);
    private static readonly List<SipEdge> Edges = [];

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "actorpresence.sip.requests", description: "SIP requests answered by the edge, by method and status");

    private static readonly Counter<long> Refusals = Meter.CreateCounter<long>(
        "actorpresence.sip.refusals", description: "SIP messages refused or dropped (not allowed, over the rate, malformed, garbage, bad body)");

    private static readonly Counter<long> Notifies = Meter.CreateCounter<long>(
        "actorpresence.sip.notifies", description: "NOTIFYs sent, by event package and outcome (ok, failed)");

    private static readonly Counter<long> Publishes = Meter.CreateCounter<long>(
        "actorpresence.sip.publishes.out", description: "PUBLISHes sent to Asterisk servers, by outcome (ok, failed)");

    static SipMetrics()
    {
        Meter.CreateObservableGauge("actorpresence.sip.subscriptions", () => Observe(e => e.SubscriptionCount), description: "Live SIP subscriptions");
        Meter.CreateObservableGauge("actorpresence.sip.publications", () => Observe(e => e.PublicationCount), description: "Live publications from Asterisk servers and phones");
        Meter.CreateObservableGauge("actorpresence.sip.pending", () => Observe(e => e.PendingOut), description: "Changes waiting for Asterisk servers");
    }

    public static void Register(SipEdge edge)
    {
        lock (Edges)
        {
            Edges.Add(edge);
        }
    }

    public static void Unregister(SipEdge edge)
    {
        lock (Edges)
        {
            Edges.Remove(edge);
        }
    }

    public static void Answered(string method, int status) =>
        Requests.Add(1, new KeyValuePair<string, object?>("method", method), new KeyValuePair<string, object?>("status", status));

    public static void Refused(string what) => Refusals.Add(1, new KeyValuePair<string, object?>("what", what));

    public static void Notified(string package, bool ok) =>
        Notifies.Add(1, new KeyValuePair<string, object?>("event", package), new KeyValuePair<string, object?>("outcome", ok ? "ok" : "failed"));

    public static void Published(bool ok) => Publishes.Add(1, new KeyValuePair<string, object?>("outcome", ok ? "ok" : "failed"));

    private static long Observe(Func<SipEdge, long> value)
    {
        lock (Edges)
        {
            return Edges.Sum(value);
        }
    }
}
