using System.Net;

namespace ActorPresence.Benchmarks.Tests;

/// <summary>How paced library writes and HTTP writes count what they did: acknowledged, timed out (outcome unknown), failed, not attempted.</summary>
public sealed class WritersTests
{
    private sealed class AskTimeoutException(string message) : Exception(message);

    private sealed class WriteOutcomeUnknownException(string message) : Exception(message);

    [Theory]
    [InlineData(typeof(TimeoutException), true)]
    [InlineData(typeof(TaskCanceledException), true)]
    [InlineData(typeof(AskTimeoutException), true)]
    [InlineData(typeof(WriteOutcomeUnknownException), true)]
    [InlineData(typeof(InvalidOperationException), false)]
    [InlineData(typeof(ArgumentException), false)]
    public void A_failed_write_is_a_timeout_when_its_outcome_is_unknown(Type type, bool timeout)
    {
        var e = (Exception)Activator.CreateInstance(type, "write failed")!;

        Assert.Equal(timeout, Pacer.IsTimeout(e));
    }

    [Fact]
    public void An_error_that_says_the_outcome_is_unknown_is_a_timeout()
    {
        Assert.True(Pacer.IsTimeout(new InvalidOperationException("the write's outcome is unknown: no acknowledgement within 5 s")));
        Assert.False(Pacer.IsTimeout(new InvalidOperationException("state: unknown device state 'FOO'")));
    }

    [Fact]
    public async Task Paced_writes_are_counted_by_outcome_with_distinct_samples()
    {
        var result = await Pacer.RunAsync(30, 1_000_000, 8, i => (i % 3) switch
        {
            0 => Task.CompletedTask,
            1 => Task.FromException(new AskTimeoutException($"ask timed out on write {i % 2}")),
            _ => Task.FromException(new InvalidOperationException("rejected")),
        }, CancellationToken.None);

        Assert.Equal(30, result.Attempted);
        Assert.Equal(10, result.Written);
        Assert.Equal(10, result.TimedOut);
        Assert.Equal(10, result.Errors);
        Assert.Equal(
            ["AskTimeoutException: ask timed out on write 0", "AskTimeoutException: ask timed out on write 1", "InvalidOperationException: rejected"],
            result.ErrorSamples.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Paced_writes_record_the_latency_of_acknowledged_writes_only()
    {
        var acks = new LatencyRecorder();

        await Pacer.RunAsync(10, 1_000_000, 4, i => i < 6 ? Task.CompletedTask : Task.FromException(new TimeoutException()), CancellationToken.None, latency: acks);

        Assert.Equal(6, acks.Count);
    }

    [Fact]
    public async Task No_write_starts_after_the_deadline_and_the_rest_are_not_attempted()
    {
        var result = await Pacer.RunAsync(1_000, 1_000_000, 4, _ => Task.CompletedTask, CancellationToken.None, deadline: TimeSpan.Zero);

        Assert.Equal(0, result.Attempted);
        Assert.Equal(0, result.Written);
    }

    [Theory]
    [InlineData(20_000, 3, 0, 6_667)]
    [InlineData(20_000, 3, 1, 6_667)]
    [InlineData(20_000, 3, 2, 6_666)]
    [InlineData(1_000, 3, 0, 334)]
    [InlineData(2, 3, 2, 0)]
    public void Each_node_takes_its_share_of_the_writes(long count, int nodes, int k, long share)
    {
        Assert.Equal(share, HttpWrites.Share(count, nodes, k));
    }

    [Fact]
    public async Task Http_clients_are_spread_over_the_nodes_and_write_each_id_of_their_node_once()
    {
        FakeNode[] nodes = [FakeNode.Answering("{}"), FakeNode.Answering("{}"), FakeNode.Answering("{}")];

        var clients = Enumerable.Range(0, 6).Select(c => new HttpClient(nodes[c % 3]) { BaseAddress = new Uri("http://127.0.0.1:1") }).ToList();

        var run = await HttpWrites.RunAsync(clients, 3, "update", "device", 20,
            (k, j) => new HttpWrites.Put($"/api/v1/devices/hd{k}-{j}", """{"state":"NOT_INUSE"}"""), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));

        Assert.Equal(20, run.Written);
        Assert.Equal(0, run.Failed);
        Assert.Equal(6, run.Concurrency);
        Assert.Equal(20, run.Latency.Count);
        for (var k = 0; k < 3; k++)
        {
            var expected = Enumerable.Range(0, (int)HttpWrites.Share(20, 3, k)).Select(j => $"PUT /api/v1/devices/hd{k}-{j}").Order();
            Assert.Equal(expected, nodes[k].Requests.Order());
        }
    }

    [Fact]
    public async Task A_second_batch_goes_through_the_same_clients()
    {
        var node = FakeNode.Answering("{}");
        using var client = new HttpClient(node) { BaseAddress = new Uri("http://127.0.0.1:1") };

        await HttpWrites.RunAsync([client], 1, "create", "mailbox", 2, (_, j) => new HttpWrites.Put($"/api/v1/mailboxes/hm0-{j}", "{}"), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));
        var second = await HttpWrites.RunAsync([client], 1, "update", "device", 2, (_, j) => new HttpWrites.Put($"/api/v1/devices/hd0-{j}", "{}"), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));

        Assert.Equal(2, second.Written); // the client was not disposed by the first batch
        Assert.Equal(4, node.Calls);
    }

    [Fact]
    public async Task Http_answers_that_leave_the_outcome_unknown_count_as_timeouts_and_the_rest_as_errors()
    {
        var calls = 0;
        var node = new FakeNode((_, _) => Task.FromResult((Interlocked.Increment(ref calls) % 4) switch
        {
            1 => FakeNode.Json(HttpStatusCode.OK, "{}"),
            2 => FakeNode.Json(HttpStatusCode.ServiceUnavailable, """{"error":"the node did not answer in time"}"""),
            3 => FakeNode.Json(HttpStatusCode.GatewayTimeout, "{}"),
            _ => FakeNode.Json(HttpStatusCode.BadRequest, """{"error":"mailbox: is required (box@context)"}"""),
        }));

        var run = await HttpWrites.RunAsync([new HttpClient(node) { BaseAddress = new Uri("http://127.0.0.1:1") }], 1, "create", "mailbox", 8,
            (_, j) => new HttpWrites.Put($"/api/v1/mailboxes/hm0-{j}", "{}"), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));

        Assert.Equal(2, run.Written);
        Assert.Equal(4, run.TimedOut);
        Assert.Equal(2, run.Errors);
        Assert.Contains("""HTTP 503: {"error":"the node did not answer in time"}""", run.ErrorSamples);
        Assert.Contains("""HTTP 400: {"error":"mailbox: is required (box@context)"}""", run.ErrorSamples);
    }

    [Fact]
    public async Task A_refused_http_connection_is_an_error_and_the_client_goes_on()
    {
        var refusing = FakeNode.Refusing();
        var run = await HttpWrites.RunAsync([new HttpClient(refusing) { BaseAddress = new Uri("http://127.0.0.1:1") }, new HttpClient(refusing) { BaseAddress = new Uri("http://127.0.0.1:1") }], 1, "create", "mailbox", 5,
            (_, j) => new HttpWrites.Put($"/api/v1/mailboxes/hm0-{j}", "{}"), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));

        Assert.Equal(0, run.Written);
        Assert.Equal(5, run.Errors);
        Assert.Equal(["HttpRequestException: Connection refused (127.0.0.1:5081)"], run.ErrorSamples);
    }
}
