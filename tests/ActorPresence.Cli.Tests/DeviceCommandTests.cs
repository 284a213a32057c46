using System.Net;
using System.Text.Json;

namespace ActorPresence.Cli.Tests;

public class DeviceCommandTests
{
    [Fact]
    public async Task Device_show_encodes_the_slash_of_the_id_and_prints_the_aggregate_and_every_view()
    {
        var node = new FakeNode().Answer(Samples.Device);

        var result = await Cli.RunAsync(node, "device", "show", "PJSIP/1000");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(HttpMethod.Get, node.Single.Method);
        Assert.Equal("/api/v1/devices/PJSIP%2F1000", node.Single.PathAndQuery);
        Assert.Equal(
            [
                "device  PJSIP/1000",
                "state   RINGINUSE",
                "NODE  STATE    UPDATED AT",
                "pbx1  INUSE    2026-11-26T06:40:00.1234567+00:00",
                "pbx2  RINGING  2026-11-26T06:40:01.0000000+00:00",
            ],
            result.OutLines);
    }

    [Fact]
    public async Task Device_show_with_json_prints_the_document_as_the_node_sent_it()
    {
        var node = new FakeNode().Answer(Samples.Device);

        var result = await Cli.RunAsync(node, "device", "show", "PJSIP/1000", "--json");

        Assert.Equal(0, result.ExitCode);
        using var printed = JsonDocument.Parse(result.Out);
        using var sent = JsonDocument.Parse(Samples.Device);
        Assert.True(JsonElement.DeepEquals(sent.RootElement, printed.RootElement), result.Out);
    }

    [Fact]
    public async Task Device_show_of_an_unknown_device_exits_1_and_prints_the_nodes_error()
    {
        var node = new FakeNode().Answer(HttpStatusCode.NotFound, Samples.Error("device: PJSIP/9 is unknown"));

        var result = await Cli.RunAsync(node, "device", "show", "PJSIP/9");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 404 device: PJSIP/9 is unknown\n", result.Err);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task Device_set_puts_the_state_by_its_canonical_name()
    {
        var node = new FakeNode().Answer(Samples.Device);

        var result = await Cli.RunAsync(node, "device", "set", "PJSIP/1000", "not_inuse");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(HttpMethod.Put, node.Single.Method);
        Assert.Equal("/api/v1/devices/PJSIP%2F1000", node.Single.PathAndQuery);
        Assert.Equal("""{"state":"NOT_INUSE"}""", node.Single.Body);
        Assert.Equal("application/json", node.Single.ContentType);
        Assert.Contains("state   RINGINUSE", result.OutLines);
    }

    [Fact]
    public async Task Device_set_with_an_invalid_state_exits_2_naming_the_state_without_sending()
    {
        var node = new FakeNode();

        var result = await Cli.RunAsync(node, "device", "set", "PJSIP/1000", "TALKING");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            "error: state: must be one of UNKNOWN, NOT_INUSE, INUSE, BUSY, INVALID, UNAVAILABLE, RINGING, RINGINUSE, ONHOLD (got 'TALKING')\n",
            result.Err);
        Assert.Empty(node.Requests);
    }

    [Theory]
    [InlineData("PJSIP/10 00", "'PJSIP/10 00'")]
    [InlineData("", "an empty value")]
    public async Task Device_set_with_an_invalid_id_exits_2_naming_the_device_without_sending(string id, string described)
    {
        var node = new FakeNode();

        var result = await Cli.RunAsync(node, "device", "set", id, "INUSE");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: device: must be 1–128 printable ASCII characters without whitespace (got {described})\n", result.Err);
        Assert.Empty(node.Requests);
    }

    [Fact]
    public async Task Device_set_refused_by_the_node_exits_1_with_its_error()
    {
        var node = new FakeNode().Answer(HttpStatusCode.BadRequest, Samples.Error("body: not JSON"));

        var result = await Cli.RunAsync(node, "device", "set", "PJSIP/1000", "INUSE");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 400 body: not JSON\n", result.Err);
    }

    [Fact]
    public async Task Device_withdraw_deletes_this_nodes_view_and_prints_what_is_left()
    {
        var node = new FakeNode().Answer("""{"device": "Custom:lamp/1", "state": "INVALID", "views": []}""");

        var result = await Cli.RunAsync(node, "device", "withdraw", "Custom:lamp/1");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(HttpMethod.Delete, node.Single.Method);
        Assert.Equal("/api/v1/devices/Custom%3Alamp%2F1", node.Single.PathAndQuery);
        Assert.Null(node.Single.Body);
        Assert.Equal(["device  Custom:lamp/1", "state   INVALID", "no node has a view of this device"], result.OutLines);
    }

    [Fact]
    public async Task Device_list_follows_next_until_the_node_has_no_more()
    {
        var node = new FakeNode()
            .Answer(Samples.DevicePage("PJSIP/1001", "PJSIP/1000", "PJSIP/1001"))
            .Answer(Samples.DevicePage("PJSIP/1003", "PJSIP/1002", "PJSIP/1003"))
            .Answer(Samples.DevicePage(null, "PJSIP/1004"));

        var result = await Cli.RunAsync(node, "device", "list", "PJSIP/");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            [
                "/api/v1/devices?prefix=PJSIP%2F&limit=1000",
                "/api/v1/devices?prefix=PJSIP%2F&after=PJSIP%2F1001&limit=1000",
                "/api/v1/devices?prefix=PJSIP%2F&after=PJSIP%2F1003&limit=1000",
            ],
            node.Requests.Select(r => r.PathAndQuery));
        Assert.All(node.Requests, r => Assert.Equal(HttpMethod.Get, r.Method));
        Assert.Equal(
            [
                "DEVICE      STATE  VIEWS",
                "PJSIP/1000  INUSE  pbx1=INUSE",
                "PJSIP/1001  INUSE  pbx1=INUSE",
                "PJSIP/1002  INUSE  pbx1=INUSE",
                "PJSIP/1003  INUSE  pbx1=INUSE",
                "PJSIP/1004  INUSE  pbx1=INUSE",
                "5 devices",
            ],
            result.OutLines);
    }

    [Fact]
    public async Task Device_list_with_a_limit_asks_for_no_more_than_it_still_needs_and_stops_there()
    {
        var node = new FakeNode()
            .Answer(Samples.DevicePage("PJSIP/1001", "PJSIP/1000", "PJSIP/1001"))
            .Answer(Samples.DevicePage("PJSIP/1002", "PJSIP/1002"));

        var result = await Cli.RunAsync(node, "device", "list", "--limit", "3");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            ["/api/v1/devices?limit=3", "/api/v1/devices?after=PJSIP%2F1001&limit=1"],
            node.Requests.Select(r => r.PathAndQuery));
        Assert.Equal("3 devices (more after 'PJSIP/1002'; raise --limit)", result.OutLines[^1]);
    }

    [Fact]
    public async Task Device_list_with_json_prints_every_page_as_one_document()
    {
        var node = new FakeNode()
            .Answer(Samples.DevicePage("PJSIP/1000", "PJSIP/1000"))
            .Answer(Samples.DevicePage(null, "PJSIP/1001"));

        var result = await Cli.RunAsync(node, "--json", "device", "list");

        Assert.Equal(0, result.ExitCode);
        using var printed = JsonDocument.Parse(result.Out);
        Assert.Equal(
            ["PJSIP/1000", "PJSIP/1001"],
            printed.RootElement.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("device").GetString()));
        Assert.Equal(JsonValueKind.Null, printed.RootElement.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task Device_list_of_nothing_says_0_devices()
    {
        var node = new FakeNode().Answer("""{"items": [], "next": null}""");

        var result = await Cli.RunAsync(node, "device", "list");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("0 devices\n", result.Out);
    }

    [Fact]
    public async Task Device_list_stops_with_an_error_when_the_nodes_cursor_does_not_advance()
    {
        var node = new FakeNode()
            .Answer(Samples.DevicePage("PJSIP/1001", "PJSIP/1001"))
            .Answer(Samples.DevicePage("PJSIP/1001", "PJSIP/1001"));

        var result = await Cli.RunAsync(node, "device", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("paging did not advance", result.Err);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public async Task Device_list_with_a_limit_below_1_exits_2(string limit)
    {
        var node = new FakeNode();

        var result = await Cli.RunAsync(node, "device", "list", "--limit", limit);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: --limit: must be at least 1 (got {limit})\n", result.Err);
        Assert.Empty(node.Requests);
    }
}
