using System.Diagnostics;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;
using static ActorPresence.Board.Tests.BoardCluster;
using static Microsoft.Playwright.Assertions;

namespace ActorPresence.Board.Tests;

/// <summary>10,000 devices: the board loads them all, keeps one page in the DOM, and stays live.</summary>
public sealed class LargeBoardTests(ITestOutputHelper output) : TestKit(output: output)
{
    private const int Devices = 10_000;

    /// <summary>The board's page size (board.js PAGE_SIZE).</summary>
    private const int PageSize = 200;

    [Fact]
    public async Task A_board_of_ten_thousand_devices_holds_one_page_in_the_dom_filters_quickly_and_stays_live()
    {
        var (a, b) = await StartTwoNodesAsync("large");
        await using var nodeA = a;
        await using var nodeB = b;
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;

        // Written on B before the board opens: all of it arrives on A as the stream's current state.
        var clock = Stopwatch.StartNew();
        await ParallelPutsAsync(b, Enumerable.Range(0, Devices).Select(i => ($"/api/v1/devices/BULK/{i}", (object)new { state = "NOT_INUSE" })));
        Output.WriteLine($"{Devices} devices written on B in {clock.ElapsedMilliseconds} ms");

        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        clock.Restart();
        await page.GotoAsync(a.BaseAddress.ToString());
        var devices = page.Locator("#devices");
        await Expect(devices).ToHaveAttributeAsync("data-total", Devices.ToString(), new() { Timeout = 60_000 });
        Output.WriteLine($"board on A showed {Devices} devices {clock.ElapsedMilliseconds} ms after opening");

        // Only one page of lamps is in the DOM, and the whole document stays small: a tile is four
        // elements, so 10,000 of them would make 40,000.
        await Expect(devices.Locator(".tile")).ToHaveCountAsync(PageSize);
        var elements = await page.EvaluateAsync<int>("() => document.getElementsByTagName('*').length");
        Output.WriteLine($"{elements} elements in the document");
        Assert.InRange(elements, 4 * PageSize, 2000);
        await Expect(devices.Locator(".page")).ToContainTextAsync($"page 1/{Devices / PageSize}");

        // The filter finds one device among 10,000 at once.
        clock.Restart();
        await devices.Locator(".filter").FillAsync("BULK/7777");
        await Expect(devices.Locator(".tile")).ToHaveCountAsync(1, new() { Timeout = 1000 });
        Output.WriteLine($"filter narrowed to one device in {clock.ElapsedMilliseconds} ms");
        var lamp = devices.Locator("[data-device='BULK/7777']");
        await Expect(lamp).ToHaveAttributeAsync("data-state", "NOT_INUSE");

        // Still live: a change on B shows within a second.
        await PutAsync(b, "/api/v1/devices/BULK/7777", new { state = "INUSE" });
        clock.Restart();
        await Expect(lamp).ToHaveAttributeAsync("data-state", "INUSE", new() { Timeout = 1000 });
        Output.WriteLine($"lamp changed {clock.ElapsedMilliseconds} ms after the PUT on B returned");

        // A burst of changes while the board is open: every one of them is counted.
        await devices.Locator(".filter").FillAsync("");
        await ParallelPutsAsync(b, Enumerable.Range(0, 2000).Select(i => ($"/api/v1/devices/BULK/{i * 5}", (object)new { state = "BUSY" })));
        await Expect(devices.Locator(".summary button[data-state='BUSY'] b")).ToHaveTextAsync("2000", new() { Timeout = 30_000 });
        await Expect(devices.Locator(".summary button[data-state='INUSE'] b")).ToHaveTextAsync("1");
        await Expect(devices.Locator(".summary button[data-state='NOT_INUSE'] b")).ToHaveTextAsync($"{Devices - 2001}");
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-conn", "live");
        await Expect(devices.Locator(".tile")).ToHaveCountAsync(PageSize);

        await Chromium.ScreenshotAsync(page, "board-10000.png");
    }

    private static async Task ParallelPutsAsync(Node.Tests.TestNodeHost node, IEnumerable<(string Path, object Body)> writes)
    {
        await Parallel.ForEachAsync(writes, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (w, _) => await PutAsync(node, w.Path, w.Body));
    }
}
