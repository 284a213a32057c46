using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorPresence.Benchmarks;

/// <summary>What the coordinator and an agent say to each other over <c>/bench</c>; no Akka here, so the harness tests can use it.</summary>
public static partial class Agent
{
    /// <summary>Writes <paramref name="Count"/> changes through the library: change <c>i</c> (from <paramref name="First"/>)
    /// goes to entity <c>Prefix + i % Entities</c>, and its value alternates with each pass over the entities,
    /// so a second pass (<paramref name="First"/> = <paramref name="Entities"/>) updates what the first created.</summary>
    /// <param name="MaxSeconds">No write is started after this many seconds; the rest count as not attempted.</param>
    public sealed record WriteRequest(string Kind, string Prefix, long Count, int Rate, int Entities, int MaxInFlight, long First = 0, double MaxSeconds = 600);

    /// <summary>How a batch of writes went. A timeout is a write whose outcome is unknown.</summary>
    public sealed record WriteReport(long Attempted, long Written, long TimedOut, long Errors, double Seconds, LatencySummary Latency, IReadOnlyList<string> ErrorSamples)
    {
        [JsonIgnore]
        public long Failed => TimedOut + Errors;
    }

    public sealed record SubscribeRequest(string Kind, string Prefix);

    public sealed record StatsReport(long Received, LatencySummary Latency);

    public sealed record MemoryReport(long HeapBytes, long WorkingSetBytes, long Devices, long Mailboxes, long Presence, long LiveActors, long LiveDeviceActors);

    /// <summary>An order-free digest of the replica's entries (of some kinds, under an id prefix): equal on two nodes that hold the same state.</summary>
    /// <param name="Entities">Entity ids.</param>
    /// <param name="Entries">Entries (a device has one per node with a view).</param>
    public sealed record Fingerprint(long Entities, long Entries, string Hash);

    public sealed record ThrottleRequest(string Address, bool Blackhole);

    internal static string Stamp(long ticks) => "b:" + ticks;

    internal static long? ParseStamp(string message) =>
        message.StartsWith("b:", StringComparison.Ordinal) && long.TryParse(message.AsSpan(2), out var ticks) ? ticks : null;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
