namespace ActorPresence.Benchmarks.Tests;

public sealed class ResultsJsonTests
{
    private static BenchResults WithEverything() => Samples.Full() with
    {
        Failures = [new("3 nodes: scale writes and memory", "n2 answered 503 to the convergence check: the node did not answer in time")],
    };

    [Fact]
    public void Results_survive_a_round_trip_through_results_json()
    {
        var results = WithEverything();

        var json = results.ToJson();
        var back = BenchResults.FromJson(json);

        Assert.Equal(json, back.ToJson());
    }

    [Fact]
    public void The_new_parts_are_kept_in_results_json()
    {
        var back = BenchResults.FromJson(WithEverything().ToJson());

        var presence = back.Writes.Single(w => w.Via == "library" && w.Operation == "create" && w.Kind == "presence");
        Assert.Equal(10, presence.TimedOut);
        Assert.Equal(["AskTimeoutException: write timed out, outcome unknown"], presence.ErrorSamples);
        Assert.Equal(62, back.Writes.Single(w => w.Via == "http" && w.Kind == "mailbox").SlowerThanOneSecond);
        var library = back.Latency.Single(l => l.Path == "library" && l.Nodes == 3 && l.OfferedRate == 5_000);
        Assert.Equal(new CpuCost(3.0, 50_000, Samples.NodesCpu), library.Cpu);
        Assert.Equal(0.4, back.Latency.Single(l => l.System == "Redis" && l.OfferedRate == 5_000).Cpu!.ServerSeconds);
        Assert.Equal(WithEverything().Failures, back.Failures);
        Assert.Contains(back.Timings, t => t.Name == "restart-full-state" && t.Entities == 223_500);
    }

    [Fact]
    public void Derived_figures_are_not_written_but_computed_again_when_read()
    {
        var json = WithEverything().ToJson();

        Assert.DoesNotContain("\"usPerChange\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"notAttempted\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"rate\"", json, StringComparison.Ordinal);
        var back = BenchResults.FromJson(json);
        Assert.Equal(25_000, back.Writes.First(w => w.Kind == "device").Rate);
    }

    [Fact]
    public void Results_written_before_writes_cpu_and_failures_existed_still_read()
    {
        const string json = """
            {
              "command": "dotnet run -c Release --project tests/ActorPresence.Benchmarks",
              "quick": false,
              "machine": "AMD EPYC, 2 cores",
              "startedAt": "2026-11-26T08:48:27+00:00",
              "duration": "00:09:16",
              "latency": [
                { "system": "ActorPresence", "path": "library", "nodes": 3, "offeredRate": 5000, "achievedRate": 4998.9, "sent": 50000, "lost": 0,
                  "latency": { "count": 50000, "p50Us": 1079, "p90Us": 3167, "p99Us": 14663, "p999Us": 21023, "maxUs": 23583, "meanUs": 1789.3 } }
              ],
              "throughput": [],
              "memory": [],
              "timings": [],
              "notes": []
            }
            """;

        var r = BenchResults.FromJson(json);

        Assert.Empty(r.Writes);
        Assert.Empty(r.Failures);
        Assert.Null(r.Latency.Single().Cpu);
        Assert.Contains("| 1.08 | 3.17 | 14.7 | 21.0 | 23.6 | – |", Report.Render(r, ".", []), StringComparison.Ordinal);
    }
}
