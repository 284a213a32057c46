using System.Diagnostics;
using Akka.TestKit.Xunit2;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static ActorPresence.Board.Tests.BoardCluster;
using static Microsoft.Playwright.Assertions;

namespace ActorPresence.Board.Tests;

/// <summary>The board on node A follows writes made through node B's API, live.</summary>
public sealed class LiveBoardTests(BoardCluster cluster, ITestOutputHelper output) : TestKit(output: output), IClassFixture<BoardCluster>, IAsyncLifetime
{
    private readonly List<IPage> _pages = [];

    /// <summary>The bound: a lamp shows a change within a second of the write returning.</summary>
    private static readonly LocatorAssertionsToHaveAttributeOptions WithinASecond = new() { Timeout = 1000 };

    private const string Green = "rgb(34, 197, 94)";
    private const string Red = "rgb(220, 38, 38)";
    private const string MwiOn = "rgb(249, 115, 22)";
    private const string MwiOff = "rgb(55, 65, 81)";

    [Fact]
    public async Task A_device_lamp_changes_colour_within_a_second_of_a_write_on_another_node()
    {
        var page = await OpenBoardAsync();
        await PutAsync(cluster.B, "/api/v1/devices/PJSIP/2001", new { state = "NOT_INUSE" });
        var lamp = page.Locator("#devices [data-device='PJSIP/2001']");
        await Expect(lamp.Locator(".dot")).ToHaveCSSAsync("background-color", Green);

        await PutAsync(cluster.B, "/api/v1/devices/PJSIP/2001", new { state = "INUSE" });
        var sincePut = Stopwatch.StartNew();
        await Expect(lamp).ToHaveAttributeAsync("data-state", "INUSE", WithinASecond);
        // Read before the colour check, one more round trip to the browser that is not the lamp's time.
        var lit = sincePut.Elapsed;
        await Expect(lamp.Locator(".dot")).ToHaveCSSAsync("background-color", Red, new() { Timeout = 50 });
        Output.WriteLine($"lamp red {lit.TotalMilliseconds:F0} ms after the PUT on B returned");
        Assert.True(lit < TimeSpan.FromSeconds(1), $"lamp changed after {lit.TotalMilliseconds:F0} ms");

        await Chromium.ScreenshotAsync(page, "board-device.png");
    }

    [Fact]
    public async Task Clicking_a_device_shows_each_nodes_view_of_it_and_follows_changes()
    {
        var page = await OpenBoardAsync();
        await PutAsync(cluster.B, "/api/v1/devices/PJSIP/2002", new { state = "INUSE" });
        await PutAsync(cluster.A, "/api/v1/devices/PJSIP/2002", new { state = "RINGING" });
        var lamp = page.Locator("#devices [data-device='PJSIP/2002']");
        await Expect(lamp).ToHaveAttributeAsync("data-state", "RINGINUSE");

        await lamp.ClickAsync();
        var details = page.Locator("#details");
        await Expect(details).ToHaveAttributeAsync("data-id", "PJSIP/2002");
        await Expect(details.Locator("tr[data-node='board-a']")).ToHaveAttributeAsync("data-state", "RINGING");
        await Expect(details.Locator("tr[data-node='board-b']")).ToHaveAttributeAsync("data-state", "INUSE");
        await Expect(details.Locator(".title")).ToContainTextAsync("RINGINUSE");

        // B withdraws its view: the details follow, and so does the aggregate.
        using (var response = await cluster.B.Http.DeleteAsync("/api/v1/devices/PJSIP/2002"))
        {
            response.EnsureSuccessStatusCode();
        }
        await Expect(details.Locator("tr[data-node='board-b']")).ToHaveCountAsync(0);
        await Expect(lamp).ToHaveAttributeAsync("data-state", "RINGING");
        Assert.Contains("board-a: RINGING", await lamp.GetAttributeAsync("title"));

        // Withdrawing the last view removes the device from the board.
        using (var response = await cluster.A.Http.DeleteAsync("/api/v1/devices/PJSIP/2002"))
        {
            response.EnsureSuccessStatusCode();
        }
        await Expect(lamp).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_mailbox_lamp_lights_within_a_second_of_a_write_on_another_node()
    {
        var page = await OpenBoardAsync();
        await PutAsync(cluster.B, "/api/v1/mailboxes/2001@default", new { @new = 0, old = 4, urgent = 0 });
        var lamp = page.Locator("#mailboxes [data-mailbox='2001@default']");
        await Expect(lamp).ToHaveAttributeAsync("data-mwi", "off");
        await Expect(lamp.Locator(".dot")).ToHaveCSSAsync("background-color", MwiOff);

        await PutAsync(cluster.B, "/api/v1/mailboxes/2001@default", new { @new = 3, old = 4, urgent = 1 });
        var sincePut = Stopwatch.StartNew();
        await Expect(lamp).ToHaveAttributeAsync("data-mwi", "on", WithinASecond);
        // The time the lamp took, read before the colour is checked (that check is one more round trip
        // to the browser, which counted against the second when it was read afterwards).
        var lit = sincePut.Elapsed;
        await Expect(lamp.Locator(".dot")).ToHaveCSSAsync("background-color", MwiOn, new() { Timeout = 50 });
        Output.WriteLine($"MWI lamp on {lit.TotalMilliseconds:F0} ms after the PUT on B returned");
        Assert.True(lit < TimeSpan.FromSeconds(1), $"lamp changed after {lit.TotalMilliseconds:F0} ms");
        await Expect(lamp).ToHaveAttributeAsync("data-new", "3");
        await Expect(lamp).ToHaveAttributeAsync("data-urgent", "1");
        await Expect(lamp.Locator(".st")).ToHaveTextAsync("3/4 !1");

        // Messages read: the lamp goes out.
        await PutAsync(cluster.B, "/api/v1/mailboxes/2001@default", new { @new = 0, old = 7, urgent = 0 });
        await Expect(lamp).ToHaveAttributeAsync("data-mwi", "off", WithinASecond);

        await Chromium.ScreenshotAsync(page, "board-mailbox.png");
    }

    [Fact]
    public async Task Presence_written_on_another_node_appears_with_its_state_and_message()
    {
        var page = await OpenBoardAsync();
        await PutAsync(cluster.B, "/api/v1/presence/carol", new { state = "away", message = "lunch" });
        var tile = page.Locator("#presence [data-presence='carol']");
        await Expect(tile).ToHaveAttributeAsync("data-state", "away");
        await Expect(tile.Locator(".st")).ToHaveTextAsync("away · lunch");

        await PutAsync(cluster.B, "/api/v1/presence/carol", new { state = "dnd", message = "meeting" });
        await Expect(tile).ToHaveAttributeAsync("data-state", "dnd", WithinASecond);
        await Expect(tile.Locator(".dot")).ToHaveCSSAsync("background-color", Red);
    }

    [Fact]
    public async Task The_board_lists_the_members_with_status_reachability_and_the_leader()
    {
        var page = await OpenBoardAsync();
        var members = page.Locator("#members tbody tr");
        await Expect(members).ToHaveCountAsync(2);
        foreach (var node in new[] { "board-a", "board-b" })
        {
            var row = page.Locator($"#members tr[data-member='{node}']");
            await Expect(row).ToHaveAttributeAsync("data-status", "Up");
            await Expect(row).ToHaveAttributeAsync("data-reachable", "true");
        }
        await Expect(page.Locator("#members tr[data-leader='true']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#members tr[data-member='board-a'] .tag.me")).ToHaveCountAsync(1);
        await Expect(page.Locator("#self")).ToHaveTextAsync("board-a");
    }

    [Fact]
    public async Task The_filter_and_the_state_chips_narrow_the_board()
    {
        var page = await OpenBoardAsync();
        await PutAsync(cluster.B, "/api/v1/devices/SIP/filter-1", new { state = "BUSY" });
        await PutAsync(cluster.B, "/api/v1/devices/SIP/filter-2", new { state = "ONHOLD" });
        await Expect(page.Locator("#devices [data-device='SIP/filter-2']")).ToHaveCountAsync(1);

        await page.Locator("#devices .filter").FillAsync("sip/FILTER-");
        await Expect(page.Locator("#devices .tile")).ToHaveCountAsync(2);
        await page.Locator("#devices .summary button[data-state='ONHOLD']").ClickAsync();
        await Expect(page.Locator("#devices .tile")).ToHaveCountAsync(1);
        await Expect(page.Locator("#devices .tile")).ToHaveAttributeAsync("data-device", "SIP/filter-2");

        // A device that enters the selected state joins the filtered view live.
        await PutAsync(cluster.B, "/api/v1/devices/SIP/filter-1", new { state = "ONHOLD" });
        await Expect(page.Locator("#devices .tile")).ToHaveCountAsync(2);
    }

    /// <summary>
    /// A board with some of everything, as in the documentation. With ACTORPRESENCE_BOARD_SCREENSHOT
    /// set, the screenshot is also copied there (that is how docs/board.png is made).
    /// </summary>
    [Fact]
    public async Task A_screenshot_of_a_busy_board_is_saved()
    {
        string[] states = ["NOT_INUSE", "INUSE", "NOT_INUSE", "RINGING", "BUSY", "NOT_INUSE", "ONHOLD", "UNAVAILABLE", "NOT_INUSE", "INUSE", "RINGINUSE", "NOT_INUSE"];
        var writes = new List<Task>();
        for (var i = 0; i < 36; i++)
        {
            var node = i % 3 == 0 ? cluster.A : cluster.B;
            writes.Add(PutAsync(node, $"/api/v1/devices/PJSIP/{1000 + i}", new { state = states[i % states.Length] }));
        }
        writes.Add(PutAsync(cluster.A, "/api/v1/devices/PJSIP/1001", new { state = "RINGING" }));
        for (var i = 0; i < 8; i++)
        {
            writes.Add(PutAsync(cluster.B, $"/api/v1/mailboxes/{1000 + i}@default", new { @new = i % 3 == 0 ? i + 1 : 0, old = i * 2, urgent = i == 3 ? 1 : 0 }));
        }
        string[][] people = [["alice", "available", ""], ["bob", "away", "lunch"], ["carol", "dnd", "meeting"], ["dave", "xa", "holiday"], ["erin", "chat", ""], ["frank", "unavailable", ""]];
        writes.AddRange(people.Select(p => PutAsync(cluster.A, $"/api/v1/presence/{p[0]}", new { state = p[1], message = p[2] })));
        await Task.WhenAll(writes);

        var page = await OpenBoardAsync();
        await Expect(page.Locator("#devices [data-device='PJSIP/1035']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#presence [data-presence='frank']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#members tbody tr")).ToHaveCountAsync(2);
        await page.Locator("#devices [data-device='PJSIP/1001']").ClickAsync();
        await Expect(page.Locator("#details tbody tr[data-node]")).ToHaveCountAsync(2);
        await page.Mouse.MoveAsync(0, 0);

        var path = await Chromium.ScreenshotAsync(page, "board.png");
        Output.WriteLine($"screenshot: {path}");
        Assert.True(new FileInfo(path).Length > 10_000, "the screenshot is not empty");
        if (Environment.GetEnvironmentVariable("ACTORPRESENCE_BOARD_SCREENSHOT") is { Length: > 0 } copy)
        {
            File.Copy(path, copy, overwrite: true);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Closes this test's pages, and with them their event streams.</summary>
    public async Task DisposeAsync()
    {
        foreach (var page in _pages)
        {
            await page.CloseAsync();
        }
    }

    private async Task<IPage> OpenBoardAsync()
    {
        var page = await cluster.OpenBoardAsync(cluster.A);
        _pages.Add(page);
        return page;
    }
}
