using System.Globalization;
using ActorPresence.Node.Tests;
using ActorPresence.Node.Tests.Sip;
using Akka.TestKit.Xunit2;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static ActorPresence.Board.Tests.BoardCluster;
using static Microsoft.Playwright.Assertions;

namespace ActorPresence.Board.Tests;

/// <summary>
/// The board's XMPP bridge panel, and lamps that depend on an Asterisk server the bridge sees as stale.
/// No XMPP server is needed: the bridge's document is served to the page in place of the node's, and
/// the Asterisk view comes from sipp through the node's SIP edge, as a real one would.
/// </summary>
public sealed class XmppBoardTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>The EID of sipp's publish-device.xml, which sets its view of PJSIP/7000 to BUSY.</summary>
    private const string Eid = "02:00:00:00:00:02";

    [Fact]
    public async Task On_a_node_without_the_xmpp_bridge_the_board_says_it_is_off()
    {
        await using var node = await TestNodeHost.StartAsync("xmpp-off");
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;

        var page = await browser.NewPageAsync();
        await page.GotoAsync(node.BaseAddress.ToString());
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-conn", "live");
        var panel = page.Locator("#xmpp");
        await Expect(page.Locator("#xmpp-self")).ToContainTextAsync("off on this node");
        await Expect(panel).ToHaveAttributeAsync("data-bridge", "off");
        await Expect(page.Locator("#xmpp-state")).ToHaveTextAsync("off");
        await Expect(panel.Locator("table")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task The_board_shows_the_xmpp_bridge_and_marks_the_lamps_of_an_asterisk_server_that_went_stale()
    {
        await using var node = await TestNodeHost.StartAsync("xmpp-board", "--sip-port", TestNodeHost.FreePort().ToString(CultureInfo.InvariantCulture));
        await using (var sipp = Sipp.Client("publish-device.xml", SipCluster.Target(node), "asterisk"))
        {
            await sipp.AssertPassesAsync(Wait);
        }
        await PutAsync(node, "/api/v1/devices/PJSIP/local", new { state = "RINGING" });
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;

        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        var eidState = "online";
        await page.RouteAsync("**/api/v1/xmpp", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200,
            ContentType = "application/json",
            Body = Bridge(eidState),
        }));
        await page.GotoAsync(node.BaseAddress.ToString());
        var asterisk = page.Locator("#devices [data-device='PJSIP/7000']");
        var local = page.Locator("#devices [data-device='PJSIP/local']");
        var panel = page.Locator("#xmpp");
        await Expect(asterisk).ToHaveAttributeAsync("data-state", "BUSY");
        await Expect(panel).ToHaveAttributeAsync("data-bridge", "connected");
        await Expect(page.Locator("#xmpp-state")).ToHaveTextAsync("connected");
        await Expect(panel.Locator($"tr[data-eid='{Eid}']")).ToHaveAttributeAsync("data-state", "online");
        await Expect(page.Locator("#xmpp-stale")).ToHaveTextAsync("0 of 1 Asterisk EID stale");
        await Expect(asterisk).Not.ToHaveAttributeAsync("data-unsure-eid", Eid);

        // The server's account goes unavailable: its EID is stale, and the lamp that shows its view is marked; the node's own is not.
        eidState = "stale";
        await Expect(panel).ToHaveAttributeAsync("data-stale", "1");
        await Expect(panel.Locator($"tr[data-eid='{Eid}']")).ToHaveAttributeAsync("data-state", "stale");
        await Expect(asterisk).ToHaveAttributeAsync("data-unsure-eid", Eid);
        await Expect(asterisk).ToHaveCSSAsync("outline-style", "dashed");
        await Expect(page.Locator("#xmpp-stale")).ToHaveTextAsync($"1 of 1 Asterisk EID stale · 1 lamp depends on {Eid}: marked dashed");
        Assert.Null(await local.GetAttributeAsync("data-unsure-eid"));
        Output.WriteLine($"screenshot: {await Chromium.ScreenshotAsync(page, "xmpp-stale.png")}");

        // Withdrawn, the lamp stays marked for as long as the view stands; back online, the mark goes.
        eidState = "withdrawn";
        await Expect(panel.Locator($"tr[data-eid='{Eid}']")).ToHaveAttributeAsync("data-state", "withdrawn");
        await Expect(asterisk).ToHaveAttributeAsync("data-unsure-eid", Eid);
        eidState = "online";
        await Expect(panel).ToHaveAttributeAsync("data-stale", "0");
        await Expect(asterisk).Not.ToHaveAttributeAsync("data-unsure-eid", Eid);
    }

    /// <summary>GET /api/v1/xmpp of a connected bridge that has seen one Asterisk server, <see cref="Eid"/>, in <paramref name="eidState"/>.</summary>
    private static string Bridge(string eidState) => $$"""
        {"enabled":true,"bridge":"akka.tcp://actorpresence@127.0.0.1:4981","server":"127.0.0.1:15222","jid":"bridge@localhost",
         "eid":"fe:93:51:45:8d:6c","state":"connected","since":"2026-11-30T11:55:31.85+00:00","lastError":null,
         "itemsIn":2,"itemsOut":1,"refused":0,"connects":1,"pending":0,
         "eids":[{"eid":"{{Eid}}","view":"ast:{{Eid}}","account":"asterisk@localhost","state":"{{eidState}}",
                  "since":"2026-11-30T11:56:00+00:00","lastItem":"2026-11-30T11:55:40+00:00","devices":1,"itemsIn":2}]}
        """;
}
