using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace ActorPresence.Benchmarks;

/// <summary>What one run measures; <see cref="Quick"/> is the short form CI runs so the harness cannot rot.</summary>
public sealed record HarnessOptions(
    bool Quick,
    IReadOnlyList<int> ClusterSizes,
    IReadOnlyList<int> Rates,
    IReadOnlyList<int> HttpRates,
    IReadOnlyList<int> ThroughputRates,
    TimeSpan Duration,
    TimeSpan ThroughputDuration,
    int ScaleEntities,
    int PartitionChanges,
    string OutDir)
{
    public static HarnessOptions Full(string outDir) => new(
        false, [3, 5], [1_000, 5_000, 20_000], [1_000, 5_000], [10_000, 20_000, 40_000, 60_000, 80_000],
        TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), 100_000, 10_000, outDir);

    public static HarnessOptions QuickRun(string outDir) => new(
        true, [3], [1_000], [500], [5_000],
        TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), 1_000, 500, outDir);
}

/// <summary>
/// Starts everything a measurement needs on loopback (agent processes, a private redis-server),
/// runs the scenarios, and stops it all. Every loop is bounded in count and time.
/// </summary>
public sealed class Harness(HarnessOptions options, TextWriter log)
{
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(10);

    private const string AgentHocon = """
        akka.loglevel = WARNING
        # Throttling transport adapter: lets the harness cut and heal links between processes.
        akka.remote.dot-netty.tcp.applied-adapters = [trttl]
        # Partitions in the harness last seconds; nobody must be downed meanwhile.
        akka.cluster.split-brain-resolver.stable-after = 60s
        # Idle entity actors stop soon, so memory is measured with only the working set live.
        actorpresence.passivate-idle-after = 3s
        """;

    private readonly List<LatencyResult> _latency = [];
    private readonly List<ThroughputStep> _throughput = [];
    private readonly List<MemoryResult> _memory = [];
    private readonly List<TimingResult> _timings = [];
    private readonly List<string> _notes = [];

    public async Task<BenchResults> RunAsync(string command)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var work = Directory.CreateTempSubdirectory("ap-bench-").FullName;
        try
        {
            foreach (var nodes in options.ClusterSizes)
            {
                await RunClusterAsync(nodes, Path.Combine(work, $"n{nodes}"));
            }
            await using var redis = await RedisBaseline.StartAsync(work);
            if (redis is null)
            {
                _notes.Add("redis-server is not installed: the Redis baseline was not measured (apt-get install redis-server).");
            }
            else
            {
                foreach (var rate in options.Rates.Union(options.HttpRates).Order())
                {
                    await redis.MeasureAsync(Math.Min(rate, 2_000), TimeSpan.FromSeconds(1), 1000, Drain); // warm-up
                    var result = await redis.MeasureAsync(rate, options.Duration, 1000, Drain);
                    Log($"redis pubsub {rate}/s: {Format(result.Latency)} lost {result.Lost}");
                    _latency.Add(result);
                }
            }
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        return new BenchResults(command, options.Quick, Machine(), started, clock.Elapsed, _latency, _throughput, _memory, _timings, _notes);
    }

    private async Task RunClusterAsync(int nodes, string work)
    {
        Directory.CreateDirectory(work);
        // AP_BENCH_HOCON adds settings to every agent, to try a tuning without a rebuild.
        await using var cluster = new AgentCluster(work, AgentHocon + "\n" + Environment.GetEnvironmentVariable("AP_BENCH_HOCON"));
        var startTimeout = TimeSpan.FromSeconds(90);
        for (var i = 1; i <= nodes; i++)
        {
            await cluster.AddAsync($"n{i}", startTimeout);
        }
        Log($"{nodes} nodes up");
        var writer = cluster[0];
        var reader = cluster[Math.Min(2, nodes - 1)];

        // Warm-up (JIT, connections), not recorded.
        await reader.PostAsync("/bench/subscribe", new Agent.SubscribeRequest("presence", "warm-"));
        await writer.PostAsync<Agent.WriteReport>("/bench/write", new Agent.WriteRequest("presence", "warm-", 4_000, 2_000, 500, 500));

        // Library write on node A → library subscriber on node C.
        await reader.PostAsync("/bench/subscribe", new Agent.SubscribeRequest("presence", "lat-"));
        foreach (var rate in options.Rates)
        {
            await reader.PostAsync("/bench/reset", new { });
            var count = (long)(rate * options.Duration.TotalSeconds);
            var written = await writer.PostAsync<Agent.WriteReport>("/bench/write", new Agent.WriteRequest("presence", "lat-", count, rate, 1_000, 1_000));
            var stats = await DrainAsync(reader, written.Written);
            var result = new LatencyResult("ActorPresence", "library", nodes, rate, written.Written / written.Seconds, written.Written, written.Written - stats.Received, stats.Latency);
            Log($"library {nodes} nodes {rate}/s: achieved {result.AchievedRate:F0}/s, {Format(result.Latency)}, lost {result.Lost}");
            _latency.Add(result);
        }

        // HTTP write on node A → SSE subscriber on node C.
        foreach (var rate in options.HttpRates)
        {
            await SseLatency.MeasureAsync(writer, reader, nodes, Math.Min(rate, 1_000), TimeSpan.FromSeconds(1), 500, Drain, $"warm{rate}-");
            var result = await SseLatency.MeasureAsync(writer, reader, nodes, rate, options.Duration, 1_000, Drain, $"sse{rate}-");
            Log($"http-sse {nodes} nodes {rate}/s: achieved {result.AchievedRate:F0}/s, {Format(result.Latency)}, lost {result.Lost}");
            _latency.Add(result);
        }

        if (nodes == options.ClusterSizes.Min())
        {
            await ThroughputAsync(cluster, reader, nodes);
            await ScaleAsync(cluster, work);
        }
    }

    /// <summary>Every node writes device changes at its share of the offered rate; the highest rate whose
    /// changes all reach a subscriber on node C, with a bounded latency, is the sustained throughput.</summary>
    private async Task ThroughputAsync(AgentCluster cluster, AgentProcess reader, int nodes)
    {
        await reader.PostAsync("/bench/subscribe", new Agent.SubscribeRequest("device", "tp"));
        foreach (var rate in options.ThroughputRates)
        {
            await reader.PostAsync("/bench/reset", new { });
            var perNode = rate / nodes;
            var count = (long)(perNode * options.ThroughputDuration.TotalSeconds);
            var writes = cluster.Agents.Select((a, i) =>
                a.PostAsync<Agent.WriteReport>("/bench/write", new Agent.WriteRequest("device", $"tp{rate}-{i}-", count, perNode, 2_000, 2_000)));
            var reports = await Task.WhenAll(writes);
            var sent = reports.Sum(r => r.Written);
            var achieved = reports.Sum(r => r.Written / r.Seconds);
            var stats = await DrainAsync(reader, sent);
            var sustained = achieved >= 0.95 * rate && stats.Received >= sent && stats.Latency.P99Us < 1_000_000;
            var step = new ThroughputStep("ActorPresence", nodes, rate, achieved, sent, stats.Received, stats.Latency, sustained);
            Log($"throughput {rate}/s offered: achieved {achieved:F0}/s, received {stats.Received}/{sent}, {Format(stats.Latency)} → {(sustained ? "sustained" : "NOT sustained")}");
            _throughput.Add(step);
            if (!sustained)
            {
                break;
            }
        }
    }

    /// <summary>Memory per entity, a new node reaching the full state, and convergence after a partition.</summary>
    private async Task ScaleAsync(AgentCluster cluster, string work)
    {
        var n = options.ScaleEntities;
        var before = await SettledMemoryAsync(cluster.Agents);
        var writer = cluster[0];
        foreach (var kind in new[] { "device", "mailbox", "presence" })
        {
            var report = await writer.PostAsync<Agent.WriteReport>("/bench/write", new Agent.WriteRequest(kind, $"sc-{kind}-", n, 1_000_000, n, 500));
            Log($"scale: wrote {report.Written} {kind} entities in {report.Seconds:F1} s ({report.Written / report.Seconds:F0}/s, {report.Failed} failed)");
        }
        await ConvergedAsync(cluster.Agents, TimeSpan.FromSeconds(120), "after the scale writes");
        var after = await SettledMemoryAsync(cluster.Agents);
        _notes.Add($"Memory: {cluster[0].Name} wrote all {3 * n:N0} scale entities; its {after[0].LiveDeviceActors:N0} device views keep their entity actors " +
                   "alive by design (an entity with a view of its own node's stays live), so its figure is the replica plus a live actor per device. " +
                   "The other nodes hold the replica only (their entity actors stop when idle).");
        for (var i = 0; i < cluster.Agents.Count; i++)
        {
            var entities = 3L * n;
            var perEntity = (after[i].HeapBytes - before[i].HeapBytes) / (double)entities;
            _memory.Add(new MemoryResult("ActorPresence", cluster[i].Name, entities, before[i].HeapBytes, after[i].HeapBytes, perEntity));
            Log($"memory on {cluster[i].Name}: {perEntity:F0} bytes per entity (heap {before[i].HeapBytes / 1e6:F0} → {after[i].HeapBytes / 1e6:F0} MB)");
        }

        // A node that joins now must receive everything.
        var joinClock = Stopwatch.StartNew();
        var late = await cluster.AddAsync("late", TimeSpan.FromSeconds(90));
        var upAt = joinClock.Elapsed;
        var target = await writer.GetAsync<Agent.Fingerprint>("/bench/fingerprint");
        await UntilAsync(async () => (await late.GetAsync<Agent.Fingerprint>("/bench/fingerprint")) == target, TimeSpan.FromSeconds(120), "the new node holding the full state");
        var full = joinClock.Elapsed;
        _timings.Add(new TimingResult("ActorPresence", "new-node-full-state", 3L * n, full.TotalSeconds,
            $"process start to identical replica; Up after {upAt.TotalSeconds:F1} s, full state {(full - upAt).TotalSeconds:F1} s later"));
        Log($"new node: Up after {upAt.TotalSeconds:F1} s, full state ({target.Entries} entries) after {full.TotalSeconds:F1} s");
        await late.DisposeAsync();
        await writer.PostAsync<System.Text.Json.JsonElement>("/api/v1/cluster/down-unreachable", new { });

        // Partition {n1, n2} | {n3}, writes on both sides, heal, time until every node agrees.
        var majority = cluster.Agents.Take(2).ToList();
        var minority = cluster.Agents.Skip(2).Take(1).ToList();
        var survivors = majority.Concat(minority).ToList();
        await UntilAsync(async () => (await writer.UpMembersAsync()) == survivors.Count, TimeSpan.FromSeconds(60), "the late node's removal");
        await cluster.ThrottleAsync(majority, minority, blackhole: true);
        await UntilAsync(async () => (await writer.UpMembersAsync()) < survivors.Count, TimeSpan.FromSeconds(60), "the partition to be seen");
        var changes = options.PartitionChanges;
        var sides = await Task.WhenAll(
            majority[0].PostAsync<Agent.WriteReport>("/bench/write", new Agent.WriteRequest("presence", "pa-", changes, 1_000_000, Math.Max(1, changes / 2), 1_000)),
            minority[0].PostAsync<Agent.WriteReport>("/bench/write", new Agent.WriteRequest("presence", "pa-", changes, 1_000_000, Math.Max(1, changes / 2), 1_000)));
        Log($"partition: {sides[0].Written} changes on the majority, {sides[1].Written} on the minority");
        await ConvergedAsync(majority, TimeSpan.FromSeconds(60), "within the majority");
        var healClock = Stopwatch.StartNew();
        await cluster.ThrottleAsync(majority, minority, blackhole: false);
        await ConvergedAsync(survivors, TimeSpan.FromSeconds(120), "after the partition healed");
        _timings.Add(new TimingResult("ActorPresence", "partition-convergence", sides[0].Written + sides[1].Written, healClock.Elapsed.TotalSeconds,
            "heal to identical replicas on all three nodes, both sides having written the same entities"));
        Log($"partition healed: converged after {healClock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Memory once idle entity actors have stopped (only devices with a view of the node's own stay live).</summary>
    private static async Task<Agent.MemoryReport[]> SettledMemoryAsync(IReadOnlyList<AgentProcess> agents)
    {
        Agent.MemoryReport[] reports = [];
        await UntilAsync(async () =>
        {
            reports = await Task.WhenAll(agents.Select(a => a.GetAsync<Agent.MemoryReport>("/bench/memory")));
            return reports.All(r => r.LiveActors == r.LiveDeviceActors);
        }, TimeSpan.FromSeconds(120), "idle entity actors to stop");
        return reports;
    }

    private async Task ConvergedAsync(IReadOnlyList<AgentProcess> agents, TimeSpan timeout, string what) =>
        await UntilAsync(async () =>
        {
            var prints = await Task.WhenAll(agents.Select(a => a.GetAsync<Agent.Fingerprint>("/bench/fingerprint")));
            return prints.Distinct().Count() == 1;
        }, timeout, $"identical replicas {what}");

    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout} waiting for {what}");
            }
            await Task.Delay(100);
        }
    }

    private static async Task<Agent.StatsReport> DrainAsync(AgentProcess reader, long expected)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var stats = await reader.GetAsync<Agent.StatsReport>("/bench/stats");
            if (stats.Received >= expected || clock.Elapsed > Drain)
            {
                return stats;
            }
            await Task.Delay(50);
        }
    }

    private void Log(string line) => log.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

    internal static string Format(LatencySummary l) =>
        $"p50 {l.P50Us / 1000:F2} ms, p90 {l.P90Us / 1000:F2} ms, p99 {l.P99Us / 1000:F2} ms, max {l.MaxUs / 1000:F1} ms ({l.Count} samples)";

    /// <summary>The machine the figures come from.</summary>
    internal static string Machine()
    {
        string Read(string path, string key) =>
            File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(':', '=').Last().Trim().Trim('"') ?? "?" : "?";
        var cpu = Read("/proc/cpuinfo", "model name");
        var memKb = Read("/proc/meminfo", "MemTotal").Split(' ')[0];
        var memory = long.TryParse(memKb, out var kb) ? $"{kb / 1024.0 / 1024.0:F0} GiB" : "?";
        var os = Read("/etc/os-release", "PRETTY_NAME");
        return $"{cpu}, {Environment.ProcessorCount} cores, {memory} memory, {os}, {RuntimeInformation.FrameworkDescription}";
    }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
