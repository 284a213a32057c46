using System.Globalization;

namespace ActorPresence.Benchmarks.Tests;

public sealed class ReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ap-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(BenchResults r, params string[] plots) =>
        File.ReadAllText(Report.WriteMarkdown(r, _dir, plots));

    private static TargetCheck Check(BenchResults r, string targetStart) =>
        Report.CheckTargets(r).Single(t => t.Target.StartsWith(targetStart, StringComparison.Ordinal));

    private static TargetCheck Check(BenchResults r, string targetStart, string targetContains) =>
        Report.CheckTargets(r).Single(t => t.Target.StartsWith(targetStart, StringComparison.Ordinal) && t.Target.Contains(targetContains, StringComparison.Ordinal));

    [Fact]
    public void The_report_is_written_as_report_md_in_the_output_folder()
    {
        var path = Report.WriteMarkdown(Samples.Quick(), _dir, []);

        Assert.Equal(Path.Combine(_dir, "report.md"), path);
        Assert.StartsWith("# ActorPresence benchmarks", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "- Mode: quick")]
    [InlineData(false, "- Mode: full")]
    public void The_header_names_the_command_the_machine_the_date_and_the_mode(bool quick, string mode)
    {
        var md = Write((quick ? Samples.Quick() : Samples.Full()));

        Assert.Contains("```sh\n" + Samples.Command + "\n```", md, StringComparison.Ordinal);
        Assert.Contains("- Machine: " + Samples.Machine, md, StringComparison.Ordinal);
        Assert.Contains("- Date: 2025-11-26 07:00:00 +00:00", md, StringComparison.Ordinal);
        Assert.Contains(mode, md, StringComparison.Ordinal);
    }

    [Fact]
    public void A_machine_description_on_several_lines_is_kept_in_a_block()
    {
        var md = Write(Samples.Quick() with { Machine = "CPU: 2 cores\nRAM: 24 GiB" });

        Assert.Contains("```text\nCPU: 2 cores\nRAM: 24 GiB\n```", md, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_latency_measurement_has_its_row(bool quick)
    {
        var r = quick ? Samples.Quick() : Samples.Full();
        var md = Write(r);

        foreach (var l in r.Latency)
        {
            Assert.Contains($"| {l.System} | {l.Path} | {l.Nodes} | {l.OfferedRate.ToString("N0", CultureInfo.InvariantCulture)} |", md, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_latency_row_shows_achieved_sent_lost_and_the_percentiles_in_ms()
    {
        var md = Write(Samples.Full());

        // p50 2.5, p90 (2.5 + 23.4) / 2, p99 23.4, p99.9 (23.4 + 88) / 2, max 88.
        Assert.Contains("| ActorPresence | http-sse | 3 | 5,000 | 4,990 | 50,000 | 3 | 2.50 | 13.0 | 23.4 | 55.7 | 88.0 | – |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rate_measured_on_both_systems_gets_ActorPresence_over_Redis_ratios()
    {
        var md = Write(Samples.Full());

        // library 0.62 / 7.5 / 31 ms and 60 CPU-µs against Redis 0.25 / 1.5 / 6.2 ms and 20 CPU-µs at 5,000/s.
        Assert.Contains("| library vs pubsub | 3 | 5,000 | 2.48× | 5.00× | 5.00× | 3.00× |", md, StringComparison.Ordinal);
        Assert.Contains("| http-sse vs pubsub | 3 | 5,000 | 10.0× | 15.6× | 14.2× | n/a |", md, StringComparison.Ordinal);
        Assert.Contains("| library vs pubsub | 1 | 1,000 | 1.00× | 1.38× | 1.38× | n/a |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rate_without_a_Redis_measurement_gets_no_ratio()
    {
        var md = Write(Samples.Full());

        Assert.Contains("| ActorPresence | library | 3 | 20,000 |", md, StringComparison.Ordinal);
        Assert.DoesNotContain("vs pubsub | 3 | 20,000 |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_any_Redis_latency_the_ratio_section_says_so()
    {
        var r = Samples.Full();
        var md = Write(r with { Latency = r.Latency.Where(l => l.System != "Redis").ToList() });

        Assert.Contains("No offered rate was measured on both systems.", md, StringComparison.Ordinal);
        Assert.DoesNotContain("vs pubsub |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Throughput_memory_and_timings_measured_on_both_get_ratios_too()
    {
        var md = Write(Samples.Full() with
        {
            Timings = [.. Samples.Full().Timings, new("Redis", "new-node-full-state", 300_000, 3.1, "replica sync")],
        });

        Assert.Contains("| Bytes per entity (worst node) | 1,070 B | 130 B | 8.21× | ActorPresence uses more |", md, StringComparison.Ordinal);
        Assert.Contains("| new-node-full-state, 300,000 entities | 6.20 s | 3.10 s | 2.00× | ActorPresence is slower |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void The_full_run_is_judged_against_every_target()
    {
        var r = Samples.Full();

        Assert.Equal((false, "missed, 0.120 ms (24.0 %) over"), Verdict(Check(r, "Propagation", "p50")));
        Assert.Equal((false, "missed, 2.50 ms (50.0 %) over"), Verdict(Check(r, "Propagation", "p99")));
        Assert.Equal((false, "missed, 3.40 ms (17.0 %) over"), Verdict(Check(r, "HTTP write")));
        Assert.Equal((true, "met, 10,000/s (20.0 %) over"), Verdict(Check(r, "Sustained")));
        Assert.Equal((false, "missed, 42.7 B (4.17 %) over"), Verdict(Check(r, "Memory")));
        Assert.Equal((true, "met, 3.80 s (38.0 %) under"), Verdict(Check(r, "Full state")));
        Assert.Equal((false, "missed, 0.600 s (30.0 %) over"), Verdict(Check(r, "Convergence")));
        Assert.Equal((true, "met, 5,000/s (25.0 %) over"), Verdict(Check(r, "Creating", "devices")));
        Assert.Equal((false, "missed, 10,000/s (50.0 %) short; 1,000 of 100,000 writes failed where none may"), Verdict(Check(r, "Creating", "mailboxes")));
        Assert.Equal((false, "missed, 10 of 100,000 writes failed where none may"), Verdict(Check(r, "Creating", "presentities")));
        Assert.Equal((true, "met, 1.60 s (32.0 %) under"), Verdict(Check(r, "Full-cluster")));
        Assert.Equal((false, "missed, 62 of 20,000 slower than 1 s (slowest 1.70 s)"), Verdict(Check(r, "HTTP API", "slower")));
        Assert.Equal((true, "met, 0.222× (11.1 %) under"), Verdict(Check(r, "HTTP API", "side by side")));
    }

    [Fact]
    public void The_measured_cell_says_what_was_measured_and_any_lost_changes()
    {
        var r = Samples.Full();

        Assert.Equal("23.4 ms (3 of 50,000 changes lost)", Check(r, "HTTP write").Measured);
        Assert.Equal("60,000/s offered, 59,940/s achieved (3 nodes)", Check(r, "Sustained").Measured);
        Assert.Equal("1,070 B per entity on node-3 (300,000 entities; worst of 3 nodes, mean 967 B)", Check(r, "Memory").Measured);
    }

    [Fact]
    public void The_quick_run_says_not_measured_where_it_did_not_reach_the_target_point()
    {
        var r = Samples.Quick();

        Assert.Null(Check(r, "Propagation", "p50").Met);
        Assert.Equal("measured only at 3 nodes × 1,000/s", Check(r, "Propagation", "p50").Measured);
        Assert.Null(Check(r, "Propagation", "p99").Met);
        Assert.Null(Check(r, "HTTP write").Met);
        Assert.Null(Check(r, "Sustained").Met);
        Assert.Null(Check(r, "Full state").Met);
        Assert.Equal("measured only at 10,000 entities (0.800 s)", Check(r, "Full state").Measured);
        Assert.All(Report.CheckTargets(r).Where(t => t.Met is null), t => Assert.Equal(Report.NotMeasured, t.Verdict));

        // Points without a fixed size are judged whatever the run's size.
        Assert.True(Check(r, "Memory").Met);
        Assert.True(Check(r, "Convergence").Met);
    }

    [Fact]
    public void The_SIP_targets_are_judged_only_over_ten_thousand_subscriptions_with_the_SSE_figure_beside_the_NOTIFY_one()
    {
        var full = Samples.Full();
        var measured = full with
        {
            Latency =
            [
                .. full.Latency,
                Samples.Latency("ActorPresence", Report.HttpNotifyPath, 2, 1_000, 1.6, 36.8, 76.9),
                Samples.Latency("ActorPresence", Report.HttpNotifyFirstPath, 2, 1_000, 1.9, 48.2, 90.3),
                Samples.Latency("ActorPresence", Report.HttpSseBesideSipPath, 2, 1_000, 1.8, 40.1, 82.0),
            ],
            Sip = [new SipRun(10_000, 20.2, 100_000_000, 114_030_000, 1_403)],
        };

        var notify = Check(measured, "SIP edge, HTTP write → NOTIFY");
        Assert.False(notify.Met);
        Assert.Contains("p99 36.8 ms", notify.Measured, StringComparison.Ordinal);
        Assert.Contains("SSE beside it p99 40.1 ms", notify.Measured, StringComparison.Ordinal);
        Assert.Contains("first writes of lamps p99 48.2 ms", notify.Measured, StringComparison.Ordinal);
        Assert.True(Check(measured, "SIP edge, heap").Met);
        var md = Write(measured);
        Assert.Contains("## SIP edge", md, StringComparison.Ordinal);
        Assert.Contains("| 10,000 |", md, StringComparison.Ordinal);

        // A quick run's thousand subscriptions are not the target's point.
        var small = measured with { Sip = [new SipRun(1_000, 1.2, 1, 2, 1_732)] };
        Assert.Null(Check(small, "SIP edge, HTTP write → NOTIFY").Met);
        Assert.Null(Check(small, "SIP edge, heap").Met);
        Assert.Equal("measured only at 1,000 subscriptions", Check(small, "SIP edge, heap").Measured);
    }

    [Fact]
    public void The_targets_table_shows_met_missed_and_not_measured()
    {
        var quick = Write(Samples.Quick());
        var full = Write(Samples.Full());

        Assert.Contains("| Propagation, library write → library subscriber, 3 nodes, 5,000 changes/s: p50 ≤ 0.5 ms | measured only at 3 nodes × 1,000/s | not measured at this point |", quick, StringComparison.Ordinal);
        Assert.Contains("| Full state reaching a new node, 300,000 entities: ≤ 10 s | 6.20 s | ✅ met, 3.80 s (38.0 %) under |", full, StringComparison.Ordinal);
        Assert.Contains("| Convergence after a partition heals: ≤ 2 s | 2.60 s (300,000 entities) | ❌ missed, 0.600 s (30.0 %) over |", full, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(499.0, true)]
    [InlineData(500.0, true)]
    [InlineData(500.5, false)]
    [InlineData(1080.0, false)]
    public void The_library_p50_target_holds_up_to_half_a_ms(double p50Us, bool met)
    {
        var r = Samples.Empty() with { Latency = [WithLatency("library", p50Us: p50Us, p99Us: 5000)] };

        Assert.Equal(met, Check(r, "Propagation", "p50").Met);
    }

    [Theory]
    [InlineData(4_999.0, true)]
    [InlineData(5_000.0, true)]
    [InlineData(5_001.0, false)]
    public void The_library_p99_target_holds_up_to_5_ms(double p99Us, bool met)
    {
        var r = Samples.Empty() with { Latency = [WithLatency("library", p50Us: 400, p99Us: p99Us)] };

        Assert.Equal(met, Check(r, "Propagation", "p99").Met);
    }

    [Theory]
    [InlineData(19_990.0, true)]
    [InlineData(20_000.0, true)]
    [InlineData(20_010.0, false)]
    public void The_http_sse_p99_target_holds_up_to_20_ms(double p99Us, bool met)
    {
        var r = Samples.Empty() with { Latency = [WithLatency("http-sse", p50Us: 500, p99Us: p99Us)] };

        Assert.Equal(met, Check(r, "HTTP write").Met);
    }

    [Fact]
    public void A_latency_target_is_judged_only_at_3_nodes_and_5000_per_second()
    {
        var r = Samples.Empty() with
        {
            Latency =
            [
                WithLatency("library", 100, 100) with { Nodes = 1 },
                WithLatency("library", 100, 100) with { OfferedRate = 4_999 },
                WithLatency("library", 100, 100) with { System = "Redis" },
            ],
        };

        Assert.Null(Check(r, "Propagation", "p50").Met);
    }

    [Fact]
    public void Repeated_runs_at_the_target_point_are_judged_by_the_worst()
    {
        var r = Samples.Empty() with { Latency = [WithLatency("library", 400, 5_000), WithLatency("library", 1_200, 5_000)] };

        var check = Check(r, "Propagation", "p50");
        Assert.False(check.Met);
        Assert.Equal("1.20 ms (worst of 2 runs)", check.Measured);
    }

    [Fact]
    public void A_target_point_where_nothing_arrived_is_missed()
    {
        var r = Samples.Empty() with
        {
            Latency = [new("ActorPresence", "library", 3, 5_000, 5_000, 50_000, 50_000, new LatencySummary(0, 0, 0, 0, 0, 0, 0))],
        };

        Assert.False(Check(r, "Propagation", "p50").Met);
        Assert.Contains("– | – | – | – | – |", Write(r), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(49_000, 60_000, null)]   // the search jumped over 50k and failed above it: no verdict
    [InlineData(50_000, 60_000, true)]   // sustained exactly at the target
    [InlineData(60_000, 70_000, true)]
    [InlineData(40_000, 50_000, false)]  // failed at the target rate
    [InlineData(40_000, 45_000, false)]  // failed below it
    public void The_throughput_target_wants_50000_sustained(int sustained, int failed, bool? met)
    {
        var r = Samples.Empty() with
        {
            Throughput = [Samples.Step("ActorPresence", 3, sustained, sustained: true), Samples.Step("ActorPresence", 3, failed, sustained: false)],
        };

        Assert.Equal(met, Check(r, "Sustained").Met);
    }

    [Fact]
    public void A_throughput_search_that_stopped_below_50000_is_not_measured()
    {
        var r = Samples.Empty() with { Throughput = [Samples.Step("ActorPresence", 3, 10_000, sustained: true)] };

        var check = Check(r, "Sustained");
        Assert.Null(check.Met);
        Assert.Equal("10,000/s offered, 9,990/s achieved (3 nodes); highest rate offered 10,000/s", check.Measured);
    }

    [Fact]
    public void Redis_throughput_does_not_count_for_the_target()
    {
        var r = Samples.Empty() with { Throughput = [Samples.Step("Redis", 1, 100_000, sustained: true)] };

        Assert.Null(Check(r, "Sustained").Met);
    }

    [Theory]
    [InlineData(1023.9, true)]
    [InlineData(1024.0, true)]
    [InlineData(1024.1, false)]
    public void The_memory_target_holds_up_to_1_KB_on_every_node(double worst, bool met)
    {
        var r = Samples.Empty() with
        {
            Memory =
            [
                new("ActorPresence", "node-1", 300_000, 0, 0, 500),
                new("ActorPresence", "node-2", 300_000, 0, 0, worst),
                new("Redis", "redis-server", 300_000, 0, 0, 5_000),
            ],
        };

        Assert.Equal(met, Check(r, "Memory").Met);
    }

    [Theory]
    [InlineData(9.99, true)]
    [InlineData(10.0, true)]
    [InlineData(10.01, false)]
    public void The_new_node_target_holds_up_to_10_s_at_300000_entities(double seconds, bool met)
    {
        var r = Samples.Empty() with { Timings = [new("ActorPresence", "new-node-full-state", 300_000, seconds, "")] };

        Assert.Equal(met, Check(r, "Full state").Met);
    }

    [Theory]
    [InlineData(299_999)]
    [InlineData(1_000_000)]
    public void The_new_node_target_is_not_judged_at_another_entity_count(long entities)
    {
        var r = Samples.Empty() with { Timings = [new("ActorPresence", "new-node-full-state", entities, 1, "")] };

        Assert.Null(Check(r, "Full state").Met);
    }

    [Theory]
    [InlineData(1.99, true)]
    [InlineData(2.0, true)]
    [InlineData(2.01, false)]
    public void The_partition_target_holds_up_to_2_s(double seconds, bool met)
    {
        var r = Samples.Empty() with { Timings = [new("ActorPresence", "partition-convergence", 1_000, seconds, "")] };

        Assert.Equal(met, Check(r, "Convergence").Met);
    }

    [Fact]
    public void Exactly_at_a_limit_says_so()
    {
        var r = Samples.Empty() with { Timings = [new("ActorPresence", "partition-convergence", 1_000, 2.0, "")] };

        Assert.Equal("met, exactly at the limit", Check(r, "Convergence").Verdict);
    }

    [Fact]
    public void Highest_sustained_rates_are_compared_only_when_both_searches_found_their_ceiling()
    {
        var full = Samples.Full();
        var bounded = full with { Throughput = [.. full.Throughput, Samples.Step("Redis", 1, 120_000, sustained: false)] };

        Assert.Contains("| Highest sustained changes/s | 60,000/s (3 nodes) | ≥ 80,000/s | n/a: a search never reached a rate it could not sustain |", Write(full), StringComparison.Ordinal);
        Assert.Contains("| Highest sustained changes/s | 60,000/s (3 nodes) | 80,000/s | 0.750× | ActorPresence sustains more |", Write(bounded), StringComparison.Ordinal);
    }

    [Fact]
    public void Throughput_memory_timings_and_notes_are_listed()
    {
        var md = Write(Samples.Full());

        Assert.Contains("| ActorPresence | 3 | 80,000 | 56,000 | 800,000 | 480,000 | 2.00 | 20.0 | 80.0 | – | no |", md, StringComparison.Ordinal);
        Assert.Contains("- ActorPresence, 3 nodes: **60,000 changes/s** offered (59,940/s achieved, p99 20.0 ms)", md, StringComparison.Ordinal);
        Assert.Contains("- Redis, 1 node: **80,000 changes/s** offered (79,920/s achieved, p99 20.0 ms); no step failed, so the ceiling is higher", md, StringComparison.Ordinal);
        Assert.Contains("| ActorPresence | node-3 | 300,000 | 57.2 | 362 | 1,070 |", md, StringComparison.Ordinal);
        Assert.Contains("| Redis | redis-server | 300,000 | 0.954 | 38.1 | 130 |", md, StringComparison.Ordinal);
        Assert.Contains("| ActorPresence | partition-convergence | 300,000 | 2.60 | 3\\|1 split healed |", md, StringComparison.Ordinal);
        Assert.Contains("- Full run.", md, StringComparison.Ordinal);
    }

    [Fact]
    public void A_throughput_configuration_with_no_sustained_step_says_so()
    {
        var md = Write(Samples.Empty() with { Throughput = [Samples.Step("ActorPresence", 3, 10_000, sustained: false)] });

        Assert.Contains("- ActorPresence, 3 nodes: none of the 1 steps was sustained", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Plots_are_embedded_with_links_relative_to_the_report()
    {
        var md = Write(Samples.Full(), Path.Combine(_dir, "latency.png"), Path.Combine(_dir, "memory.png"));

        Assert.Contains("](latency.png)", md, StringComparison.Ordinal);
        Assert.Contains("](memory.png)", md, StringComparison.Ordinal);
        Assert.Contains("![Latency percentiles", md, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_plot_is_reported_as_skipped()
    {
        var md = Write(Samples.Full(), Path.Combine(_dir, "latency.png"));

        Assert.Contains("](latency.png)", md, StringComparison.Ordinal);
        Assert.Contains("Memory plot skipped: no memory measurements.", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_results_give_a_report_that_says_nothing_was_measured()
    {
        var md = Write(Samples.Empty());

        Assert.Contains("No latency measurements.", md, StringComparison.Ordinal);
        Assert.Contains("No throughput measurements.", md, StringComparison.Ordinal);
        Assert.Contains("No memory measurements.", md, StringComparison.Ordinal);
        Assert.Contains("No timings.", md, StringComparison.Ordinal);
        Assert.Contains("No creation or update measurements.", md, StringComparison.Ordinal);
        Assert.Contains("None: every phase ran to its end.", md, StringComparison.Ordinal);
        Assert.Contains("Latency plot skipped", md, StringComparison.Ordinal);
        Assert.Contains("Memory plot skipped", md, StringComparison.Ordinal);
        Assert.All(Report.CheckTargets(Samples.Empty()), t => Assert.Null(t.Met));
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(0.012345, "0.0123")]
    [InlineData(1.0, "1.00")]
    [InlineData(1.2345, "1.23")]
    [InlineData(9.996, "10.0")]
    [InlineData(12.34, "12.3")]
    [InlineData(123.4, "123")]
    [InlineData(999.6, "1,000")]
    [InlineData(1234.5, "1,230")]
    [InlineData(-2.5, "-2.50")]
    [InlineData(double.NaN, "n/a")]
    public void Figures_keep_three_significant_digits(double value, string text) =>
        Assert.Equal(text, Report.Sig(value));

    private static LatencyResult WithLatency(string path, double p50Us, double p99Us) =>
        new("ActorPresence", path, 3, 5_000, 5_000, 50_000, 0, new LatencySummary(50_000, p50Us, p50Us, p99Us, p99Us, p99Us, p50Us));

    private static (bool?, string) Verdict(TargetCheck t) => (t.Met, t.Verdict);
}
