using System.Net;
using System.Text.Json;

namespace ActorPresence.Cli.Tests;

public class WatchCommandTests
{
    [Fact]
    public async Task Watch_count_2_prints_the_first_two_events_skipping_comments_and_joining_multi_line_data()
    {
        var node = new FakeNode().AnswerStream(new OpenEventStream(EventStreams.ThreeEvents));

        var result = await Cli.RunAsync(node, "watch", "--count", "2");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(HttpMethod.Get, node.Single.Method);
        Assert.Equal("/api/v1/events", node.Single.PathAndQuery);
        Assert.Equal([EventStreams.DeviceLine, EventStreams.MailboxLine], result.OutLines);
        Assert.Equal("", result.Err);
    }

    [Fact]
    public async Task Watch_stops_after_count_events_even_though_the_stream_stays_open()
    {
        var node = new FakeNode().AnswerStream(new OpenEventStream(EventStreams.ThreeEvents));

        var result = await Cli.RunAsync(node, "watch", "--count", "3");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([EventStreams.DeviceLine, EventStreams.MailboxLine, EventStreams.PresenceLine], result.OutLines);
    }

    [Fact]
    public async Task Watch_json_prints_each_events_data_as_one_json_line()
    {
        var node = new FakeNode().AnswerStream(new OpenEventStream(EventStreams.ThreeEvents));

        var result = await Cli.RunAsync(node, "watch", "--count", "2", "--json");

        Assert.Equal(0, result.ExitCode);
        var lines = result.OutLines;
        Assert.Equal(2, lines.Length);
        using var device = JsonDocument.Parse(lines[0]);
        Assert.Equal("PJSIP/1000", device.RootElement.GetProperty("id").GetString());
        Assert.Equal("INUSE", device.RootElement.GetProperty("value").GetProperty("state").GetString());
        Assert.True(device.RootElement.GetProperty("initial").GetBoolean());
        using var mailbox = JsonDocument.Parse(lines[1]);
        Assert.Equal("mailbox", mailbox.RootElement.GetProperty("kind").GetString());
        Assert.Equal(5, mailbox.RootElement.GetProperty("value").GetProperty("old").GetInt32());
    }

    [Fact]
    public async Task Watch_sends_each_filter_given_as_a_query_parameter()
    {
        var node = new FakeNode().AnswerStream(new OpenEventStream(EventStreams.ThreeEvents));

        var result = await Cli.RunAsync(node, "watch", "--device", "PJSIP/*", "--mailbox", "1000", "--presence", "*", "--count", "1");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("/api/v1/events?device=PJSIP%2F%2A&mailbox=1000%40default&presence=%2A", node.Single.PathAndQuery);
    }

    [Fact]
    public async Task Watch_with_a_malformed_exact_id_exits_2_without_connecting()
    {
        var node = new FakeNode();

        var result = await Cli.RunAsync(node, "watch", "--device", "PJSIP/10 00");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: device: must be 1–128 printable ASCII characters", result.Err);
        Assert.Empty(node.Requests);
    }

    [Fact]
    public async Task Watch_ends_with_0_when_interrupted()
    {
        using var ctrlC = new CancellationTokenSource();
        var node = new FakeNode().AnswerStream(new OpenEventStream(EventStreams.ThreeEvents, drained: ctrlC.Cancel));

        var result = await Cli.RunWithAsync(node, null, ctrlC.Token, "watch");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([EventStreams.DeviceLine, EventStreams.MailboxLine, EventStreams.PresenceLine], result.OutLines);
    }

    [Fact]
    public async Task Watch_without_count_exits_3_when_the_node_closes_the_stream()
    {
        var node = new FakeNode().AnswerStream(EventStreams.Ended(EventStreams.ThreeEvents));

        var result = await Cli.RunAsync(node, "watch");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(3, result.OutLines.Length);
        Assert.Equal("error: node http://127.0.0.1:5080 ended the stream after 3 events\n", result.Err);
    }

    [Fact]
    public async Task Watch_exits_1_with_the_reason_when_the_node_ends_it_with_an_error()
    {
        var body = EventStreams.ThreeEvents.Split("\n: keep-alive")[0]
            + "\nevent: error\ndata: {\"error\": \"the device manager of this node stopped\"}\n\n";
        var node = new FakeNode().AnswerStream(EventStreams.Ended(body));

        var result = await Cli.RunAsync(node, "watch");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([EventStreams.DeviceLine], result.OutLines);
        Assert.Equal("error: the node ended this watch: the device manager of this node stopped\n", result.Err);
    }

    [Fact]
    public async Task Watch_exits_3_when_the_stream_ends_before_count_events()
    {
        var node = new FakeNode().AnswerStream(EventStreams.Ended(EventStreams.ThreeEvents));

        var result = await Cli.RunAsync(node, "watch", "--count", "5");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(3, result.OutLines.Length);
        Assert.Equal("error: node http://127.0.0.1:5080 ended the stream after 3 events of 5\n", result.Err);
    }

    [Fact]
    public async Task Watch_exits_1_when_the_node_drops_it_for_falling_behind()
    {
        var body = EventStreams.ThreeEvents.Split("\n: keep-alive")[0]
            + "\nevent: overflow\ndata: {\"error\": \"fell 1000 events behind\"}\n\n";
        var node = new FakeNode().AnswerStream(EventStreams.Ended(body));

        var result = await Cli.RunAsync(node, "watch", "--count", "5");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([EventStreams.DeviceLine], result.OutLines);
        Assert.Equal("error: the node dropped this watch: fell 1000 events behind\n", result.Err);
    }

    [Fact]
    public async Task Watch_names_an_unnamed_event_by_the_kind_in_its_data()
    {
        var body = "data: {\"kind\":\"presence\",\"id\":\"alice\",\"origin\":\"pbx2\",\"initial\":false,\"value\":" + Samples.Presence + "}\n\n";
        var node = new FakeNode().AnswerStream(EventStreams.Ended(body));

        var result = await Cli.RunAsync(node, "watch", "--count", "1");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([EventStreams.PresenceLine], result.OutLines);
    }

    [Fact]
    public async Task Watch_shows_a_device_whose_last_view_was_withdrawn_as_having_no_views()
    {
        var body = "event: device\ndata: {\"kind\":\"device\",\"id\":\"PJSIP/1000\",\"origin\":\"pbx1\",\"initial\":false,"
            + "\"value\":{\"device\":\"PJSIP/1000\",\"state\":\"INVALID\",\"views\":[]}}\n\n";
        var node = new FakeNode().AnswerStream(EventStreams.Ended(body));

        var result = await Cli.RunAsync(node, "watch", "--count", "1");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["device PJSIP/1000 INVALID [no views] from pbx1"], result.OutLines);
    }

    [Fact]
    public async Task Watch_refused_by_the_node_exits_1_with_its_error()
    {
        var node = new FakeNode().Answer(HttpStatusCode.BadRequest, Samples.Error("device: filter 'x y' is not an id or a prefix"));

        var result = await Cli.RunAsync(node, "watch", "--device", "*");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 400 device: filter 'x y' is not an id or a prefix\n", result.Err);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task Watch_count_below_1_exits_2(string count)
    {
        var node = new FakeNode();

        var result = await Cli.RunAsync(node, "watch", "--count", count);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: --count: must be at least 1 (got {count})\n", result.Err);
        Assert.Empty(node.Requests);
    }
}
