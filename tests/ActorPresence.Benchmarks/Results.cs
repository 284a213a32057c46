namespace ActorPresence.Benchmarks;

/// <summary>Latency figures of one run, in microseconds, from an HdrHistogram.</summary>
public sealed record LatencySummary(long Count, double P50Us, double P90Us, double P99Us, double P999Us, double MaxUs, double MeanUs);

/// <summary>One latency measurement: a path, a cluster size and an offered rate.</summary>
/// <param name="System">"ActorPresence" or "Redis".</param>
/// <param name="Path">"library" (library write → library subscriber on another node), "http-sse"
/// (HTTP write → SSE subscriber on another node), or "pubsub" (Redis PUBLISH + HSET → subscriber).</param>
/// <param name="Nodes">Cluster size (Redis: 1 server).</param>
/// <param name="OfferedRate">Changes per second asked of the writer.</param>
/// <param name="AchievedRate">Changes per second the writer managed.</param>
/// <param name="Sent">Changes written.</param>
/// <param name="Lost">Changes written but never seen by the subscriber within the drain time.</param>
public sealed record LatencyResult(
    string System,
    string Path,
    int Nodes,
    int OfferedRate,
    double AchievedRate,
    long Sent,
    long Lost,
    LatencySummary Latency);

/// <summary>One step of the throughput search: every node writes device changes at its share of the offered rate.</summary>
public sealed record ThroughputStep(
    string System,
    int Nodes,
    int OfferedRate,
    double AchievedRate,
    long Sent,
    long Received,
    LatencySummary Latency,
    bool Sustained);

/// <summary>Memory held per entity on one node, after a full garbage collection.</summary>
public sealed record MemoryResult(string System, string Node, long Entities, long HeapBytesBefore, long HeapBytesAfter, double BytesPerEntity);

/// <summary>A time to reach a state, e.g. a new node holding everything, or both sides agreeing after a partition.</summary>
public sealed record TimingResult(string System, string Name, long Entities, double Seconds, string Detail);

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
    IReadOnlyList<string> Notes);
