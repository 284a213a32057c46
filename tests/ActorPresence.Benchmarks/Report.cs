using System.Globalization;
using System.Text;

namespace ActorPresence.Benchmarks;

/// <summary>One row of the report's targets table.</summary>
/// <param name="Target">What is asked, at which point, e.g. "… 3 nodes, 5,000 changes/s: p99 ≤ 10 ms".</param>
/// <param name="Measured">The figure found at that point, or why there is none.</param>
/// <param name="Met">true met, false missed, null not measured at this point.</param>
/// <param name="Verdict">"met"/"missed" and by how much, or "not measured at this point".</param>
public sealed record TargetCheck(string Target, string Measured, bool? Met, string Verdict);

/// <summary>
/// Renders <see cref="BenchResults"/> as docs/benchmarks/report.md: the targets with met/missed,
/// every measurement, and ActorPresence/Redis ratios where both systems were measured.
/// </summary>
public static class Report
{
    public const string FileName = "report.md";

    public const string ActorPresence = "ActorPresence";
    public const string Redis = "Redis";
    public const string LibraryPath = "library";
    public const string HttpSsePath = "http-sse";
    public const string PubSubPath = "pubsub";
    /// <summary>Site links: a library write on site a's first node → a subscriber on site a's second node ...</summary>
    public const string InSitePath = "in-site";
    /// <summary>... and, from the same writes, a subscriber on site b.</summary>
    public const string CrossSitePath = "cross-site";
    public const string SiteResync = "site-resync";
    /// <summary>The SIP edge: an HTTP write on one node changing a lamp the cluster holds → the NOTIFY a sipp phone receives from another ...</summary>
    public const string HttpNotifyPath = "http-notify";
    /// <summary>... the same for the first write of each lamp, which creates its device on the writer ...</summary>
    public const string HttpNotifyFirstPath = "http-notify-first";
    /// <summary>... and, beside it in the same run, HTTP write → SSE on the SIP edge's node.</summary>
    public const string HttpSseBesideSipPath = "http-sse-sip";
    /// <summary>The XMPP bridge: an HTTP write on one node → the item an Asterisk stand-in reads from the XMPP server.</summary>
    public const string HttpXmppPath = "http-xmpp";
    /// <summary>The XMPP bridge taking in a burst of items from one Asterisk stand-in.</summary>
    public const string XmppIn = "xmpp-in";
    public const string NewNodeFullState = "new-node-full-state";
    public const string PartitionConvergence = "partition-convergence";
    public const string RestartUp = "restart-up";
    public const string RestartFullState = "restart-full-state";
    public const string HttpRestartUp = "http-restart-up";
    public const string HttpRestartMailboxes = "http-restart-mailboxes";
    public const string ViaLibrary = "library";
    public const string ViaHttp = "http";
    public const string Create = "create";
    public const string Update = "update";

    // The targets. The latency ones hold at one point: 3 nodes, 5,000 changes/s.
    public const int TargetNodes = 3;
    public const int TargetRate = 5_000;
    public const double LibraryP50TargetMs = 0.5;
    public const double LibraryP99TargetMs = 5;
    public const double HttpSseP99TargetMs = 20;
    public const double ThroughputTarget = 50_000;
    /// <summary>1 KB read as 1,024 bytes.</summary>
    public const double MemoryTargetBytes = 1_024;
    /// <summary>Creation through the library: this many new entities of each kind, at least this rate, none failed.</summary>
    public const long CreationEntities = 100_000;
    public const double CreationTargetRate = 20_000;
    /// <summary>Full-cluster restart: at least this many durable entities back on every node within the limit.</summary>
    public const long RestartEntities = 200_000;
    public const double RestartTargetSeconds = 5;
    /// <summary>HTTP: this many new mailboxes, none answered later than the limit, at no less than 1/ratio of the device-update rate.</summary>
    public const long HttpEntities = 20_000;
    public const double HttpSlowSeconds = 1;
    public const double HttpRateRatioTarget = 2;
    public const long NewNodeEntities = 300_000;
    public const double NewNodeTargetSeconds = 10;
    public const double PartitionTargetSeconds = 2;
    /// <summary>Site links: cross-site p50 within this of in-site, at each of <see cref="SiteTargetRates"/>; a resync of this many devices within the limit.</summary>
    public const double CrossSiteP50MarginMs = 1;
    public static readonly IReadOnlyList<int> SiteTargetRates = [1_000, 5_000];
    public const long SiteResyncDevices = 100_000;
    public const double SiteResyncTargetSeconds = 3;
    /// <summary>SIP edge: NOTIFY p99 at this rate over this many subscriptions; heap per subscription.</summary>
    public const int SipTargetSubscriptions = 10_000;
    public const int SipTargetRate = 1_000;
    public const double SipNotifyP99TargetMs = 20;
    public const double SipBytesPerSubscriptionTarget = 2_048;

    public static readonly IReadOnlyList<string> Kinds = ["device", "mailbox", "presence"];

    public const string NotMeasured = "not measured at this point";

    /// <summary>Writes <c>outDir/report.md</c> and returns its path.</summary>
    /// <param name="plotFiles">The PNGs <see cref="Plots.Write"/> wrote; they are linked relative to <paramref name="outDir"/>.</param>
    public static string WriteMarkdown(BenchResults r, string outDir, IReadOnlyList<string> plotFiles)
    {
        Directory.CreateDirectory(outDir);
        var path = Path.Combine(outDir, FileName);
        File.WriteAllText(path, Render(r, outDir, plotFiles));
        return path;
    }

    public static string Render(BenchResults r, string outDir, IReadOnlyList<string> plotFiles)
    {
        var md = new StringBuilder();
        Header(md, r);
        Targets(md, r);
        FailuresSection(md, r);
        Latency(md, r);
        Ratios(md, r);
        Throughput(md, r);
        Writes(md, r);
        Memory(md, r);
        Timings(md, r);
        SipSection(md, r);
        Notes(md, r);
        PlotsSection(md, outDir, plotFiles);
        return md.ToString().TrimEnd() + "\n";
    }

    /// <summary>Each target against the measurement at exactly its point; no point, no verdict.</summary>
    public static IReadOnlyList<TargetCheck> CheckTargets(BenchResults r) =>
    [
        LatencyTarget(r, LibraryPath, "p50", s => s.P50Us, LibraryP50TargetMs,
            "Propagation, library write → library subscriber"),
        LatencyTarget(r, LibraryPath, "p99", s => s.P99Us, LibraryP99TargetMs,
            "Propagation, library write → library subscriber"),
        LatencyTarget(r, HttpSsePath, "p99", s => s.P99Us, HttpSseP99TargetMs,
            "HTTP write → SSE subscriber"),
        ThroughputTargetCheck(r),
        MemoryTargetCheck(r),
        .. Kinds.Select(kind => CreationTargetCheck(r, kind)),
        RestartTargetCheck(r),
        HttpSlowTargetCheck(r),
        HttpRatioTargetCheck(r),
        TimingTarget(r, NewNodeFullState, NewNodeEntities, NewNodeTargetSeconds,
            $"Full state reaching a new node, {N(NewNodeEntities)} entities: ≤ {Plain(NewNodeTargetSeconds)} s"),
        TimingTarget(r, PartitionConvergence, null, PartitionTargetSeconds,
            $"Convergence after a partition heals: ≤ {Plain(PartitionTargetSeconds)} s"),
        .. SiteTargetRates.Select(rate => CrossSiteTarget(r, rate)),
        TimingTarget(r, SiteResync, SiteResyncDevices, SiteResyncTargetSeconds,
            $"Site link resync of {N(SiteResyncDevices)} devices: ≤ {Plain(SiteResyncTargetSeconds)} s"),
        SipNotifyTarget(r),
        SipMemoryTarget(r),
    ];

    /// <summary>The SIP edge's NOTIFY latency, at the target rate, in a run that held the target number of subscriptions.</summary>
    private static TargetCheck SipNotifyTarget(BenchResults r)
    {
        var target = $"SIP edge, HTTP write → NOTIFY, {N(SipTargetRate)} changes/s of lamps the cluster holds over {N(SipTargetSubscriptions)} subscriptions: p99 ≤ {Plain(SipNotifyP99TargetMs)} ms";
        var run = r.Latency.FirstOrDefault(l => Is(l.System, ActorPresence) && l.Path == HttpNotifyPath && l.OfferedRate == SipTargetRate);
        if (run is null || !r.Sip.Any(s => s.Subscriptions == SipTargetSubscriptions))
        {
            var elsewhere = r.Sip.Select(s => $"{N(s.Subscriptions)} subscriptions").ToList();
            return new TargetCheck(target, elsewhere.Count == 0 ? $"no {HttpNotifyPath} measurement" : "measured only at " + string.Join(", ", elsewhere), null, NotMeasured);
        }
        if (run.Latency.Count == 0)
        {
            return new TargetCheck(target, $"no NOTIFY arrived ({N(run.Sent)} sent)", false, "missed: nothing arrived");
        }
        var ms = run.Latency.P99Us / 1000;
        var sse = r.Latency.FirstOrDefault(l => Is(l.System, ActorPresence) && l.Path == HttpSseBesideSipPath && l.OfferedRate == SipTargetRate && l.Latency.Count > 0);
        var first = r.Latency.FirstOrDefault(l => Is(l.System, ActorPresence) && l.Path == HttpNotifyFirstPath && l.OfferedRate == SipTargetRate && l.Latency.Count > 0);
        var measured = $"p99 {Sig(ms)} ms (p50 {Sig(run.Latency.P50Us / 1000)} ms" + (sse is null ? "" : $"; SSE beside it p99 {Sig(sse.Latency.P99Us / 1000)} ms")
            + (first is null ? "" : $"; first writes of lamps p99 {Sig(first.Latency.P99Us / 1000)} ms") + ")"
            + (run.Lost > 0 ? $", {N(run.Lost)} lost" : "");
        var (met, verdict) = AtMost(ms, SipNotifyP99TargetMs, "ms");
        return new TargetCheck(target, measured, met && run.Lost == 0, run.Lost > 0 ? "missed: NOTIFYs lost" : verdict);
    }

    private static TargetCheck SipMemoryTarget(BenchResults r)
    {
        var target = $"SIP edge, heap per subscription over {N(SipTargetSubscriptions)} subscriptions: ≤ 2 KB ({N(SipBytesPerSubscriptionTarget)} B)";
        var run = r.Sip.FirstOrDefault(s => s.Subscriptions == SipTargetSubscriptions);
        if (run is null)
        {
            return new TargetCheck(target, r.Sip.Count == 0 ? "no SIP measurement" : "measured only at " + string.Join(", ", r.Sip.Select(s => $"{N(s.Subscriptions)} subscriptions")), null, NotMeasured);
        }
        var (met, verdict) = AtMost(run.BytesPerSubscription, SipBytesPerSubscriptionTarget, "B");
        return new TargetCheck(target, $"{Sig(run.BytesPerSubscription)} B per subscription", met, verdict);
    }

    /// <summary>Cross-site p50 against in-site p50 of the same writes (one run, one ratio of noise).</summary>
    private static TargetCheck CrossSiteTarget(BenchResults r, int rate)
    {
        var target = $"Site links, {N(rate)} changes/s: cross-site p50 within {Plain(CrossSiteP50MarginMs)} ms of in-site";
        var inSite = r.Latency.FirstOrDefault(l => Is(l.System, ActorPresence) && l.Path == InSitePath && l.OfferedRate == rate && l.Latency.Count > 0);
        var cross = r.Latency.FirstOrDefault(l => Is(l.System, ActorPresence) && l.Path == CrossSitePath && l.OfferedRate == rate && l.Latency.Count > 0);
        if (inSite is null || cross is null)
        {
            return new TargetCheck(target, $"no {InSitePath}/{CrossSitePath} pair at {N(rate)}/s", null, NotMeasured);
        }
        var differenceMs = (cross.Latency.P50Us - inSite.Latency.P50Us) / 1_000;
        var (met, verdict) = AtMost(differenceMs, CrossSiteP50MarginMs, "ms");
        return new TargetCheck(target, $"cross-site {Sig(cross.Latency.P50Us / 1_000)} ms, in-site {Sig(inSite.Latency.P50Us / 1_000)} ms: {Sig(differenceMs)} ms apart", met, verdict);
    }

    private static TargetCheck LatencyTarget(
        BenchResults r, string path, string percentile, Func<LatencySummary, double> us, double limitMs, string what)
    {
        var target = $"{what}, {TargetNodes} nodes, {N(TargetRate)} changes/s: {percentile} ≤ {Plain(limitMs)} ms";
        var runs = r.Latency
            .Where(l => Is(l.System, ActorPresence) && l.Path == path && l.Nodes == TargetNodes && l.OfferedRate == TargetRate)
            .ToList();
        if (runs.Count == 0)
        {
            var elsewhere = r.Latency.Where(l => Is(l.System, ActorPresence) && l.Path == path).ToList();
            var measured = elsewhere.Count == 0
                ? $"no {path} measurement"
                : "measured only at " + string.Join(", ", elsewhere
                    .Select(l => (l.Nodes, l.OfferedRate)).Distinct().OrderBy(p => p.Nodes).ThenBy(p => p.OfferedRate)
                    .Select(p => $"{p.Nodes} node{Plural(p.Nodes)} × {N(p.OfferedRate)}/s"));
            return new TargetCheck(target, measured, null, NotMeasured);
        }
        if (runs.Any(l => l.Latency.Count == 0))
        {
            var empty = runs.First(l => l.Latency.Count == 0);
            return new TargetCheck(target, $"no change arrived ({N(empty.Sent)} sent, {N(empty.Lost)} lost)", false, "missed: nothing arrived");
        }
        // Repeated runs at the point: the worst one counts.
        var worst = runs.MaxBy(l => us(l.Latency))!;
        var ms = us(worst.Latency) / 1000;
        var caveats = new List<string>();
        if (runs.Count > 1)
        {
            caveats.Add($"worst of {runs.Count} runs");
        }
        if (worst.Lost > 0)
        {
            caveats.Add($"{N(worst.Lost)} of {N(worst.Sent)} changes lost");
        }
        if (worst.AchievedRate < worst.OfferedRate * 0.95)
        {
            caveats.Add($"writer reached only {N(worst.AchievedRate)}/s");
        }
        var measuredText = $"{Sig(ms)} ms" + (caveats.Count > 0 ? $" ({string.Join("; ", caveats)})" : "");
        var (met, verdict) = AtMost(ms, limitMs, "ms");
        return new TargetCheck(target, measuredText, met, verdict);
    }

    private static TargetCheck ThroughputTargetCheck(BenchResults r)
    {
        var target = $"Sustained cluster-wide device changes/s: ≥ {N(ThroughputTarget)}";
        var steps = r.Throughput.Where(t => Is(t.System, ActorPresence)).ToList();
        if (steps.Count == 0)
        {
            return new TargetCheck(target, "no throughput measurement", null, NotMeasured);
        }
        var best = steps.Where(t => t.Sustained).OrderBy(t => t.OfferedRate).ThenBy(t => t.AchievedRate).LastOrDefault();
        var bestText = best is null
            ? $"no step sustained (lowest offered {N(steps.Min(t => t.OfferedRate))}/s)"
            : $"{N(best.OfferedRate)}/s offered, {N(best.AchievedRate)}/s achieved ({best.Nodes} node{Plural(best.Nodes)})";
        if (best is not null && best.OfferedRate >= ThroughputTarget)
        {
            var (met, verdict) = AtLeast(best.OfferedRate, ThroughputTarget, "/s");
            return new TargetCheck(target, bestText, met, verdict);
        }
        // Below the target: a failed step at or under the target rate is a miss; a search that never got there is no verdict.
        var failedAtOrBelow = steps.Where(t => !t.Sustained && t.OfferedRate <= ThroughputTarget).ToList();
        if (failedAtOrBelow.Count > 0)
        {
            var (met, verdict) = AtLeast(best?.OfferedRate ?? 0, ThroughputTarget, "/s");
            var failed = failedAtOrBelow.MinBy(t => t.OfferedRate)!;
            return new TargetCheck(target, $"{bestText}; {N(failed.OfferedRate)}/s not sustained", met, verdict);
        }
        return new TargetCheck(target, $"{bestText}; highest rate offered {N(steps.Max(t => t.OfferedRate))}/s", null, NotMeasured);
    }

    private static TargetCheck MemoryTargetCheck(BenchResults r)
    {
        var target = $"Memory per entity on every node, the writer of {N(CreationEntities)} device views included: ≤ 1 KB ({N(MemoryTargetBytes)} B)";
        var rows = r.Memory.Where(m => Is(m.System, ActorPresence)).ToList();
        if (rows.Count == 0)
        {
            return new TargetCheck(target, "no memory measurement", null, NotMeasured);
        }
        var worst = rows.MaxBy(m => m.BytesPerEntity)!;
        var measured = $"{Sig(worst.BytesPerEntity)} B per entity on {worst.Node} ({N(worst.Entities)} entities"
            + (rows.Count > 1 ? $"; worst of {rows.Count} nodes, mean {Sig(rows.Average(m => m.BytesPerEntity))} B)" : ")");
        var (met, verdict) = AtMost(worst.BytesPerEntity, MemoryTargetBytes, "B");
        return new TargetCheck(target, measured, met, verdict);
    }

    private static TargetCheck CreationTargetCheck(BenchResults r, string kind)
    {
        var target = $"Creating {N(CreationEntities)} new {KindPlural(kind)} through the library on one of {TargetNodes} nodes: "
            + $"≥ {N(CreationTargetRate)} acknowledged writes/s, none failed";
        var all = r.Writes.Where(w => Is(w.System, ActorPresence) && w.Via == ViaLibrary && w.Operation == Create && w.Kind == kind && w.Nodes == TargetNodes).ToList();
        var atPoint = all.Where(w => w.Requested == CreationEntities).ToList();
        if (atPoint.Count == 0)
        {
            var measured = all.Count == 0
                ? $"no {kind} creation measurement"
                : "measured only at " + string.Join(", ", all.Select(w => $"{N(w.Requested)} entities ({N(w.Rate)}/s, {FailedText(w)})"));
            return new TargetCheck(target, measured, null, NotMeasured);
        }
        // Repeated runs: the slowest counts, and any failure anywhere.
        var worst = atPoint.MinBy(w => w.Rate)!;
        var failed = atPoint.MaxBy(w => w.Failed)!;
        var measuredText = $"{N(worst.Rate)}/s, {FailedText(failed)}" + (atPoint.Count > 1 ? $" (worst of {atPoint.Count})" : "");
        var (rateMet, rateVerdict) = AtLeast(worst.Rate, CreationTargetRate, "/s");
        if (rateMet && failed.Failed == 0)
        {
            return new TargetCheck(target, measuredText, true, rateVerdict);
        }
        var misses = new List<string>();
        if (!rateMet)
        {
            misses.Add(rateVerdict["missed, ".Length..]);
        }
        if (failed.Failed > 0)
        {
            misses.Add($"{N(failed.Failed)} of {N(failed.Requested)} writes failed where none may");
        }
        return new TargetCheck(target, measuredText, false, "missed, " + string.Join("; ", misses));
    }

    private static TargetCheck RestartTargetCheck(BenchResults r)
    {
        var target = $"Full-cluster SIGKILL and restart: every node holds all (≥ {N(RestartEntities)}) durable entities again: ≤ {Plain(RestartTargetSeconds)} s";
        var full = r.Timings.Where(t => Is(t.System, ActorPresence) && t.Name == RestartFullState).ToList();
        var ups = r.Timings.Where(t => Is(t.System, ActorPresence) && t.Name == RestartUp).ToList();
        var atPoint = full.Where(t => t.Entities >= RestartEntities).ToList();
        if (atPoint.Count == 0)
        {
            if (ups.FirstOrDefault(t => t.Entities >= RestartEntities) is { } upOnly)
            {
                return new TargetCheck(target, $"Up after {Sig(upOnly.Seconds)} s, but not every node held all {N(upOnly.Entities)} durable entities again (see Failures)",
                    false, "missed: the state did not all come back");
            }
            var measured = full.Count == 0
                ? "no full-cluster restart timing"
                : "measured only at " + string.Join(", ", full.Select(t => $"{N(t.Entities)} durable entities ({Sig(t.Seconds)} s)"));
            return new TargetCheck(target, measured, null, NotMeasured);
        }
        var worst = atPoint.MaxBy(t => t.Seconds)!;
        var up = ups.Where(t => t.Entities == worst.Entities).MaxBy(t => t.Seconds);
        var measuredText = $"{Sig(worst.Seconds)} s ({N(worst.Entities)} durable entities"
            + (up is null ? "" : $"; all Up after {Sig(up.Seconds)} s") + ")"
            + (atPoint.Count > 1 ? $" (worst of {atPoint.Count})" : "");
        var (met, verdict) = AtMost(worst.Seconds, RestartTargetSeconds, "s");
        return new TargetCheck(target, measuredText, met, verdict);
    }

    private static WriteRun? HttpRun(BenchResults r, string operation, string kind) =>
        r.Writes.Where(w => Is(w.System, ActorPresence) && w.Via == ViaHttp && w.Operation == operation && w.Kind == kind
                            && w.Nodes == TargetNodes && w.Requested == HttpEntities)
            .MinBy(w => w.Rate);

    private static TargetCheck HttpSlowTargetCheck(BenchResults r)
    {
        var target = $"HTTP API, {N(HttpEntities)} new mailboxes from keep-alive clients over {TargetNodes} nodes: none slower than {Plain(HttpSlowSeconds)} s, none failed";
        if (HttpRun(r, Create, "mailbox") is not { } run)
        {
            return new TargetCheck(target, HttpElsewhere(r, Create, "mailbox"), null, NotMeasured);
        }
        var measured = $"{N(run.SlowerThanOneSecond)} slower than {Plain(HttpSlowSeconds)} s (max {Sig(run.Latency.MaxUs / 1e6)} s, p99 {Ms(run.Latency, run.Latency.P99Us)} ms), "
            + $"{FailedText(run)} ({run.Concurrency} clients)";
        if (run.SlowerThanOneSecond == 0 && run.Failed == 0)
        {
            return new TargetCheck(target, measured, true, $"met, slowest {Sig(run.Latency.MaxUs / 1e6)} s");
        }
        var misses = new List<string>();
        if (run.SlowerThanOneSecond > 0)
        {
            misses.Add($"{N(run.SlowerThanOneSecond)} of {N(run.Requested)} slower than {Plain(HttpSlowSeconds)} s (slowest {Sig(run.Latency.MaxUs / 1e6)} s)");
        }
        if (run.Failed > 0)
        {
            misses.Add($"{N(run.Failed)} failed");
        }
        return new TargetCheck(target, measured, false, "missed, " + string.Join("; ", misses));
    }

    private static TargetCheck HttpRatioTargetCheck(BenchResults r)
    {
        var target = $"HTTP API, side by side: new durable mailboxes/s within {Plain(HttpRateRatioTarget)}× of device-view updates/s (updates/s ÷ creations/s ≤ {Plain(HttpRateRatioTarget)})";
        var mailboxes = HttpRun(r, Create, "mailbox");
        var devices = HttpRun(r, Update, "device");
        if (mailboxes is null || devices is null)
        {
            return new TargetCheck(target, mailboxes is null ? HttpElsewhere(r, Create, "mailbox") : HttpElsewhere(r, Update, "device"), null, NotMeasured);
        }
        if (mailboxes.Rate <= 0)
        {
            return new TargetCheck(target, $"no new mailbox was acknowledged; device updates {N(devices.Rate)}/s", false, "missed: no mailbox written");
        }
        var ratio = devices.Rate / mailboxes.Rate;
        var measured = $"new mailboxes {N(mailboxes.Rate)}/s, device updates {N(devices.Rate)}/s: {Sig(ratio)}×";
        var (met, verdict) = AtMost(ratio, HttpRateRatioTarget, "×");
        return new TargetCheck(target, measured, met, verdict);
    }

    private static string HttpElsewhere(BenchResults r, string operation, string kind)
    {
        var runs = r.Writes.Where(w => Is(w.System, ActorPresence) && w.Via == ViaHttp && w.Operation == operation && w.Kind == kind).ToList();
        return runs.Count == 0
            ? $"no HTTP {kind} {operation} measurement"
            : "measured only at " + string.Join(", ", runs.Select(w => $"{N(w.Requested)} writes on {w.Nodes} node{Plural(w.Nodes)}"));
    }

    private static string FailedText(WriteRun w)
    {
        if (w.Failed == 0)
        {
            return "none failed";
        }
        var parts = new List<string>();
        if (w.TimedOut > 0)
        {
            parts.Add($"{N(w.TimedOut)} timed out (outcome unknown)");
        }
        if (w.Errors > 0)
        {
            parts.Add($"{N(w.Errors)} errors");
        }
        if (w.NotAttempted > 0)
        {
            parts.Add($"{N(w.NotAttempted)} not attempted (time bound)");
        }
        return $"{N(w.Failed)} failed: " + string.Join(", ", parts);
    }

    private static TargetCheck TimingTarget(BenchResults r, string name, long? entities, double limitSeconds, string target)
    {
        var all = r.Timings.Where(t => Is(t.System, ActorPresence) && t.Name == name).ToList();
        var atPoint = all.Where(t => entities is null || t.Entities == entities).ToList();
        if (atPoint.Count == 0)
        {
            var measured = all.Count == 0
                ? $"no {name} timing"
                : "measured only at " + string.Join(", ", all.Select(t => $"{N(t.Entities)} entities ({Sig(t.Seconds)} s)"));
            return new TargetCheck(target, measured, null, NotMeasured);
        }
        var worst = atPoint.MaxBy(t => t.Seconds)!;
        var measuredText = $"{Sig(worst.Seconds)} s"
            + (entities is null ? $" ({N(worst.Entities)} entities)" : "")
            + (atPoint.Count > 1 ? $" (worst of {atPoint.Count})" : "");
        var (met, verdict) = AtMost(worst.Seconds, limitSeconds, "s");
        return new TargetCheck(target, measuredText, met, verdict);
    }

    private static (bool Met, string Verdict) AtMost(double measured, double limit, string unit)
    {
        var margin = limit - measured;
        if (margin == 0)
        {
            return (true, "met, exactly at the limit");
        }
        var by = $"{Sig(Math.Abs(margin))}{(unit == "×" ? "" : " ")}{unit} ({Percent(Math.Abs(margin) / limit)})";
        return margin > 0 ? (true, $"met, {by} under") : (false, $"missed, {by} over");
    }

    private static (bool Met, string Verdict) AtLeast(double measured, double limit, string unit)
    {
        var margin = measured - limit;
        if (margin == 0)
        {
            return (true, "met, exactly at the limit");
        }
        var by = $"{N(Math.Abs(margin))}{unit} ({Percent(Math.Abs(margin) / limit)})";
        return margin > 0 ? (true, $"met, {by} over") : (false, $"missed, {by} short");
    }

    private static void Header(StringBuilder md, BenchResults r)
    {
        md.AppendLine("# ActorPresence benchmarks").AppendLine();
        md.AppendLine($"- Date: {r.StartedAt.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture)} (ran for {Duration(r.Duration)})");
        md.AppendLine($"- Mode: {(r.Quick ? "quick" : "full")}");
        if (r.Machine.Contains('\n'))
        {
            md.AppendLine("- Machine:").AppendLine();
            Fenced(md, "text", r.Machine);
        }
        else
        {
            md.AppendLine($"- Machine: {r.Machine}").AppendLine();
        }
        md.AppendLine("Produced by:").AppendLine();
        Fenced(md, "sh", r.Command);
    }

    private static void Targets(StringBuilder md, BenchResults r)
    {
        md.AppendLine("## Targets").AppendLine();
        md.AppendLine("Each target is compared only with a measurement at its own point (cluster size, rate, entity count); "
            + $"where the run did not measure that point the row says \"{NotMeasured}\".").AppendLine();
        Table(md, ["Target", "Measured", "Met?"], CheckTargets(r).Select(t => new[]
        {
            t.Target,
            t.Measured,
            t.Met switch { true => "✅ " + t.Verdict, false => "❌ " + t.Verdict, null => t.Verdict },
        }));
    }

    private static void Latency(StringBuilder md, BenchResults r)
    {
        md.AppendLine("## Propagation latency").AppendLine();
        if (r.Latency.Count == 0)
        {
            md.AppendLine("No latency measurements.").AppendLine();
            return;
        }
        md.AppendLine("From a write to its arrival at a subscriber on another node. `library`: library write → library subscriber, "
            + "`http-sse`: HTTP write → SSE subscriber, `pubsub`: Redis PUBLISH + HSET → subscriber; "
            + "`in-site` and `cross-site`: the same library writes on site a's first node → a subscriber on site a's second node, "
            + "and on site b's node through the site link (three nodes in all). Latencies in ms.").AppendLine();
        Table(md,
            ["System", "Path", "Nodes", "Offered/s", "Achieved/s", "Sent", "Lost", "p50", "p90", "p99", "p99.9", "max", "CPU-µs/change"],
            SortLatency(r.Latency).Select(l => new[]
            {
                l.System, l.Path, N(l.Nodes), N(l.OfferedRate), N(l.AchievedRate), N(l.Sent), N(l.Lost),
                Ms(l.Latency, l.Latency.P50Us), Ms(l.Latency, l.Latency.P90Us), Ms(l.Latency, l.Latency.P99Us),
                Ms(l.Latency, l.Latency.P999Us), Ms(l.Latency, l.Latency.MaxUs), Cpu(l.Cpu),
            }),
            rightAligned: 2);
        CpuIncludes(md, r.Latency.Select(l => (l.System, l.Path, l.Cpu)));
        var servers = r.Latency.Where(l => l.Cpu?.ServerSeconds is not null && l.Cpu.Changes > 0).OrderBy(l => l.System, StringComparer.Ordinal).ThenBy(l => l.OfferedRate).ToList();
        if (servers.Count > 0)
        {
            md.AppendLine("Of which the server process alone: " + string.Join(", ", servers.Select(l =>
                $"{l.System} at {N(l.OfferedRate)}/s {Sig(l.Cpu!.ServerSeconds!.Value * 1e6 / l.Cpu.Changes)} CPU-µs/change")) + ".").AppendLine();
        }
    }

    /// <summary>Says, per system and path, which processes a CPU-µs figure counts: a comparison is only as fair as that.</summary>
    private static void CpuIncludes(StringBuilder md, IEnumerable<(string System, string Path, CpuCost? Cpu)> rows, bool writes = false)
    {
        var lines = rows.Where(x => x.Cpu is not null)
            .Select(x => $"{x.System} {x.Path}: {x.Cpu!.Includes}")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (lines.Count == 0)
        {
            return;
        }
        md.AppendLine(writes
            ? "CPU-µs/write: user + system CPU time over the batch, divided by the writes acknowledged. Counted:"
            : "CPU-µs/change: user + system CPU time over the measurement (writes and drain), divided by the changes "
              + "the subscriber received. Counted:").AppendLine();
        foreach (var line in lines)
        {
            md.AppendLine("- " + line);
        }
        md.AppendLine();
    }

    private static void Ratios(StringBuilder md, BenchResults r)
    {
        md.AppendLine("## ActorPresence / Redis").AppendLine();
        var redis = r.Latency
            .Where(l => Is(l.System, Redis) && l.Path == PubSubPath && l.Latency.Count > 0)
            .GroupBy(l => l.OfferedRate)
            .ToDictionary(g => g.Key, g => g.First());
        var rows = SortLatency(r.Latency
                .Where(l => Is(l.System, ActorPresence) && (l.Path == LibraryPath || l.Path == HttpSsePath) && l.Latency.Count > 0)
                .Where(l => redis.ContainsKey(l.OfferedRate)))
            .Select(l =>
            {
                var pubsub = redis[l.OfferedRate].Latency;
                var redisCpu = redis[l.OfferedRate].Cpu;
                return new[]
                {
                    $"{l.Path} vs pubsub", N(l.Nodes), N(l.OfferedRate),
                    Ratio(l.Latency.P50Us, pubsub.P50Us), Ratio(l.Latency.P99Us, pubsub.P99Us), Ratio(l.Latency.MaxUs, pubsub.MaxUs),
                    l.Cpu is null || redisCpu is null ? "n/a" : Ratio(l.Cpu.UsPerChange, redisCpu.UsPerChange),
                };
            })
            .ToList();
        md.AppendLine("Latency and CPU time per change at the same offered rate, ActorPresence (any cluster size) against one Redis server; "
            + "a ratio above 1 means ActorPresence is slower or spends more CPU. Rates measured on one system only have no row.").AppendLine();
        if (rows.Count == 0)
        {
            md.AppendLine("No offered rate was measured on both systems.").AppendLine();
        }
        else
        {
            Table(md, ["ActorPresence path vs Redis", "Nodes", "Offered/s", "p50 ratio", "p99 ratio", "max ratio", "CPU ratio"], rows, rightAligned: 1);
        }

        var other = OtherRatios(r).ToList();
        if (other.Count > 0)
        {
            md.AppendLine("Other figures measured on both:").AppendLine();
            Table(md, ["Figure", ActorPresence, Redis, "Ratio", "Above 1 means"], other, rightAligned: 1, lastLeftAligned: true);
        }
    }

    private static IEnumerable<string[]> OtherRatios(BenchResults r)
    {
        var apSustained = r.Throughput.Where(t => Is(t.System, ActorPresence) && t.Sustained).MaxBy(t => t.OfferedRate);
        var redisSustained = r.Throughput.Where(t => Is(t.System, Redis) && t.Sustained).MaxBy(t => t.OfferedRate);
        if (apSustained is not null && redisSustained is not null)
        {
            var apCeiling = CeilingFound(r, apSustained);
            var redisCeiling = CeilingFound(r, redisSustained);
            yield return
            [
                "Highest sustained changes/s",
                $"{(apCeiling ? "" : "≥ ")}{N(apSustained.OfferedRate)}/s ({apSustained.Nodes} node{Plural(apSustained.Nodes)})",
                $"{(redisCeiling ? "" : "≥ ")}{N(redisSustained.OfferedRate)}/s",
                apCeiling && redisCeiling
                    ? Ratio(apSustained.OfferedRate, redisSustained.OfferedRate)
                    : "n/a: a search never reached a rate it could not sustain",
                "ActorPresence sustains more",
            ];
        }
        var apMemory = r.Memory.Where(m => Is(m.System, ActorPresence)).MaxBy(m => m.BytesPerEntity);
        var redisMemory = r.Memory.Where(m => Is(m.System, Redis)).MaxBy(m => m.BytesPerEntity);
        if (apMemory is not null && redisMemory is not null)
        {
            yield return
            [
                "Bytes per entity (worst node)",
                $"{Sig(apMemory.BytesPerEntity)} B",
                $"{Sig(redisMemory.BytesPerEntity)} B",
                Ratio(apMemory.BytesPerEntity, redisMemory.BytesPerEntity),
                "ActorPresence uses more",
            ];
        }
        foreach (var ap in r.Timings.Where(t => Is(t.System, ActorPresence)))
        {
            var match = r.Timings.FirstOrDefault(t => Is(t.System, Redis) && t.Name == ap.Name && t.Entities == ap.Entities);
            if (match is not null)
            {
                yield return
                [
                    $"{ap.Name}, {N(ap.Entities)} entities",
                    $"{Sig(ap.Seconds)} s",
                    $"{Sig(match.Seconds)} s",
                    Ratio(ap.Seconds, match.Seconds),
                    "ActorPresence is slower",
                ];
            }
        }
    }

    private static void Throughput(StringBuilder md, BenchResults r)
    {
        md.AppendLine("## Throughput").AppendLine();
        if (r.Throughput.Count == 0)
        {
            md.AppendLine("No throughput measurements.").AppendLine();
            return;
        }
        md.AppendLine("Every node writes device changes at its share of the offered rate. Latencies in ms.").AppendLine();
        var ordered = r.Throughput
            .OrderBy(t => Plots.SystemOrder(t.System)).ThenBy(t => t.System, StringComparer.Ordinal)
            .ThenBy(t => t.Nodes).ThenBy(t => t.OfferedRate)
            .ToList();
        Table(md,
            ["System", "Nodes", "Offered/s", "Achieved/s", "Sent", "Received", "p50", "p99", "max", "CPU-µs/change", "Sustained"],
            ordered.Select(t => new[]
            {
                t.System, N(t.Nodes), N(t.OfferedRate), N(t.AchievedRate), N(t.Sent), N(t.Received),
                Ms(t.Latency, t.Latency.P50Us), Ms(t.Latency, t.Latency.P99Us), Ms(t.Latency, t.Latency.MaxUs),
                Cpu(t.Cpu), t.Sustained ? "yes" : "no",
            }),
            rightAligned: 1);
        CpuIncludes(md, ordered.Select(t => (t.System, "throughput", t.Cpu)));
        md.AppendLine("Highest sustained rate:").AppendLine();
        foreach (var g in ordered.GroupBy(t => (t.System, t.Nodes)))
        {
            var best = g.Where(t => t.Sustained).MaxBy(t => t.OfferedRate);
            var who = $"{Cell(g.Key.System)}, {g.Key.Nodes} node{Plural(g.Key.Nodes)}";
            md.AppendLine(best is null
                ? $"- {who}: none of the {g.Count()} steps was sustained"
                : $"- {who}: **{N(best.OfferedRate)} changes/s** offered ({N(best.AchievedRate)}/s achieved, p99 {Ms(best.Latency, best.Latency.P99Us)} ms)"
                    + (CeilingFound(r, best) ? "" : "; no step failed, so the ceiling is higher"));
        }
        md.AppendLine();
    }

    /// <summary>Whether a higher step of the same system and cluster size failed, i.e. the search found its ceiling.</summary>
    private static bool CeilingFound(BenchResults r, ThroughputStep best) =>
        r.Throughput.Any(t => t.System == best.System && t.Nodes == best.Nodes && !t.Sustained && t.OfferedRate > best.OfferedRate);

    private static void FailuresSection(StringBuilder md, BenchResults r)
    {
        md.AppendLine("## Failures").AppendLine();
        if (r.Failures.Count == 0)
        {
            md.AppendLine("None: every phase ran to its end.").AppendLine();
            return;
        }
        md.AppendLine("Phases that failed; the harness recorded each, skipped what depended on it and went on. "
            + "Targets whose measurement was lost say \"" + NotMeasured + "\".").AppendLine();
        foreach (var f in r.Failures)
        {
            md.AppendLine($"- **{f.Phase}**: {f.Message.ReplaceLineEndings(" ")}");
        }
        md.AppendLine();
    }

    private static void Writes(StringBuilder md, BenchResults r)
    {
        md.AppendLine("## Creating and updating entities").AppendLine();
        if (r.Writes.Count == 0)
        {
            md.AppendLine("No creation or update measurements.").AppendLine();
            return;
        }
        var library = r.Writes.Where(w => w.Via == ViaLibrary).ToList();
        if (library.Count > 0)
        {
            md.AppendLine("Through the library on one node, new entities of each kind first (ids never written before), then one update "
                + "of each of them. Rates are acknowledged writes per second; a timeout is a write whose outcome is unknown. "
                + "Ack latencies in ms; CPU-µs per acknowledged write, summed over the node processes.").AppendLine();
            var rows = library
                .GroupBy(w => (w.System, w.Kind, w.Nodes, w.Requested))
                .OrderBy(g => Plots.SystemOrder(g.Key.System)).ThenBy(g => KindOrder(g.Key.Kind)).ThenBy(g => g.Key.Nodes)
                .Select(g =>
                {
                    var create = g.LastOrDefault(w => w.Operation == Create);
                    var update = g.LastOrDefault(w => w.Operation == Update);
                    return new[]
                    {
                        g.Key.System, g.Key.Kind, N(g.Key.Nodes), N(g.Key.Requested),
                        create is null ? "–" : N(create.Rate), create is null ? "–" : FailureCounts(create),
                        update is null ? "–" : N(update.Rate), update is null ? "–" : FailureCounts(update),
                        create is null || update is null || create.Rate <= 0 ? "n/a" : Sig(update.Rate / create.Rate) + "×",
                        create is null ? "–" : Ms(create.Latency, create.Latency.P99Us), update is null ? "–" : Ms(update.Latency, update.Latency.P99Us),
                        Cpu(create?.Cpu), Cpu(update?.Cpu),
                    };
                });
            Table(md,
                ["System", "Kind", "Nodes", "Entities", "Created/s", "Create failures", "Updated/s", "Update failures", "Update ÷ create",
                    "Create p99", "Update p99", "CPU-µs/create", "CPU-µs/update"],
                rows, rightAligned: 2);
        }
        var http = r.Writes.Where(w => w.Via == ViaHttp).ToList();
        if (http.Count > 0)
        {
            md.AppendLine("Through the HTTP API: keep-alive clients, each on its own connection to one node, spread evenly over the nodes, "
                + "each sending its next PUT when the last is answered; after an unrecorded warm-up of both (a tenth as many other new "
                + "mailboxes, and as many updates of the device views), new mailboxes first, then updates of device views "
                + "that each node created beforehand, with the same clients. Latencies in ms, from sending the request to the answer.").AppendLine();
            Table(md,
                ["System", "Operation", "Kind", "Nodes", "Clients", "Writes", "Rate/s", "p50", "p99", "max", "Slower than 1 s", "Failures", "CPU-µs/write"],
                http.OrderBy(w => Plots.SystemOrder(w.System)).ThenBy(w => w.Operation == Create ? 0 : 1).ThenBy(w => KindOrder(w.Kind))
                    .Select(w => new[]
                    {
                        w.System, w.Operation, w.Kind, N(w.Nodes), N(w.Concurrency), N(w.Requested), N(w.Rate),
                        Ms(w.Latency, w.Latency.P50Us), Ms(w.Latency, w.Latency.P99Us), Ms(w.Latency, w.Latency.MaxUs),
                        N(w.SlowerThanOneSecond), FailureCounts(w), Cpu(w.Cpu),
                    }),
                rightAligned: 3);
            var mailboxes = http.LastOrDefault(w => w.Operation == Create && w.Kind == "mailbox");
            var devices = http.LastOrDefault(w => w.Operation == Update && w.Kind == "device");
            if (mailboxes is not null && devices is not null && mailboxes.Rate > 0)
            {
                md.AppendLine($"Device-view updates ran at {Sig(devices.Rate / mailboxes.Rate)}× the rate of new mailboxes "
                    + $"({N(devices.Rate)}/s against {N(mailboxes.Rate)}/s).").AppendLine();
            }
            CpuIncludes(md, http.Select(w => (w.System, $"HTTP {w.Operation} {w.Kind}", w.Cpu)), writes: true);
        }
        var samples = r.Writes.Where(w => w.ErrorSamples.Count > 0).ToList();
        if (samples.Count > 0)
        {
            md.AppendLine("What failed writes said (up to five distinct messages per batch):").AppendLine();
            foreach (var w in samples)
            {
                md.AppendLine($"- {w.System} {w.Via} {w.Operation} {w.Kind}: " + string.Join("; ", w.ErrorSamples.Select(e => $"`{e.ReplaceLineEndings(" ").Replace("`", "'", StringComparison.Ordinal)}`")));
            }
            md.AppendLine();
        }
    }

    private static int KindOrder(string kind) => Kinds.ToList().IndexOf(kind) is var i and >= 0 ? i : Kinds.Count;

    private static string FailureCounts(WriteRun w) =>
        w.Failed == 0 ? "0" : $"{N(w.Failed)} ({N(w.TimedOut)} timed out, {N(w.Errors)} errors, {N(w.NotAttempted)} not attempted)";

    private static void Memory(StringBuilder md, BenchResults r)
    {
        md.AppendLine("## Memory").AppendLine();
        if (r.Memory.Count == 0)
        {
            md.AppendLine("No memory measurements.").AppendLine();
            return;
        }
        md.AppendLine("Heap held on each node after a full garbage collection, before and after loading the entities.").AppendLine();
        Table(md,
            ["System", "Node", "Entities", "Heap before (MiB)", "Heap after (MiB)", "Bytes per entity"],
            r.Memory
                .OrderBy(m => Plots.SystemOrder(m.System)).ThenBy(m => m.System, StringComparer.Ordinal).ThenBy(m => m.Node, StringComparer.Ordinal)
                .Select(m => new[]
                {
                    m.System, m.Node, N(m.Entities), Sig(m.HeapBytesBefore / 1048576.0), Sig(m.HeapBytesAfter / 1048576.0), Sig(m.BytesPerEntity),
                }),
            rightAligned: 2);
    }

    private static void Timings(StringBuilder md, BenchResults r)
    {
        md.AppendLine("## Timings").AppendLine();
        if (r.Timings.Count == 0)
        {
            md.AppendLine("No timings.").AppendLine();
            return;
        }
        Table(md,
            ["System", "Name", "Entities", "Seconds", "Detail"],
            r.Timings
                .OrderBy(t => Plots.SystemOrder(t.System)).ThenBy(t => t.System, StringComparer.Ordinal).ThenBy(t => t.Name, StringComparer.Ordinal)
                .Select(t => new[] { t.System, t.Name, N(t.Entities), Sig(t.Seconds), t.Detail }),
            rightAligned: 2, lastLeftAligned: true);
    }

    private static void SipSection(StringBuilder md, BenchResults r)
    {
        md.AppendLine("## SIP edge").AppendLine();
        if (r.Sip.Count == 0)
        {
            md.AppendLine("No SIP measurements.").AppendLine();
            return;
        }
        md.AppendLine("Dialog subscriptions held by one node's SIP edge (sipp's phones); the latency rows are "
            + $"`{HttpNotifyPath}` (changes of lamps the cluster holds), `{HttpNotifyFirstPath}` (each lamp's first write) and `{HttpSseBesideSipPath}` above.").AppendLine();
        Table(md,
            ["Subscriptions", "Set-up (s)", "Heap before (MiB)", "Heap after (MiB)", "Bytes per subscription"],
            r.Sip.Select(s => new[]
            {
                N(s.Subscriptions), Sig(s.SetupSeconds), Sig(s.HeapBytesBefore / 1048576.0), Sig(s.HeapBytesAfter / 1048576.0), Sig(s.BytesPerSubscription),
            }),
            rightAligned: 0, lastLeftAligned: false);
    }

    private static void Notes(StringBuilder md, BenchResults r)
    {
        md.AppendLine("## Notes").AppendLine();
        if (r.Notes.Count == 0)
        {
            md.AppendLine("None.").AppendLine();
            return;
        }
        foreach (var note in r.Notes)
        {
            md.AppendLine("- " + note.ReplaceLineEndings("\n  "));
        }
        md.AppendLine();
    }

    private static void PlotsSection(StringBuilder md, string outDir, IReadOnlyList<string> plotFiles)
    {
        md.AppendLine("## Plots").AppendLine();
        var links = plotFiles.ToDictionary(f => Path.GetFileName(f), f => Link(outDir, f), StringComparer.Ordinal);
        (string File, string Alt, string Missing)[] known =
        [
            (Plots.LatencyFile, "Latency percentiles (p50, p99) against offered rate, ActorPresence beside Redis",
                "Latency plot skipped: no latency measurements."),
            (Plots.MemoryFile, "Memory per entity per node and system", "Memory plot skipped: no memory measurements."),
        ];
        foreach (var (file, alt, missing) in known)
        {
            md.AppendLine(links.Remove(file, out var link) ? $"![{alt}]({link})" : missing).AppendLine();
        }
        foreach (var (file, link) in links.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            md.AppendLine($"![{Path.GetFileNameWithoutExtension(file)}]({link})").AppendLine();
        }
    }

    private static string Link(string outDir, string file)
    {
        var relative = Path.IsPathRooted(file) ? Path.GetRelativePath(Path.GetFullPath(outDir), file) : file;
        return Uri.EscapeDataString(relative.Replace('\\', '/')).Replace("%2F", "/", StringComparison.Ordinal);
    }

    private static IEnumerable<LatencyResult> SortLatency(IEnumerable<LatencyResult> rows) => rows
        .OrderBy(l => Plots.SystemOrder(l.System)).ThenBy(l => l.System, StringComparer.Ordinal)
        .ThenBy(l => Plots.PathOrder(l.Path)).ThenBy(l => l.Path, StringComparer.Ordinal)
        .ThenBy(l => l.Nodes).ThenBy(l => l.OfferedRate);

    /// <summary>A markdown table; columns from <paramref name="rightAligned"/> on are numbers and align right.</summary>
    private static void Table(StringBuilder md, string[] header, IEnumerable<string[]> rows, int rightAligned = int.MaxValue, bool lastLeftAligned = false)
    {
        md.AppendLine("| " + string.Join(" | ", header.Select(Cell)) + " |");
        md.AppendLine("|" + string.Concat(header.Select((_, i) =>
            i >= rightAligned && !(lastLeftAligned && i == header.Length - 1) ? " ---: |" : " --- |")));
        foreach (var row in rows)
        {
            md.AppendLine("| " + string.Join(" | ", row.Select(Cell)) + " |");
        }
        md.AppendLine();
    }

    private static void Fenced(StringBuilder md, string language, string text)
    {
        var fence = text.Contains("```", StringComparison.Ordinal) ? "~~~~" : "```";
        md.AppendLine(fence + language).AppendLine(text.TrimEnd().ReplaceLineEndings("\n")).AppendLine(fence).AppendLine();
    }

    private static string Cell(string text) =>
        text.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);

    private static bool Is(string system, string name) => string.Equals(system, name, StringComparison.OrdinalIgnoreCase);

    private static string Plural(int n) => n == 1 ? "" : "s";

    private static string KindPlural(string kind) => kind switch
    {
        "device" => "devices",
        "mailbox" => "mailboxes",
        "presence" => "presentities",
        _ => kind + "s",
    };

    private static string Cpu(CpuCost? cost) => cost is null || !double.IsFinite(cost.UsPerChange) ? "–" : Sig(cost.UsPerChange);

    private static string Ms(LatencySummary s, double us) => s.Count == 0 ? "–" : Sig(us / 1000);

    private static string Ratio(double actorPresence, double redis) =>
        redis > 0 && double.IsFinite(actorPresence) ? Sig(actorPresence / redis) + "×" : "n/a";

    private static string Percent(double fraction) => Sig(fraction * 100) + " %";

    private static string Plain(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan d) =>
        d.TotalHours >= 1 ? $"{(int)d.TotalHours} h {d.Minutes} min"
        : d.TotalMinutes >= 1 ? $"{d.Minutes} min {d.Seconds} s"
        : $"{Sig(d.TotalSeconds)} s";

    /// <summary>A number to three significant digits (1.23, 12.3, 123, 1,230), invariant culture.</summary>
    public static string Sig(double value)
    {
        const int Digits = 3;
        if (!double.IsFinite(value))
        {
            return "n/a";
        }
        if (value == 0)
        {
            return "0";
        }
        var magnitude = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        var rounded = RoundTo(value, Digits - 1 - magnitude);
        if (Math.Abs(rounded) >= Math.Pow(10, magnitude + 1))
        {
            magnitude++; // 9.996 rounds to 10.0: one digit fewer after the point
            rounded = RoundTo(value, Digits - 1 - magnitude);
        }
        var decimals = Digits - 1 - magnitude;
        return decimals > 0
            ? rounded.ToString("F" + Math.Min(decimals, 15), CultureInfo.InvariantCulture)
            : rounded.ToString("N0", CultureInfo.InvariantCulture);
    }

    private static double RoundTo(double value, int decimals)
    {
        if (decimals >= 0)
        {
            return Math.Round(value, Math.Min(decimals, 15), MidpointRounding.AwayFromZero);
        }
        var scale = Math.Pow(10, -decimals);
        return Math.Round(value / scale, MidpointRounding.AwayFromZero) * scale;
    }
}
