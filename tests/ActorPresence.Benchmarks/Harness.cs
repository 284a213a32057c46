using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace ActorPresence.Benchmarks;

/// <summary>What one run measures; <see cref="QuickRun"/> is the short form CI runs so the harness cannot rot.</summary>
/// <param name="HttpEntities">New mailboxes written through the HTTP API, and as many device-view updates beside them.</param>
/// <param name="HttpClients">Concurrent keep-alive HTTP clients, spread over the nodes.</param>
/// <param name="SeparateHttpRestart">Restart the cluster right after the HTTP writes (full mode); otherwise
/// the HTTP mailboxes are timed in the one restart after the scale writes.</param>
/// <param name="WriteBound">No batch of writes starts a write after this long; the rest count as not attempted.</param>
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
    int HttpEntities,
    int HttpClients,
    bool SeparateHttpRestart,
    TimeSpan WriteBound,
    string OutDir,
    IReadOnlyList<int> SiteRates,
    int SiteResyncDevices,
    int SipSubscriptions,
    int SipRate,
    int XmppRate)
{
    public static HarnessOptions Full(string outDir) => new(
        false, [3, 5], [1_000, 5_000, 20_000], [1_000, 5_000], [10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 80_000, 100_000],
        TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), 100_000, 10_000, 20_000, 24, true, TimeSpan.FromSeconds(120), outDir,
        [1_000, 5_000], 100_000, 10_000, 1_000, 500);

    public static HarnessOptions QuickRun(string outDir) => new(
        true, [3], [1_000], [500], [5_000],
        TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), 1_000, 500, 1_000, 24, false, TimeSpan.FromSeconds(20), outDir,
        [1_000], 2_000, 1_000, 500, 200);
}

/// <summary>
/// Starts everything a measurement needs on loopback (agent processes, a private redis-server),
/// runs the scenarios, and stops it all. Every loop and wait is bounded in count and time. A phase
/// that fails (a node answering 503, not answering, dying) is recorded with what it left unmeasured;
/// the run goes on, and the report is written whatever happened.
/// </summary>
public sealed partial class Harness
{
    private const string ActorPresence = "ActorPresence";
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RestartBound = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan ConvergenceBound = TimeSpan.FromSeconds(120);

    private const string AgentHocon = """
        akka.loglevel = WARNING
        # Throttling transport adapter: lets the harness cut and heal links between processes.
        akka.remote.dot-netty.tcp.applied-adapters = [trttl]
        # Partitions in the harness last seconds; nobody must be downed meanwhile.
        akka.cluster.split-brain-resolver.stable-after = 60s
        # Idle entity actors stop soon, so memory is measured with only the working set live.
        actorpresence.passivate-idle-after = 3s
        """;

    private readonly HarnessOptions _options;
    private readonly PhaseLog _phases;
    private readonly List<LatencyResult> _latency = [];
    private readonly List<ThroughputStep> _throughput = [];
    private readonly List<MemoryResult> _memory = [];
    private readonly List<TimingResult> _timings = [];
    private readonly List<WriteRun> _writes = [];
    private readonly List<string> _notes = [];
    private readonly List<SipRun> _sip = [];

    public Harness(HarnessOptions options, TextWriter log)
    {
        _options = options;
        _phases = new PhaseLog(log);
    }

    public async Task<BenchResults> RunAsync(string command)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var work = Directory.CreateTempSubdirectory("ap-bench-").FullName;
        if (Only is not null)
        {
            _notes.Add($"A partial run: only the steps matching AP_BENCH_ONLY={string.Join(',', Only)} ran.");
        }
        try
        {
            // AP_BENCH_AGENTS=jit runs the agents from the build output in a full run too (to compare).
            if (!_options.Quick && Environment.GetEnvironmentVariable("AP_BENCH_AGENTS") != "jit")
            {
                Log("publishing the agents ReadyToRun");
                if (await AgentBuild.UseReadyToRunAsync(work) is { } why)
                {
                    Log(why);
                    _notes.Add($"The ReadyToRun publish of the agents failed: {why}.");
                }
            }
            _notes.Add($"Node processes ran {AgentBuild.Description}.");
            foreach (var nodes in Only is null ? _options.ClusterSizes : [_options.ClusterSizes.Min()])
            {
                await _phases.RunAsync($"{nodes} nodes", () => RunClusterAsync(nodes, Path.Combine(work, $"n{nodes}")));
            }
            if (Selected("site links"))
            {
                await _phases.RunAsync("site links", () => SitesAsync(Path.Combine(work, "sites")), "the site-link figures");
            }
            if (Selected("SIP edge"))
            {
                await _phases.RunAsync("SIP edge", () => SipAsync(Path.Combine(work, "sip")), "the SIP figures");
            }
            if (Selected("XMPP bridge"))
            {
                await _phases.RunAsync("XMPP bridge", () => XmppAsync(Path.Combine(work, "xmpp")), "the XMPP figures");
            }
            if (Selected("Redis baseline"))
            {
                await _phases.RunAsync("Redis baseline", () => RedisAsync(work), "the Redis figures");
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
        return new BenchResults(command, _options.Quick, Machine(), started, clock.Elapsed, _latency, _throughput, _memory, _timings, _notes)
        {
            Writes = _writes,
            Failures = _phases.Failures,
            Sip = _sip,
        };
    }

    private async Task RunClusterAsync(int nodes, string work)
    {
        Directory.CreateDirectory(work);
        var label = $"{nodes} nodes";
        // AP_BENCH_HOCON adds settings to every agent, to try a tuning without a rebuild.
        await using var cluster = new AgentCluster(work, AgentHocon + "\n" + Environment.GetEnvironmentVariable("AP_BENCH_HOCON"));
        var started = await _phases.RunAsync($"{label}: start", async () =>
        {
            for (var i = 1; i <= nodes; i++)
            {
                await cluster.AddAsync($"n{i}", TimeSpan.FromSeconds(90));
            }
        }, $"every {label} measurement");
        if (!started)
        {
            return;
        }
        Log($"{nodes} nodes up");
        var writer = cluster[0];
        var reader = cluster[Math.Min(2, nodes - 1)];

        var steps = new List<(string Name, Func<Task> Run)> { ("warm-up", () => WarmUpAsync(writer, reader)) };
        foreach (var rate in _options.Rates)
        {
            steps.Add(($"library latency at {N(rate)}/s", () => LibraryLatencyAsync(cluster, writer, reader, rate)));
        }
        foreach (var rate in _options.HttpRates)
        {
            steps.Add(($"HTTP → SSE latency at {N(rate)}/s", () => SseLatencyAsync(cluster, writer, reader, rate)));
        }
        if (nodes == _options.ClusterSizes.Min())
        {
            steps.Add(("throughput", () => ThroughputAsync(cluster, reader)));
            steps.Add(("HTTP writes", () => HttpWritesAsync(cluster)));
            steps.Add(("scale writes and memory", () => ScaleAsync(cluster)));
            steps.Add(("new node", () => NewNodeAsync(cluster)));
            steps.Add(("full-cluster SIGKILL and restart", () => FullRestartAsync(cluster)));
            steps.Add(("partition", () => PartitionAsync(cluster)));
        }
        steps = steps.Where(step => step.Name == "warm-up" || Selected(step.Name)).ToList();
        // A later step needs every node Up: after a failure, wait for that (bounded) or leave the rest out.
        await _phases.RunStepsAsync(label, steps, () => cluster.WaitAllUpAsync(TimeSpan.FromSeconds(60)));
    }

    /// <summary>AP_BENCH_ONLY (comma-separated parts of step names, e.g. "scale,restart") runs only those
    /// steps, on the smallest cluster: a tuning aid. A report from such a run is partial.</summary>
    private static readonly string[]? Only = Environment.GetEnvironmentVariable("AP_BENCH_ONLY") is { Length: > 0 } only
        ? only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        : null;

    private static readonly bool TraceRestart = Environment.GetEnvironmentVariable("AP_BENCH_LOGS") is { Length: > 0 };

    private static bool Selected(string step) => Only is null || Only.Any(part => step.Contains(part, StringComparison.OrdinalIgnoreCase));

    private static async Task WarmUpAsync(AgentProcess writer, AgentProcess reader)
    {
        // JIT, connections; not recorded.
        await reader.PostAsync("/bench/subscribe", new Agent.SubscribeRequest("presence", "warm-"), "the warm-up subscription");
        await writer.PostAsync<Agent.WriteReport>("/bench/write", new Agent.WriteRequest("presence", "warm-", 4_000, 2_000, 500, 500, 0, 30),
            "the warm-up writes", TimeSpan.FromSeconds(90));
    }

    /// <summary>Library write on node A → library subscriber on node C.</summary>
    private async Task LibraryLatencyAsync(AgentCluster cluster, AgentProcess writer, AgentProcess reader, int rate)
    {
        var nodes = cluster.Agents.Count;
        await reader.PostAsync("/bench/subscribe", new Agent.SubscribeRequest("presence", "lat-"), "the latency subscription");
        var count = (long)(rate * _options.Duration.TotalSeconds);
        var bound = 3 * _options.Duration.TotalSeconds + 30;
        var cpu = cluster.CpuTimes();
        var written = await writer.PostAsync<Agent.WriteReport>("/bench/write", new Agent.WriteRequest("presence", "lat-", count, rate, 1_000, 1_000, 0, bound),
            $"the library writes at {N(rate)}/s", TimeSpan.FromSeconds(bound + 60));
        var stats = await DrainAsync(reader, written.Written);
        var cost = new CpuCost(cluster.CpuSecondsSince(cpu), stats.Received, NodesIncluded(nodes, "the library writer and subscriber run in them"));
        var result = new LatencyResult(ActorPresence, "library", nodes, rate, written.Written / written.Seconds, written.Written, written.Written - stats.Received, stats.Latency, cost);
        Log($"library {nodes} nodes {rate}/s: achieved {result.AchievedRate:F0}/s, {Format(result.Latency)}, lost {result.Lost}, {Cpu(cost)}");
        _latency.Add(result);
    }

    /// <summary>HTTP write on node A → SSE subscriber on node C.</summary>
    private async Task SseLatencyAsync(AgentCluster cluster, AgentProcess writer, AgentProcess reader, int rate)
    {
        var nodes = cluster.Agents.Count;
        await SseLatency.MeasureAsync(writer, reader, nodes, Math.Min(rate, 1_000), TimeSpan.FromSeconds(1), 500, Drain, $"warm{rate}-");
        var cpu = cluster.CpuTimes();
        var result = await SseLatency.MeasureAsync(writer, reader, nodes, rate, _options.Duration, 1_000, Drain, $"sse{rate}-");
        var cost = new CpuCost(cluster.CpuSecondsSince(cpu), result.Sent - result.Lost, NodesIncluded(nodes, "the HTTP writer and the SSE reader run in the harness and are not counted"));
        result = result with { Cpu = cost };
        Log($"http-sse {nodes} nodes {rate}/s: achieved {result.AchievedRate:F0}/s, {Format(result.Latency)}, lost {result.Lost}, {Cpu(cost)}");
        _latency.Add(result);
    }

    /// <summary>Every node writes device changes at its share of the offered rate; the highest rate whose
    /// changes all reach a subscriber on node C, with a bounded latency, is the sustained throughput.
    /// The ladder stops at the first rate not sustained.</summary>
    private async Task ThroughputAsync(AgentCluster cluster, AgentProcess reader)
    {
        var nodes = cluster.Agents.Count;
        await reader.PostAsync("/bench/subscribe", new Agent.SubscribeRequest("device", "tp"), "the throughput subscription");
        foreach (var rate in _options.ThroughputRates)
        {
            await reader.PostAsync("/bench/reset", new { }, "the throughput reset");
            var perNode = rate / nodes;
            var count = (long)(perNode * _options.ThroughputDuration.TotalSeconds);
            var bound = 3 * _options.ThroughputDuration.TotalSeconds + 30;
            var cpu = cluster.CpuTimes();
            var writes = cluster.Agents.Select((a, i) => a.PostAsync<Agent.WriteReport>("/bench/write",
                new Agent.WriteRequest("device", $"tp{rate}-{i}-", count, perNode, 2_000, 2_000, 0, bound), $"the throughput writes at {N(rate)}/s", TimeSpan.FromSeconds(bound + 60)));
            var reports = await Task.WhenAll(writes);
            var sent = reports.Sum(r => r.Written);
            var achieved = reports.Sum(r => r.Written / r.Seconds);
            var stats = await DrainAsync(reader, sent);
            var cost = new CpuCost(cluster.CpuSecondsSince(cpu), stats.Received, NodesIncluded(nodes, "the writers and the subscriber run in them"));
            var failed = reports.Sum(r => r.Failed);
            var sustained = achieved >= 0.95 * rate && failed == 0 && stats.Received >= sent && stats.Latency.P99Us < 1_000_000;
            var step = new ThroughputStep(ActorPresence, nodes, rate, achieved, sent, stats.Received, stats.Latency, sustained, cost);
            Log($"throughput {rate}/s offered: achieved {achieved:F0}/s, {failed} writes failed, received {stats.Received}/{sent}, {Format(stats.Latency)}, {Cpu(cost)} → {(sustained ? "sustained" : "NOT sustained")}");
            _throughput.Add(step);
            if (!sustained)
            {
                // The backlog of a rate not sustained would slow whatever comes next.
                await QuietAsync(reader);
                break;
            }
        }
    }

    /// <summary>Waits (bounded) until the subscriber has received nothing new for a second.</summary>
    private static async Task QuietAsync(AgentProcess reader)
    {
        var last = -1L;
        await Waits.UntilAsync(async () =>
        {
            var received = (await reader.GetAsync<Agent.StatsReport>("/bench/stats", "the subscriber's statistics", TimeSpan.FromSeconds(30))).Received;
            var quiet = received == last;
            last = received;
            return quiet;
        }, TimeSpan.FromSeconds(60), "the throughput backlog to drain", TimeSpan.FromSeconds(1));
    }

    /// <summary>New durable mailboxes through the HTTP API beside updates of existing device views, the same
    /// clients in the same run; then (full mode) every node killed and restarted.</summary>
    private async Task HttpWritesAsync(AgentCluster cluster)
    {
        var agents = cluster.Agents.ToList();
        var nodes = agents.Count;
        var count = _options.HttpEntities;
        var bound = _options.WriteBound;
        // The device views to update: node k creates its share (its own views) through the library first.
        var made = await Task.WhenAll(agents.Select((a, k) =>
        {
            var share = HttpWrites.Share(count, nodes, k);
            return a.PostAsync<Agent.WriteReport>("/bench/write", new Agent.WriteRequest("device", $"hd{k}-", share, 1_000_000, (int)share, 500, 0, bound.TotalSeconds),
                "creating the device views the HTTP phase updates", bound + TimeSpan.FromSeconds(60));
        }));
        if (made.Sum(m => m.Failed) is var failed and > 0)
        {
            var said = string.Join("; ", made.SelectMany(m => m.ErrorSamples).Distinct().Take(3));
            _notes.Add($"HTTP phase: {N(failed)} of the {N(count)} device views to be updated failed to be created (by node: "
                + string.Join(", ", made.Select((m, k) => $"{agents[k].Name} {N(m.Failed)}")) + $"; {said}); their updates create them instead.");
        }

        await Checks.ConvergedAsync(cluster.Clients, ConvergenceBound, "after creating the device views");

        // The same clients, each on one keep-alive connection to its node, for both batches.
        var clients = Enumerable.Range(0, _options.HttpClients)
            .Select(c => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = agents[c % nodes].BaseAddress, Timeout = Timeout.InfiniteTimeSpan })
            .ToList();
        try
        {
            await HttpBatchesAsync(cluster, clients, count, bound);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        if (_options.SeparateHttpRestart)
        {
            await RestartAsync(cluster, Report.HttpRestartUp,
                [new RestartCheck(Report.HttpRestartMailboxes, ["mailbox"], "hm", "the HTTP phase's mailboxes")]);
        }
    }

    private async Task HttpBatchesAsync(AgentCluster cluster, IReadOnlyList<HttpClient> clients, int count, TimeSpan bound)
    {
        var nodes = cluster.Agents.Count;
        var requestTimeout = TimeSpan.FromSeconds(30);
        var includes = NodesIncluded(nodes, "the HTTP clients run in the harness and are not counted");

        // Unrecorded warm-up of both paths, with the same clients: otherwise the batch that runs first
        // pays alone for the JIT of its endpoint and kind (in a run of this step alone, new mailboxes
        // went in at 1,860/s cold). Other mailboxes; the device views the updates below change again.
        var warm = Math.Max(count / 10, 1);
        var warmed = new[]
        {
            await HttpWrites.RunAsync(clients, nodes, "create", "mailbox", warm,
                (k, j) => new HttpWrites.Put($"/api/v1/mailboxes/hw{k}-{j}", """{"new":1,"old":2,"urgent":0}"""), bound, requestTimeout),
            await HttpWrites.RunAsync(clients, nodes, "update", "device", warm,
                (k, j) => new HttpWrites.Put($"/api/v1/devices/hd{k}-{j}", """{"state":"RINGING"}"""), bound, requestTimeout),
        };
        if (warmed.Sum(w => w.Failed) is var warmFailed and > 0)
        {
            _notes.Add($"HTTP phase: {N(warmFailed)} of the {N(2 * warm)} unrecorded warm-up writes failed.");
        }

        var cpu = cluster.CpuTimes();
        var mailboxes = await HttpWrites.RunAsync(clients, nodes, "create", "mailbox", count,
            (k, j) => new HttpWrites.Put($"/api/v1/mailboxes/hm{k}-{j}", """{"new":1,"old":2,"urgent":0}"""), bound, requestTimeout);
        mailboxes = mailboxes with { Cpu = new CpuCost(cluster.CpuSecondsSince(cpu), mailboxes.Written, includes) };
        _writes.Add(mailboxes);
        Log($"http: {N(mailboxes.Written)} new mailboxes at {mailboxes.Rate:F0}/s, {Format(mailboxes.Latency)}, {mailboxes.SlowerThanOneSecond} slower than 1 s, {Failures(mailboxes)}");

        cpu = cluster.CpuTimes();
        var devices = await HttpWrites.RunAsync(clients, nodes, "update", "device", count,
            (k, j) => new HttpWrites.Put($"/api/v1/devices/hd{k}-{j}", """{"state":"NOT_INUSE"}"""), bound, requestTimeout);
        devices = devices with { Cpu = new CpuCost(cluster.CpuSecondsSince(cpu), devices.Written, includes) };
        _writes.Add(devices);
        Log($"http: {N(devices.Written)} device view updates at {devices.Rate:F0}/s, {Format(devices.Latency)}, {devices.SlowerThanOneSecond} slower than 1 s, {Failures(devices)}");
    }

    /// <summary>100,000 new entities of each kind through the library on one node (500 in flight), then as many
    /// updates of them; then memory per entity on every node.</summary>
    private async Task ScaleAsync(AgentCluster cluster)
    {
        var n = _options.ScaleEntities;
        var agents = cluster.Agents.ToList();
        var writer = agents[0];
        var before = await SettledMemoryAsync(agents);
        string[] kinds = ["device", "mailbox", "presence"];
        var attempted = new Dictionary<string, long>();
        foreach (var kind in kinds)
        {
            var report = await LibraryBatchAsync(cluster, writer, "create", kind, n, first: 0);
            attempted[kind] = report.Attempted;
        }
        foreach (var kind in kinds)
        {
            // The second pass over the same ids: each write changes the value the first pass created.
            await LibraryBatchAsync(cluster, writer, "update", kind, attempted[kind], first: n);
        }
        await Checks.ConvergedAsync(cluster.Clients, ConvergenceBound, "after the scale writes");
        var after = await SettledMemoryAsync(agents);
        _notes.Add($"Memory: {writer.Name} wrote all {3 * n:N0} scale entities; its {after[0].LiveDeviceActors:N0} device views keep their entity actors " +
                   "alive by design (an entity with a view of its own node's stays live), so its figure is the replica plus a live actor per device. " +
                   "The other nodes hold the replica only (their entity actors stop when idle).");
        for (var i = 0; i < agents.Count; i++)
        {
            var entities = 3L * n;
            var perEntity = (after[i].HeapBytes - before[i].HeapBytes) / (double)entities;
            _memory.Add(new MemoryResult(ActorPresence, agents[i].Name, entities, before[i].HeapBytes, after[i].HeapBytes, perEntity));
            Log($"memory on {agents[i].Name}: {perEntity:F0} bytes per entity (heap {before[i].HeapBytes / 1e6:F0} → {after[i].HeapBytes / 1e6:F0} MB)");
        }
    }

    private async Task<Agent.WriteReport> LibraryBatchAsync(AgentCluster cluster, AgentProcess writer, string operation, string kind, long count, long first)
    {
        const int InFlight = 500;
        var n = _options.ScaleEntities;
        var bound = _options.WriteBound;
        var cpu = cluster.CpuTimes();
        var report = await writer.PostAsync<Agent.WriteReport>("/bench/write",
            new Agent.WriteRequest(kind, $"sc-{kind}-", count, 1_000_000, n, InFlight, first, bound.TotalSeconds),
            $"the {operation} of {N(count)} {kind} entities", bound + TimeSpan.FromSeconds(90));
        var cost = new CpuCost(cluster.CpuSecondsSince(cpu), report.Written, NodesIncluded(cluster.Agents.Count, "the writer runs in one of them"));
        var run = new WriteRun(ActorPresence, "library", operation, kind, cluster.Agents.Count, InFlight, count,
            report.Written, report.TimedOut, report.Errors, report.Seconds, report.Latency, 0, cost)
        {
            ErrorSamples = report.ErrorSamples,
        };
        _writes.Add(run);
        Log($"scale: {operation} {N(report.Written)} of {N(count)} {kind} entities in {report.Seconds:F1} s ({run.Rate:F0}/s), {Failures(run)}, ack {Format(report.Latency)}, {Cpu(cost)}");
        return report;
    }

    /// <summary>A node that joins now must receive everything.</summary>
    private async Task NewNodeAsync(AgentCluster cluster)
    {
        var writer = cluster[0];
        var survivors = cluster.Agents.Count;
        try
        {
            var joinClock = Stopwatch.StartNew();
            var late = await cluster.AddAsync("late", TimeSpan.FromSeconds(90));
            var upAt = joinClock.Elapsed;
            var target = await writer.GetAsync<Agent.Fingerprint>("/bench/fingerprint", "the full-state check");
            await Waits.UntilAsync(async () => await late.GetAsync<Agent.Fingerprint>("/bench/fingerprint", "the full-state check") == target,
                TimeSpan.FromSeconds(120), "the new node holding the full state");
            var full = joinClock.Elapsed;
            _timings.Add(new TimingResult(ActorPresence, Report.NewNodeFullState, 3L * _options.ScaleEntities, full.TotalSeconds,
                $"process start to identical replica ({N(target.Entities)} entities in all); Up after {upAt.TotalSeconds:F1} s, full state {(full - upAt).TotalSeconds:F1} s later"));
            Log($"new node: Up after {upAt.TotalSeconds:F1} s, full state ({target.Entries} entries) after {full.TotalSeconds:F1} s");
        }
        finally
        {
            if (cluster.Agents.FirstOrDefault(a => a.Name == "late") is { } late)
            {
                await cluster.RemoveAsync(late);
                await writer.PostAsync("/api/v1/cluster/down-unreachable", new { }, "downing the stopped new node");
                await Waits.UntilAsync(async () => await writer.UpMembersAsync() == survivors, TimeSpan.FromSeconds(60), "the new node's removal");
            }
        }
    }

    /// <summary>The durable entities (mailboxes and presence) must all be back on every node after every node process is SIGKILLed and restarted.</summary>
    private Task FullRestartAsync(AgentCluster cluster)
    {
        List<RestartCheck> checks = [new(Report.RestartFullState, ["mailbox", "presence"], "", "every durable entity")];
        if (!_options.SeparateHttpRestart)
        {
            checks.Add(new RestartCheck(Report.HttpRestartMailboxes, ["mailbox"], "hm", "the HTTP phase's mailboxes (timed in this restart)"));
        }
        return RestartAsync(cluster, Report.RestartUp, checks);
    }

    /// <summary>What must be back after a restart (each kind compared on its own), and the timing it is recorded as.</summary>
    private sealed record RestartCheck(string Timing, IReadOnlyList<string> Kinds, string Prefix, string What);

    /// <summary>One kind of one check: the fingerprint a node must show again.</summary>
    private sealed record RestartProbe(int Check, string Kind, string Path);

    /// <summary>
    /// SIGKILLs every node process at once, starts them all again on the same names, ports and data
    /// directories, and times (from the start) every node seeing all Up, and every node holding again,
    /// kind by kind, exactly what the cluster held before the kill.
    /// </summary>
    private async Task RestartAsync(AgentCluster cluster, string upTiming, IReadOnlyList<RestartCheck> checks)
    {
        var agents = cluster.Agents.ToList();
        var probes = checks.SelectMany((c, ci) => c.Kinds.Select(k =>
            new RestartProbe(ci, k, $"/bench/fingerprint?kinds={k}&prefix={Uri.EscapeDataString(c.Prefix)}"))).ToList();
        await Checks.ConvergedAsync(cluster.Clients, ConvergenceBound, "before the full-cluster restart");
        var targets = await Task.WhenAll(probes.Select(p => agents[0].GetAsync<Agent.Fingerprint>(p.Path, "the restart check")));
        await cluster.KillAllAsync(TimeSpan.FromSeconds(20));
        var clock = Stopwatch.StartNew();
        if (TraceRestart)
        {
            Log($"restart trace: clock starts at {DateTime.Now:HH:mm:ss.fff} (local time, as the node logs write it)");
        }
        cluster.RestartAll();

        async Task<TimeSpan> UpAsync()
        {
            await Waits.UntilAsync(async () =>
            {
                if (agents.FirstOrDefault(a => !a.Running) is { } dead)
                {
                    throw new NodeDownException($"{dead.Name} {dead.ProcessState()}");
                }
                return (await Task.WhenAll(agents.Select(a => a.UpMembersAsync(TimeSpan.FromSeconds(2))))).All(c => c == agents.Count);
            }, RestartBound, $"all {agents.Count} nodes Up after the restart");
            return clock.Elapsed;
        }
        var up = UpAsync();
        var back = new double?[agents.Count, probes.Count];
        var seen = new Agent.Fingerprint?[agents.Count, probes.Count];
        var holding = agents.Select((a, i) => Waits.UntilAsync(async () =>
        {
            for (var p = 0; p < probes.Count; p++)
            {
                if (back[i, p] is null)
                {
                    var print = await a.GetAsync<Agent.Fingerprint>(probes[p].Path, "the restart check", TimeSpan.FromSeconds(5));
                    seen[i, p] = print;
                    if (TraceRestart)
                    {
                        Log($"restart trace {clock.Elapsed.TotalSeconds:F2} s: {a.Name} {probes[p].Kind} {print.Entities}/{targets[p].Entities} {(print == targets[p] ? "same" : "different")}");
                    }
                    if (print == targets[p])
                    {
                        back[i, p] = clock.Elapsed.TotalSeconds;
                    }
                }
            }
            return Enumerable.Range(0, probes.Count).All(p => back[i, p] is not null);
        }, RestartBound, $"{a.Name} holding again what the cluster held before the kill", TimeSpan.FromMilliseconds(50), () => string.Join("; ",
            probes.Select((p, pi) => $"{checks[p.Check].What}, {p.Kind}: {Held(seen[i, pi])} of {N(targets[pi].Entities)}")))).ToList();
        var failure = await FirstFailureAsync(holding);
        if (await FirstFailureAsync([up]) is { } notUp)
        {
            throw new TimeoutException(PhaseLog.Describe(notUp) + (failure is null ? "" : $"; {PhaseLog.Describe(failure)}"), notUp);
        }
        var upAt = await up;
        _timings.Add(new TimingResult(ActorPresence, upTiming, Enumerable.Range(0, probes.Count).Where(p => probes[p].Check == 0).Sum(p => targets[p].Entities), upAt.TotalSeconds,
            $"SIGKILL of all {agents.Count} node processes, all started again at once on the same names and data directories; start to every node seeing {agents.Count} members Up"));
        Log($"restart: all {agents.Count} nodes Up after {upAt.TotalSeconds:F1} s");
        for (var c = 0; c < checks.Count; c++)
        {
            var mine = Enumerable.Range(0, probes.Count).Where(p => probes[p].Check == c).ToList();
            if (mine.Any(p => Enumerable.Range(0, agents.Count).Any(i => back[i, p] is null)))
            {
                continue;
            }
            double Worst(int p) => Enumerable.Range(0, agents.Count).Max(i => back[i, p]!.Value);
            var entities = mine.Sum(p => targets[p].Entities);
            var worst = mine.Max(Worst);
            var perKind = string.Join(", ", mine.Select(p => $"{probes[p].Kind} {N(targets[p].Entities)} after {Worst(p):F1} s"));
            var perNode = string.Join(", ", agents.Select((a, i) => $"{a.Name} {mine.Max(p => back[i, p]!.Value):F1} s"));
            _timings.Add(new TimingResult(ActorPresence, checks[c].Timing, entities, worst,
                $"start to every node holding {checks[c].What} again, compared kind by kind ({perKind}; per node {perNode}; Up after {upAt.TotalSeconds:F1} s)"));
            Log($"restart: {checks[c].What} ({N(entities)}: {perKind}) back on every node after {worst:F1} s ({perNode})");
        }
        if (failure is not null)
        {
            throw failure;
        }
    }

    private static string Held(Agent.Fingerprint? print) => print is null ? "nothing readable" : N(print.Entities);

    /// <summary>Waits for all; returns the first failure instead of throwing.</summary>
    private static async Task<Exception?> FirstFailureAsync(IEnumerable<Task> tasks)
    {
        var all = tasks.ToList();
        try
        {
            await Task.WhenAll(all);
            return null;
        }
        catch (Exception)
        {
            return all.First(t => t.IsFaulted).Exception!.InnerException;
        }
    }

    /// <summary>Partition {n1, n2} | {n3}, writes on both sides, heal, time until every node agrees.</summary>
    private async Task PartitionAsync(AgentCluster cluster)
    {
        var writer = cluster[0];
        var majority = cluster.Agents.Take(2).ToList();
        var minority = cluster.Agents.Skip(2).Take(1).ToList();
        var survivors = majority.Concat(minority).ToList();
        var healed = false;
        try
        {
            var cutClock = Stopwatch.StartNew();
            await cluster.ThrottleAsync(majority, minority, blackhole: true);
            await Waits.UntilAsync(async () => await writer.UpMembersAsync() < survivors.Count, TimeSpan.FromSeconds(60), "the partition to be seen");
            // How soon the failure detector acted, beside how soon the heal is seen below: a faster heal
            // must not come from a detector that marks a silent node unreachable sooner.
            Log($"partition: the writer saw the minority unreachable {cutClock.Elapsed.TotalSeconds:F2} s after the cut");
            var changes = _options.PartitionChanges;
            var request = new Agent.WriteRequest("presence", "pa-", changes, 1_000_000, Math.Max(1, changes / 2), 1_000, 0, 60);
            var sides = await Task.WhenAll(
                majority[0].PostAsync<Agent.WriteReport>("/bench/write", request, "the majority's writes", TimeSpan.FromSeconds(120)),
                minority[0].PostAsync<Agent.WriteReport>("/bench/write", request, "the minority's writes", TimeSpan.FromSeconds(120)));
            Log($"partition: {sides[0].Written} changes on the majority, {sides[1].Written} on the minority");
            await Checks.ConvergedAsync(majority.Select(a => a.Client).ToList(), TimeSpan.FromSeconds(60), "within the majority");
            var healClock = Stopwatch.StartNew();
            await cluster.ThrottleAsync(majority, minority, blackhole: false);
            healed = true;
            // Timed on the entities both sides wrote: a poll of every node's whole replica (300,000
            // entities after the scale phase) took 0.1-1.4 s on nodes busy healing, which both
            // slowed the heal and made the figure as coarse as one poll.
            await Checks.ConvergedAsync(survivors.Select(a => a.Client).ToList(), ConvergenceBound, "after the partition healed", scope: ("presence", "pa-"));
            var converged = healClock.Elapsed;
            // Then, untimed, that nothing else differs.
            await Checks.ConvergedAsync(survivors.Select(a => a.Client).ToList(), ConvergenceBound, "after the partition healed (every entity)");
            _timings.Add(new TimingResult(ActorPresence, Report.PartitionConvergence, sides[0].Written + sides[1].Written, converged.TotalSeconds,
                "heal to identical replicas on all three nodes, both sides having written the same entities"));
            Log($"partition healed: converged after {converged.TotalSeconds:F2} s");
        }
        finally
        {
            if (!healed)
            {
                await cluster.ThrottleAsync(majority, minority, blackhole: false);
            }
        }
    }

    private async Task RedisAsync(string work)
    {
        await using var redis = await RedisBaseline.StartAsync(work);
        if (redis is null)
        {
            _notes.Add("redis-server is not installed: the Redis baseline was not measured (apt-get install redis-server).");
            return;
        }
        foreach (var rate in _options.Rates.Union(_options.HttpRates).Order())
        {
            await redis.MeasureAsync(Math.Min(rate, 2_000), TimeSpan.FromSeconds(1), 1000, Drain); // warm-up
            var result = await redis.MeasureAsync(rate, _options.Duration, 1000, Drain);
            Log($"redis pubsub {rate}/s: {Format(result.Latency)} lost {result.Lost}, {Cpu(result.Cpu!)}");
            _latency.Add(result);
        }
    }

    /// <summary>Memory once idle entity actors have stopped (only devices with a view of the node's own stay live).</summary>
    private static async Task<Agent.MemoryReport[]> SettledMemoryAsync(IReadOnlyList<AgentProcess> agents)
    {
        Agent.MemoryReport[] reports = [];
        await Waits.UntilAsync(async () =>
        {
            reports = await Task.WhenAll(agents.Select(a => a.GetAsync<Agent.MemoryReport>("/bench/memory", "the memory reading", TimeSpan.FromSeconds(90))));
            return reports.All(r => r.LiveActors == r.LiveDeviceActors);
        }, TimeSpan.FromSeconds(120), "idle entity actors to stop");
        return reports;
    }

    private static async Task<Agent.StatsReport> DrainAsync(AgentProcess reader, long expected)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var stats = await reader.GetAsync<Agent.StatsReport>("/bench/stats", "the subscriber's statistics", TimeSpan.FromSeconds(30));
            if (stats.Received >= expected || clock.Elapsed > Drain)
            {
                return stats;
            }
            await Task.Delay(50);
        }
    }

    private static string NodesIncluded(int nodes, string detail) => $"the {nodes} node processes ({detail})";

    private void Log(string line) => _phases.Info(line);

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Cpu(CpuCost cost) => $"{cost.UsPerChange:F0} CPU-µs per change";

    private static string Failures(WriteRun run) =>
        run.Failed == 0 ? "none failed" : $"{run.TimedOut} timed out, {run.Errors} failed, {run.NotAttempted} not attempted";

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
}
