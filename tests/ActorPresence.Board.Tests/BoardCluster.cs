using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ActorPresence.Node.Tests;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ActorPresence.Board.Tests;

/// <summary>
/// Two real nodes in this process, A (whose board the browser opens) and B (where the writes go),
/// and Debian's chromium driven by Playwright. Shared by the tests of one class.
/// </summary>
public sealed class BoardCluster : IAsyncLifetime
{
    private TestNodeHost? _a;
    private TestNodeHost? _b;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public TestNodeHost A => _a ?? throw NotStarted();

    public TestNodeHost B => _b ?? throw NotStarted();

    private IBrowser Browser => _browser ?? throw NotStarted();

    public async Task InitializeAsync()
    {
        (_playwright, _browser) = await Chromium.LaunchAsync();
        (_a, _b) = await StartTwoNodesAsync("board");
    }

    /// <summary>Disposes what set-up got to start: when it failed (no chromium, say), its own error is the one to read.</summary>
    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (_b is not null)
        {
            await _b.DisposeAsync();
        }
        if (_a is not null)
        {
            await _a.DisposeAsync();
        }
    }

    private static InvalidOperationException NotStarted() => new("the board cluster did not start");

    /// <summary>Starts node A, node B seeded by A, and waits until A sees both Up; stops them again if that fails.</summary>
    public static async Task<(TestNodeHost A, TestNodeHost B)> StartTwoNodesAsync(string name)
    {
        var a = await TestNodeHost.StartAsync($"{name}-a");
        TestNodeHost? b = null;
        try
        {
            var addressA = Akka.Cluster.Cluster.Get(a.App.Services.GetRequiredService<ActorSystem>()).SelfAddress;
            b = await TestNodeHost.StartAsync($"{name}-b", "--seeds", addressA.ToString());
            await Poll.UntilAsync(async () =>
            {
                var cluster = await a.GetJsonAsync("/api/v1/cluster");
                return cluster.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "Up") == 2;
            }, TimeSpan.FromSeconds(30), "both nodes Up as seen from A");
            return (a, b);
        }
        catch
        {
            if (b is not null)
            {
                await b.DisposeAsync();
            }
            await a.DisposeAsync();
            throw;
        }
    }

    /// <summary>A page on <paramref name="node"/>'s board, big enough for a readable screenshot.</summary>
    public async Task<IPage> OpenBoardAsync(TestNodeHost node)
    {
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        await page.GotoAsync(node.BaseAddress.ToString());
        await Assertions.Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-conn", "live");
        return page;
    }

    public static async Task PutAsync(TestNodeHost node, string path, object body)
    {
        using var response = await node.Http.PutAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"PUT {path} on {node.BaseAddress}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}

/// <summary>Launches Debian's chromium; never a browser Playwright would download.</summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static async Task<(IPlaywright, IBrowser)> LaunchAsync()
    {
        // Without the browser the board cannot be tested: that is a failure, not a reason to skip.
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"{ExecutablePath} is missing: install Debian's chromium (apt-get install chromium; .ci/run does this)");
        }
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        // Waits for set-up (a page loading, a write reaching the other node) get room on a busy
        // machine; the one-second bounds under test are given explicitly.
        Assertions.SetDefaultExpectTimeout(15_000);
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ExecutablePath, Headless = true });
        return (playwright, browser);
    }

    /// <summary>Saves a screenshot under the test output's TestResults folder and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestResults", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Blinking lamps are caught in their lit phase.
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true, Animations = ScreenshotAnimations.Disabled });
        return path;
    }
}

/// <summary>A bounded poll for fixtures, which have no TestKit (tests use AwaitAssertAsync or Playwright's Expect).</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"not within {limit.TotalSeconds} s: {what}");
            }
            await Task.Delay(100);
        }
    }
}
