using System.Net;
using System.Text.Json;

namespace ActorPresence.Cli.Tests;

public class MailboxAndPresenceCommandTests
{
    [Fact]
    public async Task Mailbox_show_gets_the_canonical_mailbox_and_prints_its_counts()
    {
        var node = new FakeNode().Answer(Samples.Mailbox);

        var result = await Cli.RunAsync(node, "mailbox", "show", "1000");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(HttpMethod.Get, node.Single.Method);
        Assert.Equal("/api/v1/mailboxes/1000%40default", node.Single.PathAndQuery);
        Assert.Equal(
            [
                "mailbox     1000@default",
                "new         2",
                "old         5",
                "urgent      1",
                "written by  pbx1",
                "written at  2026-11-26T06:40:00+00:00",
            ],
            result.OutLines);
    }

    [Fact]
    public async Task Mailbox_set_puts_all_three_counts()
    {
        var node = new FakeNode().Answer(Samples.Mailbox);

        var result = await Cli.RunAsync(node, "mailbox", "set", "1000@default", "--new", "2", "--old", "5", "--urgent", "1");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(HttpMethod.Put, node.Single.Method);
        Assert.Equal("/api/v1/mailboxes/1000%40default", node.Single.PathAndQuery);
        Assert.Equal("""{"new":2,"old":5,"urgent":1}""", node.Single.Body);
    }

    [Fact]
    public async Task Mailbox_set_without_urgent_sends_urgent_0()
    {
        var node = new FakeNode().Answer(Samples.Mailbox);

        var result = await Cli.RunAsync(node, "mailbox", "set", "2000@sales", "--old", "3", "--new", "0");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("/api/v1/mailboxes/2000%40sales", node.Single.PathAndQuery);
        Assert.Equal("""{"new":0,"old":3,"urgent":0}""", node.Single.Body);
    }

    [Theory]
    [InlineData("error: new: must not be negative (got -1)", "--new", "-1", "--old", "0")]
    [InlineData("error: urgent: must not exceed new (urgent 2 > new 1)", "--new", "1", "--old", "0", "--urgent", "2")]
    [InlineData("error: Option '--old' is required.", "--new", "1")]
    [InlineData("error: Cannot parse argument 'many' for option '--new' as expected type 'System.Int32'.", "--new", "many", "--old", "0")]
    public async Task Mailbox_set_with_bad_counts_exits_2_without_sending(string error, params string[] counts)
    {
        var node = new FakeNode();

        var result = await Cli.RunAsync(node, ["mailbox", "set", "1000", .. counts]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(error + "\n", result.Err);
        Assert.Empty(node.Requests);
    }

    [Fact]
    public async Task Mailbox_show_of_a_malformed_mailbox_exits_2()
    {
        var node = new FakeNode();

        var result = await Cli.RunAsync(node, "mailbox", "show", "1000@");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: mailbox: box@context: the context part must be 1–64 printable ASCII characters without whitespace or '@' (got an empty value)\n", result.Err);
        Assert.Empty(node.Requests);
    }

    [Fact]
    public async Task Mailbox_list_follows_paging_of_the_mailboxes_collection()
    {
        var node = new FakeNode()
            .Answer($$"""{"items": [{{Samples.Mailbox}}], "next": "1000@default"}""")
            .Answer("""{"items": [], "next": null}""");

        var result = await Cli.RunAsync(node, "mailbox", "list");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            ["/api/v1/mailboxes?limit=1000", "/api/v1/mailboxes?after=1000%40default&limit=1000"],
            node.Requests.Select(r => r.PathAndQuery));
        Assert.Equal(
            [
                "MAILBOX       NEW  OLD  URGENT  WRITTEN BY  WRITTEN AT",
                "1000@default  2    5    1       pbx1        2026-11-26T06:40:00+00:00",
                "1 mailbox",
            ],
            result.OutLines);
    }

    [Fact]
    public async Task Presence_set_puts_state_subtype_and_message()
    {
        var node = new FakeNode().Answer(Samples.Presence);

        var result = await Cli.RunAsync(node, "presence", "set", "alice", "AWAY", "--message", "lunch");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(HttpMethod.Put, node.Single.Method);
        Assert.Equal("/api/v1/presence/alice", node.Single.PathAndQuery);
        Assert.Equal("""{"state":"away","subtype":"","message":"lunch"}""", node.Single.Body);
        Assert.Contains("message     lunch", result.OutLines);
    }

    [Fact]
    public async Task Presence_set_encodes_the_id_and_keeps_unicode_in_the_body()
    {
        var node = new FakeNode().Answer(Samples.Presence);

        var result = await Cli.RunAsync(node, "presence", "set", "zoë/desk", "dnd", "--subtype", "meeting", "--message", "bis später");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("/api/v1/presence/zo%C3%AB%2Fdesk", node.Single.PathAndQuery);
        using var body = JsonDocument.Parse(node.Single.Body!);
        Assert.Equal("dnd", body.RootElement.GetProperty("state").GetString());
        Assert.Equal("meeting", body.RootElement.GetProperty("subtype").GetString());
        Assert.Equal("bis später", body.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Presence_set_with_an_invalid_state_exits_2_without_sending()
    {
        var node = new FakeNode();

        var result = await Cli.RunAsync(node, "presence", "set", "alice", "busy");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: state: must be one of not_set, unavailable, available, away, xa, chat, dnd (got 'busy')\n", result.Err);
        Assert.Empty(node.Requests);
    }

    [Fact]
    public async Task Presence_show_prints_the_presence_and_json_prints_the_document()
    {
        var node = new FakeNode().Answer(Samples.Presence).Answer(Samples.Presence);

        var table = await Cli.RunAsync(node, "presence", "show", "alice");
        var json = await Cli.RunAsync(node, "presence", "show", "alice", "--json");

        Assert.Equal(
            [
                "presentity  alice",
                "state       away",
                "subtype",
                "message     lunch",
                "written by  pbx2",
                "written at  2026-11-26T06:40:00+00:00",
            ],
            table.OutLines);
        using var printed = JsonDocument.Parse(json.Out);
        using var sent = JsonDocument.Parse(Samples.Presence);
        Assert.True(JsonElement.DeepEquals(sent.RootElement, printed.RootElement), json.Out);
        Assert.All(node.Requests, r => Assert.Equal("/api/v1/presence/alice", r.PathAndQuery));
    }

    [Fact]
    public async Task Presence_show_on_a_seed_node_exits_1_with_the_503_error()
    {
        var node = new FakeNode().Answer(HttpStatusCode.ServiceUnavailable, Samples.Error("this node is a dedicated seed and holds no telephony state"));

        var result = await Cli.RunAsync(node, "presence", "show", "alice");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 503 this node is a dedicated seed and holds no telephony state\n", result.Err);
    }
}
