using System.Text.Json;

namespace ActorPresence.Cli.Tests;

public class XmppCommandTests
{
    private const string Connected = """
        {"enabled": true, "bridge": "akka.tcp://actorpresence@127.0.0.1:4981", "server": "127.0.0.1:15222", "jid": "bridge@localhost",
         "eid": "fe:93:51:45:8d:6c", "state": "connected", "since": "2026-11-30T11:55:31.85+00:00", "lastError": null,
         "itemsIn": 5, "itemsOut": 1, "refused": 0, "connects": 1, "pending": 0,
         "eids": [
           {"eid": "02:00:00:00:00:01", "view": "ast:02:00:00:00:00:01", "account": "asterisk@localhost", "state": "online",
            "since": "2026-11-30T11:55:32.1+00:00", "lastItem": "2026-11-30T11:56:00+00:00", "devices": 1, "itemsIn": 2},
           {"eid": "02:00:00:00:00:02", "view": "ast:02:00:00:00:00:02", "account": "pbx2@localhost", "state": "stale",
            "since": "2026-11-30T11:57:00+00:00", "lastItem": "2026-11-30T11:56:30+00:00", "devices": 12, "itemsIn": 3}]}
        """;

    private const string Off = """
        {"enabled": false, "bridge": null, "server": null, "jid": null, "eid": null, "state": null, "since": null, "lastError": null,
         "itemsIn": 0, "itemsOut": 0, "refused": 0, "connects": 0, "pending": 0, "eids": []}
        """;

    [Fact]
    public async Task Xmpp_show_prints_the_bridge_line_then_a_line_per_asterisk_eid_and_a_count_by_state()
    {
        var node = new FakeNode().Answer(Connected);

        var result = await Cli.RunAsync(node, "xmpp", "show");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(HttpMethod.Get, node.Single.Method);
        Assert.Equal("/api/v1/xmpp", node.Single.PathAndQuery);
        Assert.Equal(
            [
                "STATE      SINCE                         SERVER           JID               EID                BRIDGE NODE                              IN  OUT  REFUSED  PENDING  LAST ERROR",
                "connected  2026-11-30T11:55:31.85+00:00  127.0.0.1:15222  bridge@localhost  fe:93:51:45:8d:6c  akka.tcp://actorpresence@127.0.0.1:4981  5   1    0        0        -",
                "EID                ACCOUNT             STATE   SINCE                        DEVICES  IN",
                "02:00:00:00:00:01  asterisk@localhost  online  2026-11-30T11:55:32.1+00:00  1        2",
                "02:00:00:00:00:02  pbx2@localhost      stale   2026-11-30T11:57:00+00:00    12       3",
                "2 Asterisk EIDs: 1 online, 1 stale, 0 withdrawn, 0 unknown",
            ],
            result.OutLines);
        Assert.Equal("", result.Err);
    }

    [Fact]
    public async Task Xmpp_show_with_json_prints_the_nodes_document_unchanged_in_content()
    {
        var node = new FakeNode().Answer(Connected);

        var result = await Cli.RunAsync(node, "--json", "xmpp", "show");

        Assert.Equal(0, result.ExitCode);
        using var printed = JsonDocument.Parse(result.Out);
        using var sent = JsonDocument.Parse(Connected);
        Assert.True(JsonElement.DeepEquals(sent.RootElement, printed.RootElement), result.Out);
    }

    [Fact]
    public async Task Xmpp_show_says_plainly_that_the_bridge_is_off_and_exits_0()
    {
        var node = new FakeNode().Answer(Off);

        var result = await Cli.RunAsync(node, "xmpp", "show");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["the XMPP bridge is off on this node (turn it on with --xmpp)"], result.OutLines);
        Assert.Equal("", result.Err);
    }

    [Fact]
    public async Task Xmpp_show_with_json_of_a_bridge_that_is_off_prints_the_document()
    {
        var node = new FakeNode().Answer(Off);

        var result = await Cli.RunAsync(node, "--json", "xmpp", "show");

        Assert.Equal(0, result.ExitCode);
        using var printed = JsonDocument.Parse(result.Out);
        Assert.False(printed.RootElement.GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, printed.RootElement.GetProperty("bridge").ValueKind);
        Assert.Equal(0, printed.RootElement.GetProperty("eids").GetArrayLength());
    }

    [Fact]
    public async Task Xmpp_show_of_a_disconnected_bridge_shows_its_last_error_and_says_when_no_eid_was_seen()
    {
        var node = new FakeNode().Answer("""
            {"enabled": true, "bridge": "akka.tcp://actorpresence@10.0.0.1:4053", "server": "xmpp.example.test:5222", "jid": "bridge@example.test",
             "eid": "fe:93:51:45:8d:6c", "state": "disconnected", "since": "2026-11-30T12:00:00+00:00", "lastError": "connection refused",
             "itemsIn": 0, "itemsOut": 0, "refused": 0, "connects": 0, "pending": 7, "eids": []}
            """);

        var result = await Cli.RunAsync(node, "xmpp", "show");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            [
                "STATE         SINCE                      SERVER                  JID                  EID                BRIDGE NODE                             IN  OUT  REFUSED  PENDING  LAST ERROR",
                "disconnected  2026-11-30T12:00:00+00:00  xmpp.example.test:5222  bridge@example.test  fe:93:51:45:8d:6c  akka.tcp://actorpresence@10.0.0.1:4053  0   0    0        7        connection refused",
                "no Asterisk EID seen yet",
            ],
            result.OutLines);
    }

    [Fact]
    public async Task Xmpp_show_says_when_the_bridge_did_not_answer()
    {
        var node = new FakeNode().Answer("""
            {"enabled": true, "bridge": null, "server": "127.0.0.1:5222", "jid": "bridge@localhost", "eid": "fe:93:51:45:8d:6c",
             "state": "unreachable", "since": null, "lastError": null,
             "itemsIn": 0, "itemsOut": 0, "refused": 0, "connects": 0, "pending": 0, "eids": []}
            """);

        var result = await Cli.RunAsync(node, "xmpp", "show");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("unreachable  -      127.0.0.1:5222  bridge@localhost  fe:93:51:45:8d:6c  -  ", result.OutLines[1]);
        Assert.Equal("the bridge did not answer (it may be moving to another node); try again", result.OutLines[^1]);
    }
}
