using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ActorPresence.Diagnostics;
using ActorPresence.Domain;

namespace ActorPresence.Federation;

/// <summary>
/// Metrics of the site links, on the same meter as the rest of ActorPresence (so <c>/metrics</c>
/// shows them): per peer site, the link state, entries and bytes each way, lag, snapshots sent and
/// pending entries, read from the gateway running on this node; refusals as they happen.
/// </summary>
internal static class FederationMetrics
{
    private static readonly Meter Meter = new(ActorPresenceMetrics.MeterName);
    private static readonly ConcurrentDictionary<object, Func<IEnumerable<PeerReport>>> Sources = new();

    private static readonly Counter<long> Refusals = Meter.CreateCounter<long>(
        "actorpresence.site.refusals", description: "Connections, frames and entries from peer sites refused (bad certificate, unknown site, broken rule)");

    static FederationMetrics()
    {
        Meter.CreateObservableGauge("actorpresence.site.link.state", () => Observe(r => (int)r.State),
            description: "Link to each peer site: 2 connected, 1 stale, 0 down");
        Meter.CreateObservableCounter("actorpresence.site.entries.in", () => Observe(r => r.EntitiesIn), description: "Entries received from each peer site");
        Meter.CreateObservableCounter("actorpresence.site.entries.out", () => Observe(r => r.EntitiesOut), description: "Entries sent to each peer site");
        Meter.CreateObservableCounter("actorpresence.site.bytes.in", () => Observe(r => r.BytesIn), unit: "By", description: "Bytes of frames received from each peer site");
        Meter.CreateObservableCounter("actorpresence.site.bytes.out", () => Observe(r => r.BytesOut), unit: "By", description: "Bytes of frames sent to each peer site");
        Meter.CreateObservableCounter("actorpresence.site.snapshots", () => Observe(r => r.Snapshots), description: "Snapshots sent to each peer site");
        Meter.CreateObservableGauge("actorpresence.site.pending", () => Observe(r => r.Pending), description: "Entities with a change waiting for each peer site's link");
        Meter.CreateObservableGauge("actorpresence.site.lag", () => Observe(r => r.LagMs ?? 0), unit: "ms",
            description: "Age of the latest change or heartbeat received from each peer site (includes the two clocks' difference)");
    }

    /// <summary>Adds a source of peer reports (a gateway running on this node) until <paramref name="owner"/> is removed.</summary>
    public static void Register(object owner, Func<IEnumerable<PeerReport>> source) => Sources[owner] = source;

    public static void Unregister(object owner) => Sources.TryRemove(owner, out _);

    public static void Refused(SiteId? peer, string what) =>
        Refusals.Add(1, new KeyValuePair<string, object?>("site", peer?.Value ?? "unknown"), new KeyValuePair<string, object?>("what", what));

    private static IEnumerable<Measurement<T>> Observe<T>(Func<PeerReport, T> value) where T : struct =>
        Sources.Values.SelectMany(source => source())
            .Select(r => new Measurement<T>(value(r), new KeyValuePair<string, object?>("site", r.Site.Value)))
            .ToList();
}
