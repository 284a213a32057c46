using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorPresence.Benchmarks;

/// <summary>Latency figures of one run, in microseconds, from an HdrHistogram.</summary>
public sealed record LatencySummary(long Count, double P50Us, double P90Us, double P99Us, double P999Us, double MaxUs, double MeanUs)
{
    public static readonly LatencySummary Empty = new(0, 0, 0, 0, 0, 0, 0);
}

/// <summary>CPU time spent by the processes named in <paramref name="Includes"/> while <paramref name="Changes"/> changes were delivered.</summary>
/// <param name="Seconds">User plus system CPU time, summed over those processes.</param>
/// <param name="Changes">Changes delivered (or writes acknowledged) in that time.</param>
/// <param name="Includes">Which processes were counted, so a reader can judge a comparison.</param>
/// <param name="ServerSeconds">For Redis: the part spent by redis-server alone.</param>
public sealed record CpuCost(double Seconds, long Changes, string Includes, double? ServerSeconds = null)
{
    [JsonIgnore]
    public double UsPerChange => Changes > 0 ? Seconds * 1e6 / Changes : double.NaN;
}

/// <summary>One latency measurement: a path, a cluster size and an offered rate.</summary>
/// <param name="System">"ActorPresence" or "Redis".</param>
/// <param name="Path">"library" (library write → library subscriber on another node), "http-sse"
/// (HTTP write → SSE subscriber on another node), or "pubsub" (Redis PUBLISH + HSET → subscriber).</param>
/// <param name="Nodes">Cluster size (Redis: 1 server).</param>
/// <param name="OfferedRate">Changes per second asked of the writer.</param>
/// <param name="AchievedRate">Changes per second the writer managed.</param>
/// <param name="Sent">Changes written.</param>
/// <param name="Lost">Changes written but never seen by the subscriber within the drain time.</param>
/// <param name="Cpu">CPU time per delivered change, when it was measured.</param>
public sealed record LatencyResult(
    string System,
    string Path,
    int Nodes,
    int OfferedRate,
    double AchievedRate,
    long Sent,
    long Lost,
    LatencySummary Latency,
    CpuCost? Cpu = null);

/// <summary>One step of the throughput search: every node writes device changes at its share of the offered rate.</summary>
public sealed record ThroughputStep(
    string System,
    int Nodes,
    int OfferedRate,
    double AchievedRate,
    long Sent,
    long Received,
    LatencySummary Latency,
    bool Sustained,
    CpuCost? Cpu = null);

/// <summary>
/// One batch of writes of one entity kind: new entities created, or existing ones updated, through
/// the library (one node, many in flight) or the HTTP API (keep-alive clients over every node).
/// </summary>
/// <param name="Via">"library" or "http".</param>
/// <param name="Operation">"create" (ids not written before) or "update" (ids that exist).</param>
/// <param name="Kind">"device", "mailbox" or "presence".</param>
/// <param name="Concurrency">Writes in flight (library) or concurrent clients (HTTP).</param>
/// <param name="Requested">Writes the batch was asked to make.</param>
/// <param name="Written">Writes acknowledged (HTTP: answered 2xx).</param>
/// <param name="TimedOut">Writes that timed out: their outcome is unknown.</param>
/// <param name="Errors">Writes that failed otherwise (an error answer, a refused connection).</param>
/// <param name="Seconds">From the first write to the last answer.</param>
/// <param name="Latency">Time from sending each write to its acknowledgement.</param>
/// <param name="SlowerThanOneSecond">Acknowledged writes whose answer took more than 1 s.</param>
public sealed record WriteRun(
    string System,
    string Via,
    string Operation,
    string Kind,
    int Nodes,
    int Concurrency,
    long Requested,
    long Written,
    long TimedOut,
    long Errors,
    double Seconds,
    LatencySummary Latency,
    long SlowerThanOneSecond = 0,
    CpuCost? Cpu = null)
{
    /// <summary>A few distinct failure messages, so a reader sees what went wrong.</summary>
    public IReadOnlyList<string> ErrorSamples { get; init; } = [];

    /// <summary>Writes never sent because the batch ran out of its time bound.</summary>
    [JsonIgnore]
    public long NotAttempted => Math.Max(0, Requested - Written - TimedOut - Errors);

    [JsonIgnore]
    public long Failed => TimedOut + Errors + NotAttempted;

    /// <summary>Acknowledged writes per second.</summary>
    [JsonIgnore]
    public double Rate => Seconds > 0 ? Written / Seconds : 0;
}

/// <summary>Memory held per entity on one node, after a full garbage collection.</summary>
public sealed record MemoryResult(string System, string Node, long Entities, long HeapBytesBefore, long HeapBytesAfter, double BytesPerEntity);

/// <summary>A time to reach a state, e.g. a new node holding everything, or both sides agreeing after a partition.</summary>
public sealed record TimingResult(string System, string Name, long Entities, double Seconds, string Detail);

/// <summary>Subscriptions held by one node's SIP edge (sipp's phones, one dialog subscription each).</summary>
/// <param name="SetupSeconds">From the first SUBSCRIBE to every subscription holding (its first NOTIFY answered).</param>
/// <param name="HeapBytesBefore">The edge node's heap after a full collection, before the subscriptions.</param>
public sealed record SipRun(int Subscriptions, double SetupSeconds, long HeapBytesBefore, long HeapBytesAfter, double BytesPerSubscription);

/// <summary>Something that went wrong during a phase; the harness recorded it and went on.</summary>
/// <param name="Phase">The phase, e.g. "3 nodes: scale".</param>
/// <param name="Message">What failed, e.g. "n2 answered 503 to the convergence check: …", and what was skipped.</param>
public sealed record PhaseFailure(string Phase, string Message);

/// <summary>Everything one harness run measured, plus how and where.</summary>
public sealed record BenchResults(
    string Command,
    bool Quick,
    string Machine,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    IReadOnlyList<LatencyResult> Latency,
    IReadOnlyList<ThroughputStep> Throughput,
    IReadOnlyList<MemoryResult> Memory,
    IReadOnlyList<TimingResult> Timings,
    IReadOnlyList<string> Notes)
{
    /// <summary>Creation and update batches (scale phase, HTTP phase).</summary>
    public IReadOnlyList<WriteRun> Writes { get; init; } = [];

    /// <summary>The SIP edge's subscriptions: how many, how fast they were made, what they hold.</summary>
    public IReadOnlyList<SipRun> Sip { get; init; } = [];

    /// <summary>Failures the harness survived; each phase they hit is incomplete.</summary>
    public IReadOnlyList<PhaseFailure> Failures { get; init; } = [];

    /// <summary>How results.json is written and read.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static BenchResults FromJson(string json) =>
        JsonSerializer.Deserialize<BenchResults>(json, Json) ?? throw new JsonException("results.json holds no results");
}
