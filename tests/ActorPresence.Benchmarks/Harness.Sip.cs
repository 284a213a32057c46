using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ActorPresence.Benchmarks;

/// <summary>
/// The SIP edge (docs/sip.md): two agent processes, s1 taking HTTP writes and s2 running the SIP
/// edge. Debian's sipp makes <see cref="HarnessOptions.SipSubscriptions"/> dialog subscriptions on
/// s2, one per device (PJSIP/b1 …); the harness then writes each device once through HTTP on s1 at
/// <see cref="HarnessOptions.SipRate"/> changes a second, and the time from each write to sipp's
/// receipt of its NOTIFY is the latency (sipp's message trace has the receipt times). In the same
/// run, with the subscriptions live, the HTTP → SSE latency at the same rate is measured beside it.
/// </summary>
public sealed partial class Harness
{
    private const string SipDomain = "bench.test";

    /// <summary>32 MB: shorter pauses than the default's 64 MB, for lamps (docs/benchmarks/README.md, Issue 12).</summary>
    public const string SipGen0Size = "0x2000000";

    private async Task SipAsync(string work)
    {
        Directory.CreateDirectory(work);
        var subscriptions = _options.SipSubscriptions;
        var rate = _options.SipRate;
        var sipPort = AgentProcess.FreePort();
        var hocon = AgentHocon + "\n" + Environment.GetEnvironmentVariable("AP_BENCH_HOCON") + """

            # sipp's phones all come from one address: the per-source limit is lifted. T1 of 100 ms keeps
            # an answered transaction 6.4 s (64·T1) instead of 32 s, so memory is read soon after set-up.
            actorpresence.sip { per-source-rate = 1000000, per-source-burst = 1000000, t1 = 100ms }
            """;
        // Both nodes with the gen0 budget docs/operations.md gives a cluster whose nodes serve phones.
        await using var cluster = new AgentCluster(work, hocon, SipGen0Size);
        var writer = await cluster.AddAsync("s1", TimeSpan.FromSeconds(90));
        var edge = await cluster.AddAsync("s2", TimeSpan.FromSeconds(90), ["--sip-port", sipPort.ToString(CultureInfo.InvariantCulture), "--sip-domain", SipDomain]);
        using var metrics = new HttpClient { BaseAddress = edge.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = writer.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        // Warm-up (JIT, connections): a few writes over HTTP, not recorded.
        await Pacer.RunAsync(500, 1_000, 64, async i =>
        {
            using var put = await http.PutAsync($"/api/v1/devices/PJSIP/warm{i % 50}", Json("""{"state":"INUSE"}"""));
            put.EnsureSuccessStatusCode();
        }, CancellationToken.None, deadline: TimeSpan.FromSeconds(30));

        var before = (await SettledMemoryAsync([edge]))[0];
        var trace = Path.Combine(work, "sipp-messages.log");
        await using var sipp = SippPhones.Start(Path.Combine(AppContext.BaseDirectory, "Sip", "bench-subscribe.xml"),
            $"127.0.0.1:{sipPort}", subscriptions, Math.Min(subscriptions, 500), trace, work);
        var clock = Stopwatch.StartNew();
        await Waits.UntilAsync(async () =>
            await MetricAsync(metrics, "actorpresence_sip_subscriptions") >= subscriptions
            && await MetricAsync(metrics, "actorpresence_sip_notifies_total", "outcome=\"ok\"") >= subscriptions,
            TimeSpan.FromSeconds(180), $"{N(subscriptions)} SIP subscriptions with their first NOTIFY answered", state: () => $"{sipp.Tail()}; s2: {edge.LogTail(10)}");
        var setup = clock.Elapsed.TotalSeconds;
        Log($"sip: {N(subscriptions)} subscriptions held after {setup:F1} s");
        // Answered transactions are kept 64·T1 for retransmissions; memory is read once they are gone.
        await Task.Delay(TimeSpan.FromSeconds(7));
        var after = (await SettledMemoryAsync([edge]))[0];
        var perSubscription = (after.HeapBytes - before.HeapBytes) / (double)subscriptions;
        _sip.Add(new SipRun(subscriptions, setup, before.HeapBytes, after.HeapBytes, perSubscription));
        Log($"sip: {perSubscription:F0} bytes of heap per subscription");

        // Warm-up, not recorded: a second of NOT_INUSE writes (their NOTIFYs say terminated, which the
        // latency count skips). Without it the first second of the measurement met the collection that
        // follows the memory probe's forced ones (150 ms once), which alone made the p99.
        var warm = Math.Min(subscriptions, rate);
        await WriteLampsAsync(http, metrics, cluster, 1, warm, "NOT_INUSE");

        // Two passes, timed apart. First writes: lamps the cluster has never held (s1 creates each
        // one's entity actor, which stays), INUSE, whose NOTIFYs say confirmed. Then changes: lamps
        // the cluster holds, each once to RINGING, whose NOTIFYs say early. A lamp that changes is
        // the target's case; the first pass is the cost of a cluster filling up (docs/benchmarks/README.md).
        var perPass = (int)(rate * _options.Duration.TotalSeconds);
        var first = await WriteLampsAsync(http, metrics, cluster, warm + 1, Math.Min(subscriptions - warm, perPass), "INUSE");
        var change = await WriteLampsAsync(http, metrics, cluster, 1, Math.Min(subscriptions, perPass), "RINGING");
        await sipp.StopAsync();

        var notifies = SippTrace.Notifies(trace).ToList();
        foreach (var (pass, path, state) in new[] { (first, Report.HttpNotifyFirstPath, "confirmed"), (change, Report.HttpNotifyPath, "early") })
        {
            var recorder = new LatencyRecorder();
            var received = 0L;
            foreach (var (user, dialogState, at) in notifies)
            {
                if (dialogState == state && user >= 1 && user < pass.Issued.Length && pass.Issued[user] > 0)
                {
                    recorder.Record(TimeSpan.FromTicks(at.UtcTicks - pass.Issued[user]));
                    pass.Issued[user] = 0;
                    received++;
                }
            }
            var achieved = pass.Run.Written / pass.Run.Elapsed.TotalSeconds;
            var cost = new CpuCost(pass.CpuSeconds, received, NodesIncluded(2, "sipp and the HTTP writer run beside them and are not counted"));
            var notify = new LatencyResult(ActorPresence, path, 2, rate, achieved, pass.Run.Written, pass.Run.Written - received, recorder.Summary(), cost);
            _latency.Add(notify);
            Log($"sip {rate}/s over {N(subscriptions)} subscriptions, {path}: HTTP → NOTIFY {Format(notify.Latency)}, lost {notify.Lost}, {Cpu(cost)}");
        }

        // Beside it: HTTP → SSE on the same node at the same rate, the subscriptions still held.
        var sse = await SseLatency.MeasureAsync(writer, edge, 2, rate, _options.Duration, 1_000, Drain, "sipsse-");
        _latency.Add(sse with { Path = Report.HttpSseBesideSipPath });
        Log($"sip: HTTP → SSE beside it {Format(sse.Latency)}, lost {sse.Lost}");
        _notes.Add($"SIP edge: {N(subscriptions)} dialog subscriptions from sipp (one source address, UDP) on s2, one lamp each; after a second of unrecorded warm-up writes, "
            + $"`{Report.HttpNotifyFirstPath}`: {N(first.Run.Written)} lamps the cluster never held written once (INUSE), then `{Report.HttpNotifyPath}`: "
            + $"{N(change.Run.Written)} lamps it holds changed once (RINGING), over HTTP on s1 at {N(rate)}/s; latency from the write's start to sipp's receipt of the NOTIFY (its message trace), "
            + $"and HTTP → SSE on s2 at the same rate with the subscriptions held; both nodes with a gen0 budget of {GcBudget(SipGen0Size)} (the other phases: {GcBudget(AgentProcess.DefaultGen0Size)}). Heap per subscription: s2's heap after a full collection, "
            + "before the subscriptions and once their answered transactions were gone (T1 100 ms, 6.4 s).");
    }

    /// <summary>Lamps b<paramref name="from"/> … written once each over HTTP on s1 at the SIP rate, the
    /// NOTIFYs they cause awaited (bounded); each write's start is kept by user.</summary>
    private async Task<LampPass> WriteLampsAsync(HttpClient http, HttpClient metrics, AgentCluster cluster, int from, int count, string state)
    {
        var issued = new long[from + count];
        var notifiesBefore = await MetricAsync(metrics, "actorpresence_sip_notifies_total", "outcome=\"ok\"");
        var cpu = cluster.CpuTimes();
        var body = $$"""{"state":"{{state}}"}""";
        var run = await Pacer.RunAsync(count, _options.SipRate, 256, async i =>
        {
            var user = from + i;
            Volatile.Write(ref issued[user], DateTime.UtcNow.Ticks);
            using var put = await http.PutAsync($"/api/v1/devices/PJSIP/b{user}", Json(body));
            put.EnsureSuccessStatusCode();
        }, CancellationToken.None, deadline: _options.Duration + TimeSpan.FromSeconds(30));
        var drain = Stopwatch.StartNew();
        while (drain.Elapsed < Drain && await MetricAsync(metrics, "actorpresence_sip_notifies_total", "outcome=\"ok\"") - notifiesBefore < run.Written)
        {
            await Task.Delay(50);
        }
        return new LampPass(run, issued, cluster.CpuSecondsSince(cpu));
    }

    private sealed record LampPass(PaceResult Run, long[] Issued, double CpuSeconds);

    /// <summary>A phase's gen0 budget as the report names it: AP_BENCH_GEN0SIZE, when set, is every phase's.</summary>
    private static string GcBudget(string phaseDefault) =>
        Environment.GetEnvironmentVariable("AP_BENCH_GEN0SIZE") is { Length: > 0 } forced
            ? $"{forced} (AP_BENCH_GEN0SIZE)"
            : $"{Convert.ToInt64(phaseDefault, 16) >> 20} MB";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>The sum of a metric's series in the node's Prometheus text, those whose labels contain <paramref name="label"/> when given.</summary>
    private static async Task<double> MetricAsync(HttpClient node, string name, string? label = null)
    {
        var text = await node.GetStringAsync("/metrics");
        var sum = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length <= name.Length || line[name.Length] is not (' ' or '{'))
            {
                continue;
            }
            if (label is not null && !line.Contains(label, StringComparison.Ordinal))
            {
                continue;
            }
            var value = line[(line.LastIndexOf(' ') + 1)..];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                sum += v;
            }
        }
        return sum;
    }
}
