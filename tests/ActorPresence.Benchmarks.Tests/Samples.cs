namespace ActorPresence.Benchmarks.Tests;

/// <summary>Hand-made results shaped like the harness's quick and full runs.</summary>
internal static class Samples
{
    public const string Command = "dotnet run -c Release --project tests/ActorPresence.Benchmarks -- --out docs/benchmarks";
    public const string Machine = "AMD EPYC 7B13, 2 cores, 24 GiB, Debian 12, .NET 10.0.12";

    /// <summary>Latency whose percentiles are the given milliseconds; p90, p99.9 and mean derived.</summary>
    public static LatencySummary Ms(double p50, double p99, double max) =>
        new(10_000, p50 * 1000, (p50 + p99) / 2 * 1000, p99 * 1000, (p99 + max) / 2 * 1000, max * 1000, p50 * 1100);

    public static LatencyResult Latency(string system, string path, int nodes, int rate, double p50, double p99, double max, long lost = 0, CpuCost? cpu = null) =>
        new(system, path, nodes, rate, rate * 0.998, rate * 10L, lost, Ms(p50, p99, max), cpu);

    public const string NodesCpu = "the 3 node processes (the library writer and subscriber run in them)";
    public const string RedisCpu = "redis-server + the harness process";

    /// <summary>A batch of writes: <paramref name="written"/> acknowledged in <paramref name="seconds"/>, the given failures.</summary>
    public static WriteRun Write(string via, string operation, string kind, long requested, long written, double seconds,
        long timedOut = 0, long errors = 0, long slow = 0, double maxMs = 400, int concurrency = 500) =>
        new("ActorPresence", via, operation, kind, 3, concurrency, requested, written, timedOut, errors, seconds, Ms(5, 50, maxMs), slow,
            new CpuCost(seconds * 1.5, written, NodesCpu));

    public static ThroughputStep Step(string system, int nodes, int rate, bool sustained) =>
        new(system, nodes, rate, sustained ? rate * 0.999 : rate * 0.7, rate * 10L, sustained ? rate * 10L : rate * 6L, Ms(2, 20, 80), sustained);

    public static BenchResults Empty() => new(
        Command, Quick: true, Machine, new DateTimeOffset(2025, 11, 26, 7, 0, 0, TimeSpan.Zero), TimeSpan.FromMinutes(3),
        [], [], [], [], []);

    /// <summary>Quick mode: one rate (1k/s), 3 nodes, a small memory run, no 300k timing.</summary>
    public static BenchResults Quick() => Empty() with
    {
        Latency =
        [
            Latency("ActorPresence", "library", 3, 1_000, 0.41, 2.3, 9.8),
            Latency("ActorPresence", "http-sse", 3, 1_000, 1.2, 6.5, 21),
            Latency("Redis", "pubsub", 1, 1_000, 0.2, 0.9, 3.1),
        ],
        Throughput =
        [
            Step("ActorPresence", 3, 5_000, sustained: true),
            Step("ActorPresence", 3, 10_000, sustained: true),
        ],
        Memory =
        [
            new("ActorPresence", "node-1", 10_000, 40_000_000, 48_100_000, 810),
            new("ActorPresence", "node-2", 10_000, 40_000_000, 48_300_000, 830),
            new("ActorPresence", "node-3", 10_000, 40_000_000, 48_200_000, 820),
            new("Redis", "redis-server", 10_000, 1_000_000, 2_100_000, 110),
        ],
        Timings =
        [
            new("ActorPresence", "new-node-full-state", 10_000, 0.8, "node-4 joined, 10k devices"),
            new("ActorPresence", "partition-convergence", 10_000, 1.4, "3|1 split healed"),
        ],
        Notes = ["Quick mode: 1,000 changes/s only.", "Redis ran in-process on the same machine."],
    };

    /// <summary>Full mode: every rate, 1 and 3 nodes, one rate (20k) without a Redis run.</summary>
    public static BenchResults Full() => Empty() with
    {
        Quick = false,
        Duration = TimeSpan.FromMinutes(47),
        Latency =
        [
            Latency("ActorPresence", "library", 1, 1_000, 0.2, 1.1, 4),
            Latency("ActorPresence", "library", 3, 1_000, 0.35, 2.1, 8),
            Latency("ActorPresence", "library", 3, 5_000, 0.62, 7.5, 31, cpu: new CpuCost(3.0, 50_000, NodesCpu)),
            Latency("ActorPresence", "library", 3, 10_000, 1.4, 18, 95),
            Latency("ActorPresence", "library", 3, 20_000, 3.2, 44, 210),
            Latency("ActorPresence", "http-sse", 3, 1_000, 1.1, 5.5, 19),
            Latency("ActorPresence", "http-sse", 3, 5_000, 2.5, 23.4, 88, lost: 3),
            Latency("ActorPresence", "http-sse", 3, 10_000, 5.1, 41, 170),
            Latency("Redis", "pubsub", 1, 1_000, 0.2, 0.8, 2.9),
            Latency("Redis", "pubsub", 1, 5_000, 0.25, 1.5, 6.2, cpu: new CpuCost(1.0, 50_000, RedisCpu, 0.4)),
            Latency("Redis", "pubsub", 1, 10_000, 0.31, 2.4, 11),
        ],
        Throughput =
        [
            Step("ActorPresence", 3, 20_000, sustained: true),
            Step("ActorPresence", 3, 40_000, sustained: true),
            Step("ActorPresence", 3, 60_000, sustained: true),
            Step("ActorPresence", 3, 80_000, sustained: false),
            Step("Redis", 1, 40_000, sustained: true),
            Step("Redis", 1, 80_000, sustained: true),
        ],
        Memory =
        [
            new("ActorPresence", "node-1", 300_000, 60_000_000, 330_000_000, 900),
            new("ActorPresence", "node-2", 300_000, 60_000_000, 340_000_000, 933.3),
            new("ActorPresence", "node-3", 300_000, 60_000_000, 380_000_000, 1066.7),
            new("Redis", "redis-server", 300_000, 1_000_000, 40_000_000, 130),
        ],
        Timings =
        [
            new("ActorPresence", "new-node-full-state", 300_000, 6.2, "node-4 joined"),
            new("ActorPresence", "partition-convergence", 300_000, 2.6, "3|1 split healed"),
            new("ActorPresence", "restart-up", 223_500, 2.1, "SIGKILL of all 3"),
            new("ActorPresence", "restart-full-state", 223_500, 3.4, "every durable entity back"),
            new("ActorPresence", "http-restart-up", 20_000, 1.9, "SIGKILL of all 3"),
            new("ActorPresence", "http-restart-mailboxes", 20_000, 2.2, "the HTTP mailboxes back"),
        ],
        Notes = ["Full run."],
        Writes =
        [
            // devices meet the creation target; mailboxes miss on rate and failures; presence only on failures.
            Write("library", "create", "device", 100_000, 100_000, 4.0),
            Write("library", "create", "mailbox", 100_000, 99_000, 9.9, timedOut: 600, errors: 400),
            Write("library", "create", "presence", 100_000, 99_990, 4.0, timedOut: 10) with { ErrorSamples = ["AskTimeoutException: write timed out, outcome unknown"] },
            Write("library", "update", "device", 100_000, 100_000, 2.0),
            Write("library", "update", "mailbox", 100_000, 100_000, 5.0),
            Write("library", "update", "presence", 100_000, 100_000, 4.0),
            Write("http", "create", "mailbox", 20_000, 20_000, 8.0, slow: 62, maxMs: 1_700, concurrency: 24),
            Write("http", "update", "device", 20_000, 20_000, 4.5, concurrency: 24),
        ],
    };
}
