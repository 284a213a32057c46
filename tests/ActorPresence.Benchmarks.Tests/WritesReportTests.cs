namespace ActorPresence.Benchmarks.Tests;

/// <summary>The report's parts for creation and update rates, restarts, the HTTP phase, CPU per change and failures.</summary>
public sealed class WritesReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ap-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(BenchResults r) => File.ReadAllText(Report.WriteMarkdown(r, _dir, []));

    private static TargetCheck Check(BenchResults r, string targetStart, string targetContains) =>
        Report.CheckTargets(r).Single(t => t.Target.StartsWith(targetStart, StringComparison.Ordinal) && t.Target.Contains(targetContains, StringComparison.Ordinal));

    private static BenchResults WithWrites(params WriteRun[] writes) => Samples.Empty() with { Writes = writes };

    [Fact]
    public void Creation_rate_is_shown_beside_update_rate_for_each_kind()
    {
        var md = Write(Samples.Full());

        // devices: 100,000 in 4 s created, in 2 s updated; 1.5 CPU-s per second of batch.
        Assert.Contains("| ActorPresence | device | 3 | 100,000 | 25,000 | 0 | 50,000 | 0 | 2.00× | 50.0 | 50.0 | 60.0 | 30.0 |", md, StringComparison.Ordinal);
        Assert.Contains("| ActorPresence | mailbox | 3 | 100,000 | 10,000 | 1,000 (600 timed out, 400 errors, 0 not attempted) | 20,000 | 0 | 2.00× |", md, StringComparison.Ordinal);
        var device = md.IndexOf("| ActorPresence | device | 3 | 100,000 |", StringComparison.Ordinal);
        var mailbox = md.IndexOf("| ActorPresence | mailbox | 3 | 100,000 |", StringComparison.Ordinal);
        var presence = md.IndexOf("| ActorPresence | presence | 3 | 100,000 |", StringComparison.Ordinal);
        Assert.True(device < mailbox && mailbox < presence, "kinds in the order device, mailbox, presence");
    }

    [Fact]
    public void The_http_writes_are_listed_with_their_slow_answers_and_the_rate_ratio()
    {
        var md = Write(Samples.Full());

        Assert.Contains("| ActorPresence | create | mailbox | 3 | 24 | 20,000 | 2,500 | 5.00 | 50.0 | 1,700 | 62 | 0 |", md, StringComparison.Ordinal);
        Assert.Contains("| ActorPresence | update | device | 3 | 24 | 20,000 | 4,444 | 5.00 | 50.0 | 400 | 0 | 0 |", md, StringComparison.Ordinal);
        Assert.Contains("Device-view updates ran at 1.78× the rate of new mailboxes (4,444/s against 2,500/s).", md, StringComparison.Ordinal);
    }

    [Fact]
    public void What_failed_writes_said_is_quoted()
    {
        var md = Write(Samples.Full());

        Assert.Contains("- ActorPresence library create presence: `AskTimeoutException: write timed out, outcome unknown`", md, StringComparison.Ordinal);
    }

    [Fact]
    public void A_creation_at_the_target_rate_with_no_failure_is_met()
    {
        var check = Check(WithWrites(Samples.Write("library", "create", "mailbox", 100_000, 100_000, 5.0)), "Creating", "mailboxes");

        Assert.True(check.Met);
        Assert.Equal("20,000/s, none failed", check.Measured);
        Assert.Equal("met, exactly at the limit", check.Verdict);
    }

    [Fact]
    public void A_single_failed_creation_misses_the_target_however_fast()
    {
        var check = Check(WithWrites(Samples.Write("library", "create", "device", 100_000, 99_999, 1.0, errors: 1)), "Creating", "devices");

        Assert.False(check.Met);
        Assert.Equal("99,999/s, 1 failed: 1 errors", check.Measured);
    }

    [Fact]
    public void Writes_left_unattempted_by_the_time_bound_count_as_failed()
    {
        var run = Samples.Write("library", "create", "presence", 100_000, 40_000, 120, timedOut: 5_000);

        var check = Check(WithWrites(run), "Creating", "presentities");

        Assert.Equal(55_000, run.NotAttempted);
        Assert.False(check.Met);
        Assert.Equal("333/s, 60,000 failed: 5,000 timed out (outcome unknown), 55,000 not attempted (time bound)", check.Measured);
    }

    [Fact]
    public void A_creation_of_another_size_or_an_update_is_not_judged_against_the_creation_target()
    {
        var r = WithWrites(
            Samples.Write("library", "create", "device", 1_000, 1_000, 0.01),
            Samples.Write("library", "update", "device", 100_000, 100_000, 1.0),
            Samples.Write("http", "create", "device", 100_000, 100_000, 1.0));

        var check = Check(r, "Creating", "devices");

        Assert.Null(check.Met);
        Assert.Equal("measured only at 1,000 entities (100,000/s, none failed)", check.Measured);
    }

    [Theory]
    [InlineData(4.99, true)]
    [InlineData(5.0, true)]
    [InlineData(5.01, false)]
    public void The_restart_target_holds_up_to_5_s_with_at_least_200000_durable_entities(double seconds, bool met)
    {
        var r = Samples.Empty() with
        {
            Timings = [new("ActorPresence", "restart-up", 200_000, 1.5, ""), new("ActorPresence", "restart-full-state", 200_000, seconds, "")],
        };

        var check = Check(r, "Full-cluster", "restart");

        Assert.Equal(met, check.Met);
        Assert.StartsWith($"{Report.Sig(seconds)} s (200,000 durable entities; all Up after 1.50 s)", check.Measured, StringComparison.Ordinal);
    }

    [Fact]
    public void A_restart_with_fewer_durable_entities_is_not_judged()
    {
        var r = Samples.Empty() with { Timings = [new("ActorPresence", "restart-full-state", 6_000, 1.0, "")] };

        var check = Check(r, "Full-cluster", "restart");

        Assert.Null(check.Met);
        Assert.Equal("measured only at 6,000 durable entities (1.00 s)", check.Measured);
    }

    [Fact]
    public void A_restart_where_the_nodes_came_up_but_the_state_did_not_come_back_is_missed()
    {
        var r = Samples.Empty() with { Timings = [new("ActorPresence", "restart-up", 223_000, 3.0, "")] };

        var check = Check(r, "Full-cluster", "restart");

        Assert.False(check.Met);
        Assert.Contains("not every node held all 223,000 durable entities again", check.Measured, StringComparison.Ordinal);
    }

    [Fact]
    public void Http_mailboxes_all_answered_within_a_second_meet_the_slow_answer_target()
    {
        var r = WithWrites(Samples.Write("http", "create", "mailbox", 20_000, 20_000, 10, maxMs: 430, concurrency: 24));

        var check = Check(r, "HTTP API", "slower");

        Assert.True(check.Met);
        Assert.Equal("met, slowest 0.430 s", check.Verdict);
    }

    [Fact]
    public void A_failed_http_mailbox_misses_the_slow_answer_target()
    {
        var r = WithWrites(Samples.Write("http", "create", "mailbox", 20_000, 19_990, 10, timedOut: 10, concurrency: 24));

        Assert.Equal((false, "missed, 10 failed"), (Check(r, "HTTP API", "slower").Met, Check(r, "HTTP API", "slower").Verdict));
    }

    [Theory]
    [InlineData(10.0, 10.0, true)]  // the same rate
    [InlineData(10.0, 5.0, true)]   // device updates twice as fast: at the limit
    [InlineData(10.0, 4.0, false)]  // 2.5× as fast
    [InlineData(5.0, 10.0, true)]   // mailboxes faster than updates
    public void New_http_mailboxes_must_go_in_at_least_half_as_fast_as_device_updates(double mailboxSeconds, double deviceSeconds, bool met)
    {
        var r = WithWrites(
            Samples.Write("http", "create", "mailbox", 20_000, 20_000, mailboxSeconds, concurrency: 24),
            Samples.Write("http", "update", "device", 20_000, 20_000, deviceSeconds, concurrency: 24));

        Assert.Equal(met, Check(r, "HTTP API", "side by side").Met);
    }

    [Fact]
    public void Without_the_device_updates_the_http_rate_target_is_not_measured()
    {
        var r = WithWrites(Samples.Write("http", "create", "mailbox", 20_000, 20_000, 10, concurrency: 24));

        var check = Check(r, "HTTP API", "side by side");

        Assert.Null(check.Met);
        Assert.Equal("no HTTP device update measurement", check.Measured);
    }

    [Fact]
    public void Cpu_per_change_is_shown_beside_latency_with_what_it_counts()
    {
        var md = Write(Samples.Full());

        Assert.Contains("| ActorPresence | library | 3 | 5,000 | 4,990 | 50,000 | 0 | 0.620 | 4.06 | 7.50 | 19.3 | 31.0 | 60.0 |", md, StringComparison.Ordinal);
        Assert.Contains("| Redis | pubsub | 1 | 5,000 | 4,990 | 50,000 | 0 | 0.250 | 0.875 | 1.50 | 3.85 | 6.20 | 20.0 |", md, StringComparison.Ordinal);
        Assert.Contains("- ActorPresence library: " + Samples.NodesCpu, md, StringComparison.Ordinal);
        Assert.Contains("- Redis pubsub: " + Samples.RedisCpu, md, StringComparison.Ordinal);
        Assert.Contains("Of which the server process alone: Redis at 5,000/s 8.00 CPU-µs/change.", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Cpu_per_change_of_a_run_where_nothing_arrived_is_not_a_number()
    {
        var cost = new CpuCost(2.0, 0, "nodes");

        Assert.True(double.IsNaN(cost.UsPerChange));
        var md = Write(Samples.Empty() with { Latency = [Samples.Latency("ActorPresence", "library", 3, 5_000, 1, 2, 3, cpu: cost)] });
        Assert.Contains("| 1.00 | 1.50 | 2.00 | 2.50 | 3.00 | – |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Failures_the_harness_survived_are_listed_under_their_phase()
    {
        var r = Samples.Full() with
        {
            Failures =
            [
                new("3 nodes: scale writes and memory", "timed out after 120 s waiting for identical replicas after the scale writes; last: n2 answered 503 to the convergence check: the node did not answer in time"),
                new("3 nodes: recovery", "n2 exited with code 137; not measured: new node, partition"),
            ],
        };

        var md = Write(r);

        Assert.Contains("## Failures", md, StringComparison.Ordinal);
        Assert.Contains("- **3 nodes: scale writes and memory**: timed out after 120 s waiting for identical replicas after the scale writes; last: n2 answered 503 to the convergence check: the node did not answer in time", md, StringComparison.Ordinal);
        Assert.Contains("- **3 nodes: recovery**: n2 exited with code 137; not measured: new node, partition", md, StringComparison.Ordinal);
        Assert.True(md.IndexOf("## Failures", StringComparison.Ordinal) < md.IndexOf("## Propagation latency", StringComparison.Ordinal), "failures come right after the targets");
    }
}
