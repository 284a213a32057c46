using System.Net;

namespace ActorPresence.Benchmarks.Tests;

/// <summary>A node that answers 503, does not answer, or is gone: the harness records it, skips what depends on it, and goes on.</summary>
public sealed class FailureHandlingTests
{
    private const string Print = """{"entities":3,"entries":4,"hash":"00000000000000aa"}""";
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task A_node_answering_503_to_the_convergence_check_is_recorded_and_the_next_phase_still_runs()
    {
        var phases = new PhaseLog(TextWriter.Null);
        AgentClient[] nodes = [FakeNode.Answering(Print).Client("n1"), FakeNode.Answering503().Client("n2")];
        var nextRan = false;

        var converged = await phases.RunAsync("3 nodes: scale writes and memory",
            () => Checks.ConvergedAsync(nodes, Short, "after the scale writes"), "memory per entity");
        var next = await phases.RunAsync("3 nodes: new node", () =>
        {
            nextRan = true;
            return Task.CompletedTask;
        });

        Assert.False(converged);
        Assert.True(next);
        Assert.True(nextRan);
        var failure = Assert.Single(phases.Failures);
        Assert.Equal("3 nodes: scale writes and memory", failure.Phase);
        Assert.Contains("waiting for identical replicas after the scale writes", failure.Message, StringComparison.Ordinal);
        Assert.Contains("n2 answered 503 to the convergence check: the node did not answer in time", failure.Message, StringComparison.Ordinal);
        Assert.EndsWith("; not measured: memory per entity", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_503_that_passes_is_retried_within_the_bound_and_leaves_no_failure()
    {
        var calls = 0;
        var flaky = new FakeNode((_, _) => Task.FromResult(Interlocked.Increment(ref calls) == 1
            ? FakeNode.Json(HttpStatusCode.ServiceUnavailable, """{"error":"the node did not answer in time"}""")
            : FakeNode.Json(HttpStatusCode.OK, Print)));
        var phases = new PhaseLog(TextWriter.Null);
        AgentClient[] nodes = [FakeNode.Answering(Print).Client("n1"), flaky.Client("n2")];

        var converged = await phases.RunAsync("3 nodes: scale", () => Checks.ConvergedAsync(nodes, TimeSpan.FromSeconds(30), "after the scale writes"));

        Assert.True(converged);
        Assert.Empty(phases.Failures);
        Assert.Equal(2, flaky.Calls);
    }

    [Fact]
    public async Task A_node_that_does_not_answer_in_time_is_named_with_the_bound()
    {
        var client = FakeNode.NeverAnswering().Client("n3");

        var e = await Assert.ThrowsAsync<NodeCallException>(() => client.GetAsync<Agent.Fingerprint>("/bench/fingerprint", Checks.ConvergencePurpose, TimeSpan.FromMilliseconds(200)));

        Assert.Equal("n3 did not answer the convergence check within 200 ms", e.Message);
        Assert.Null(e.Status);
        Assert.False(e.ProcessGone);
    }

    [Fact]
    public async Task A_node_whose_process_died_fails_the_wait_at_once_and_says_how_it_died()
    {
        var gone = FakeNode.Refusing();
        var phases = new PhaseLog(TextWriter.Null);
        AgentClient[] nodes = [FakeNode.Answering(Print).Client("n1"), gone.Client("n2", () => "exited with code 137")];

        await phases.RunAsync("3 nodes: scale", () => Checks.ConvergedAsync(nodes, TimeSpan.FromMinutes(10), "after the scale writes"));

        var failure = Assert.Single(phases.Failures);
        Assert.Equal("n2 could not be reached for the convergence check: Connection refused (127.0.0.1:5081) (n2 exited with code 137)", failure.Message);
        Assert.Equal(1, gone.Calls); // no retry: a dead process will not answer the next poll either
    }

    [Fact]
    public async Task An_error_answer_that_is_not_json_is_quoted_as_text()
    {
        var client = new FakeNode((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("upstream gone") })).Client("n1");

        var e = await Assert.ThrowsAsync<NodeCallException>(() => client.PostAsync("/bench/write", new { }, "the scale writes"));

        Assert.Equal("n1 answered 502 to the scale writes: upstream gone", e.Message);
        Assert.Equal(HttpStatusCode.BadGateway, e.Status);
    }

    [Fact]
    public async Task An_unreadable_answer_becomes_a_node_failure_not_a_crash()
    {
        var client = FakeNode.Answering("<html>").Client("n1");

        var e = await Assert.ThrowsAsync<NodeCallException>(() => client.GetAsync<Agent.Fingerprint>("/bench/fingerprint", "the full-state check"));

        Assert.StartsWith("n1 gave an unreadable answer to the full-state check", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Membership_is_zero_when_a_node_cannot_tell()
    {
        Assert.Equal(0, await FakeNode.Answering503().Client("n1").UpMembersAsync());
        Assert.Equal(0, await FakeNode.Refusing().Client("n1").UpMembersAsync());
        Assert.Equal(2, await FakeNode.Answering("""
            {"members":[{"status":"Up","reachable":true},{"status":"Up","reachable":true},{"status":"Up","reachable":false},{"status":"Joining","reachable":true}]}
            """).Client("n1").UpMembersAsync());
    }

    [Fact]
    public async Task After_a_failed_step_the_rest_run_when_the_cluster_recovers()
    {
        var phases = new PhaseLog(TextWriter.Null);
        var ran = new List<string>();
        var recoveries = 0;

        var done = await phases.RunStepsAsync("3 nodes",
        [
            ("throughput", () => Run(ran, "throughput")),
            ("scale writes", () => throw new NodeCallException("n2", "the scale writes", HttpStatusCode.ServiceUnavailable, "n2 answered 503 to the scale writes: the node did not answer in time")),
            ("partition", () => Run(ran, "partition")),
        ], () =>
        {
            recoveries++;
            return Task.CompletedTask;
        });

        Assert.Equal(["throughput", "partition"], done);
        Assert.Equal(["throughput", "partition"], ran);
        Assert.Equal(1, recoveries);
        var failure = Assert.Single(phases.Failures);
        Assert.Equal(new PhaseFailure("3 nodes: scale writes", "n2 answered 503 to the scale writes: the node did not answer in time"), failure);
    }

    [Fact]
    public async Task After_a_failed_step_the_rest_are_skipped_and_named_when_the_cluster_does_not_recover()
    {
        var phases = new PhaseLog(TextWriter.Null);
        var ran = new List<string>();

        var done = await phases.RunStepsAsync("3 nodes",
        [
            ("scale writes", () => throw new NodeDownException("n2 exited with code 137")),
            ("new node", () => Run(ran, "new node")),
            ("partition", () => Run(ran, "partition")),
        ], () => throw new TimeoutException("cluster of 3 not Up after 60 s (n1 sees 2, n2 sees 0, n3 sees 2)"));

        Assert.Empty(done);
        Assert.Empty(ran);
        Assert.Equal(
        [
            new PhaseFailure("3 nodes: scale writes", "n2 exited with code 137"),
            new PhaseFailure("3 nodes: recovery", "cluster of 3 not Up after 60 s (n1 sees 2, n2 sees 0, n3 sees 2); not measured: new node, partition"),
        ], phases.Failures);
    }

    [Fact]
    public async Task An_unexpected_exception_is_recorded_with_its_type()
    {
        var phases = new PhaseLog(TextWriter.Null);

        var ok = await phases.RunAsync("3 nodes: scale writes", () => throw new KeyNotFoundException("members"));

        Assert.False(ok);
        Assert.Equal("KeyNotFoundException: members", Assert.Single(phases.Failures).Message);
    }

    [Fact]
    public async Task A_failure_in_the_last_step_needs_no_recovery()
    {
        var phases = new PhaseLog(TextWriter.Null);
        var recoveries = 0;

        await phases.RunStepsAsync("3 nodes", [("partition", () => throw new TimeoutException("timed out"))], () =>
        {
            recoveries++;
            return Task.CompletedTask;
        });

        Assert.Equal(0, recoveries);
        Assert.Single(phases.Failures);
    }

    private static Task Run(List<string> ran, string name)
    {
        ran.Add(name);
        return Task.CompletedTask;
    }
}
