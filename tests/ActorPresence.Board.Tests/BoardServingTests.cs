using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using ActorPresence.Node.Tests;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ActorPresence.Board.Tests;

/// <summary>How the node serves the board, and the board on a node that requires an API token.</summary>
public sealed partial class BoardServingTests(ITestOutputHelper output) : TestKit(output: output)
{
    private const string Token = "board-test-token-0123456789";

    [Fact]
    public async Task The_page_and_its_assets_are_served_without_a_token_while_the_api_still_requires_one()
    {
        await using var node = await TestNodeHost.StartAsync("served", "--api-token", Token);

        using var page = await node.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("/board/board.js", html);
        Assert.Contains("/board/board.css", html);

        foreach (var (path, type) in new[] { ("/board/board.js", "text/javascript"), ("/board/board.css", "text/css"), ("/board/index.html", "text/html") })
        {
            using var asset = await node.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            Assert.Equal(type, asset.Content.Headers.ContentType?.MediaType);
            // Nothing is fetched from anywhere but this node.
            Assert.DoesNotMatch(ExternalUrl(), await asset.Content.ReadAsStringAsync());

            // Unchanged assets are not sent again.
            using var again = new HttpRequestMessage(HttpMethod.Get, path);
            again.Headers.IfNoneMatch.Add(asset.Headers.ETag!);
            using var notModified = await node.Http.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        using var missing = await node.Http.GetAsync("/board/nothing.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var api = await node.Http.GetAsync("/api/v1/cluster");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        using var write = await node.Http.PutAsJsonAsync("/", new { state = "INUSE" });
        Assert.NotEqual(HttpStatusCode.OK, write.StatusCode);
    }

    [Fact]
    public async Task On_a_node_that_requires_a_token_the_board_asks_for_it_and_goes_live_once_given()
    {
        await using var node = await TestNodeHost.StartAsync("guarded", "--api-token", Token);
        node.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        await BoardCluster.PutAsync(node, "/api/v1/devices/PJSIP/3001", new { state = "BUSY" });
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        var requested = new List<string>();
        page.Request += (_, request) => requested.Add(request.Url);

        await page.GotoAsync(node.BaseAddress.ToString());
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-conn", "token");
        await Expect(page.Locator("#devices .tile")).ToHaveCountAsync(0);

        // A wrong token is refused and says so.
        await page.Locator("#token").FillAsync("not-the-token-at-all");
        await page.Locator("#token-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#conn")).ToHaveTextAsync("the API token was refused");

        await page.Locator("#token").FillAsync(Token);
        await page.Locator("#token-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-conn", "live");
        await Expect(page.Locator("#devices [data-device='PJSIP/3001']")).ToHaveAttributeAsync("data-state", "BUSY");
        await Expect(page.Locator("#members tr[data-member='guarded']")).ToHaveAttributeAsync("data-status", "Up");

        // The token lasts for the tab's session: a reload goes live at once.
        await page.ReloadAsync();
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-conn", "live");
        await Expect(page.Locator("#devices [data-device='PJSIP/3001']")).ToHaveCountAsync(1);

        // Forgetting it closes the board again.
        await page.Locator("#token-forget").ClickAsync();
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-conn", "token");

        Assert.NotEmpty(requested);
        Assert.All(requested, url => Assert.StartsWith(node.BaseAddress.ToString(), url));
    }

    [GeneratedRegex(@"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalUrl();
}
