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
    public const string NewNodeFullState = "new-node-full-state";
    public const string PartitionConvergence = "partition-convergence";

    // The targets. The latency ones hold at one point: 3 nodes, 5,000 changes/s.
    public const int TargetNodes = 3;
    public const int TargetRate = 5_000;
    public const double LibraryP50TargetMs = 1;
    public const double LibraryP99TargetMs = 10;
    public const double HttpSseP99TargetMs = 20;
    public const double ThroughputTarget = 50_000;
    /// <summary>1 KB read as 1,024 bytes.</summary>
    public const double MemoryTargetBytes = 1_024;
    public const long NewNodeEntities = 300_000;
    public const double NewNodeTargetSeconds = 10;
    public const double PartitionTargetSeconds = 2;

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
        Latency(md, r);
        Ratios(md, r);
        Throughput(md, r);
        Memory(md, r);
        Timings(md, r);
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
        TimingTarget(r, NewNodeFullState, NewNodeEntities, NewNodeTargetSeconds,
            $"Full state reaching a new node, {N(NewNodeEntities)} entities: ≤ {Plain(NewNodeTargetSeconds)} s"),
        TimingTarget(r, PartitionConvergence, null, PartitionTargetSeconds,
            $"Convergence after a partition heals: ≤ {Plain(PartitionTargetSeconds)} s"),
    ];

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
        var target = $"Memory per device per node: ≤ 1 KB ({N(MemoryTargetBytes)} B)";
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
        var by = $"{Sig(Math.Abs(margin))} {unit} ({Percent(Math.Abs(margin) / limit)})";
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
            + "`http-sse`: HTTP write → SSE subscriber, `pubsub`: Redis PUBLISH + HSET → subscriber. Latencies in ms.").AppendLine();
        Table(md,
            ["System", "Path", "Nodes", "Offered/s", "Achieved/s", "Sent", "Lost", "p50", "p90", "p99", "p99.9", "max"],
            SortLatency(r.Latency).Select(l => new[]
            {
                l.System, l.Path, N(l.Nodes), N(l.OfferedRate), N(l.AchievedRate), N(l.Sent), N(l.Lost),
                Ms(l.Latency, l.Latency.P50Us), Ms(l.Latency, l.Latency.P90Us), Ms(l.Latency, l.Latency.P99Us),
                Ms(l.Latency, l.Latency.P999Us), Ms(l.Latency, l.Latency.MaxUs),
            }),
            rightAligned: 2);
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
                return new[]
                {
                    $"{l.Path} vs pubsub", N(l.Nodes), N(l.OfferedRate),
                    Ratio(l.Latency.P50Us, pubsub.P50Us), Ratio(l.Latency.P99Us, pubsub.P99Us), Ratio(l.Latency.MaxUs, pubsub.MaxUs),
                };
            })
            .ToList();
        md.AppendLine("Latency at the same offered rate, ActorPresence (any cluster size) against one Redis server; "
            + "a ratio above 1 means ActorPresence is slower. Rates measured on one system only have no row.").AppendLine();
        if (rows.Count == 0)
        {
            md.AppendLine("No offered rate was measured on both systems.").AppendLine();
        }
        else
        {
            Table(md, ["ActorPresence path vs Redis", "Nodes", "Offered/s", "p50 ratio", "p99 ratio", "max ratio"], rows, rightAligned: 1);
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
            ["System", "Nodes", "Offered/s", "Achieved/s", "Sent", "Received", "p50", "p99", "max", "Sustained"],
            ordered.Select(t => new[]
            {
                t.System, N(t.Nodes), N(t.OfferedRate), N(t.AchievedRate), N(t.Sent), N(t.Received),
                Ms(t.Latency, t.Latency.P50Us), Ms(t.Latency, t.Latency.P99Us), Ms(t.Latency, t.Latency.MaxUs),
                t.Sustained ? "yes" : "no",
            }),
            rightAligned: 1);
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
