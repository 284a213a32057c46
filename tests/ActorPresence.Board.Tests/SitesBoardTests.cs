using ActorPresence.Node.Tests;
using ActorPresence.Testing;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;
using static ActorPresence.Board.Tests.BoardCluster;
using static Microsoft.Playwright.Assertions;

namespace ActorPresence.Board.Tests;

/// <summary>The board's site panel, and lamps that depend on a peer site that went quiet.</summary>
public sealed class SitesBoardTests(ITestOutputHelper output) : TestKit(output: output), IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ap-board-sites-").FullName;

    [Fact]
    public async Task The_board_shows_the_linked_sites_and_marks_the_lamps_of_a_site_that_went_quiet()
    {
        using var ca = new TestCertificates("Federation CA", _dir);
        var caPem = ca.WriteCaPem();
        var (portA, portB) = (TestNodeHost.FreePort(), TestNodeHost.FreePort());
        var a = await TestNodeHost.StartAsync("site-a", SiteOptions.Linked(_dir, ca, caPem, "a", portA, $"b=127.0.0.1:{portB}", "1s", "30s"));
        await using var b = await TestNodeHost.StartAsync("site-b", SiteOptions.Linked(_dir, ca, caPem, "b", portB, $"a=127.0.0.1:{portA}", "1s", "30s"));
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        await PutAsync(a, "/api/v1/devices/PJSIP/remote", new { state = "INUSE" });
        await PutAsync(b, "/api/v1/devices/PJSIP/local", new { state = "RINGING" });

        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        await page.GotoAsync(b.BaseAddress.ToString());
        var remote = page.Locator("#devices [data-device='PJSIP/remote']");
        var local = page.Locator("#devices [data-device='PJSIP/local']");
        await Expect(remote).ToHaveAttributeAsync("data-state", "INUSE");
        await Expect(page.Locator("#sites tr[data-site='a']")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(page.Locator("#sites-self")).ToContainTextAsync("this site: b");
        await Expect(remote).Not.ToHaveAttributeAsync("data-unsure-site", "a");

        // Site a goes away: b sees it stale; the lamp that shows a's view is marked, b's own is not.
        await a.DisposeAsync();
        await Expect(page.Locator("#sites tr[data-site='a']")).ToHaveAttributeAsync("data-state", "stale");
        await Expect(remote).ToHaveAttributeAsync("data-unsure-site", "a");
        await Expect(page.Locator("#sites-stale")).ToContainTextAsync("1 lamp depends on a");
        Assert.Null(await local.GetAttributeAsync("data-unsure-site"));
        Output!.WriteLine($"screenshot: {await Chromium.ScreenshotAsync(page, "sites-stale.png")}");
    }

    public new void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
        base.Dispose();
    }
}
