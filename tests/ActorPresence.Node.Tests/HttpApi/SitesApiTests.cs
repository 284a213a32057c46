using System.Text.Json;
using ActorPresence.Testing;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests;

/// <summary><c>GET /api/v1/sites</c> and the site of each event, on nodes started from their options.</summary>
public sealed class SitesApiTests(ITestOutputHelper output) : TestKit(output: output), IDisposable
{
    private static readonly TimeSpan Link = TimeSpan.FromSeconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("ap-sites-").FullName;

    [Fact]
    public async Task A_node_without_site_links_shows_its_site_and_no_peers()
    {
        await using var node = await TestNodeHost.StartAsync("solo", "--site", "paris");

        var sites = await node.GetJsonAsync("/api/v1/sites");

        Assert.Equal("paris", sites.GetProperty("self").GetString());
        Assert.Equal(JsonValueKind.Null, sites.GetProperty("gateway").ValueKind);
        Assert.Empty(sites.GetProperty("peers").EnumerateArray());
    }

    [Fact]
    public async Task Two_linked_sites_show_each_other_and_events_name_the_site_a_change_came_from()
    {
        using var ca = new TestCertificates("Federation CA", _dir);
        var caPem = ca.WriteCaPem();
        var (portA, portB) = (TestNodeHost.FreePort(), TestNodeHost.FreePort());
        await using var a = await TestNodeHost.StartAsync("pa", SiteOptions.Linked(_dir, ca, caPem, "a", portA, $"b=127.0.0.1:{portB}"));
        await using var b = await TestNodeHost.StartAsync("pb", SiteOptions.Linked(_dir, ca, caPem, "b", portB, $"a=127.0.0.1:{portA}"));
        await using var events = await SseClient.ConnectAsync(b.BaseAddress, "/api/v1/events?device=PJSIP/*");

        using var put = await a.Http.PutAsync("/api/v1/devices/PJSIP/1000", new StringContent("""{"state":"INUSE"}""", System.Text.Encoding.UTF8, "application/json"));
        put.EnsureSuccessStatusCode();

        await AwaitAssertAsync(async () =>
        {
            var device = await b.GetJsonAsync("/api/v1/devices/PJSIP/1000");
            var view = Assert.Single(device.GetProperty("views").EnumerateArray());
            Assert.Equal("@a", view.GetProperty("node").GetString());
            Assert.Equal("INUSE", device.GetProperty("state").GetString());
        }, Link);
        await AwaitAssertAsync(() =>
        {
            var change = Assert.Single(events.Events, e => e.Data.GetProperty("id").GetString() == "PJSIP/1000");
            Assert.Equal("@a", change.Data.GetProperty("origin").GetString());
            Assert.Equal("a", change.Data.GetProperty("site").GetString());
        }, Link);
        await AwaitAssertAsync(async () =>
        {
            var sites = await a.GetJsonAsync("/api/v1/sites");
            Assert.Equal("a", sites.GetProperty("self").GetString());
            Assert.Equal("pa", sites.GetProperty("gateway").GetString());
            var peer = Assert.Single(sites.GetProperty("peers").EnumerateArray());
            Assert.Equal("b", peer.GetProperty("site").GetString());
            Assert.Equal("connected", peer.GetProperty("state").GetString());
            Assert.True(peer.GetProperty("entitiesOut").GetInt64() >= 1);
            Assert.NotEqual(JsonValueKind.Null, peer.GetProperty("lastSeen").ValueKind);
        }, Link);

        // The gateway's node reports the link in its metrics.
        var metrics = await a.Http.GetStringAsync("/metrics");
        var state = metrics.Split('\n').Single(l => l.StartsWith("actorpresence_site_link_state{", StringComparison.Ordinal) && l.Contains("site=\"b\"", StringComparison.Ordinal));
        // "name{labels} value [timestamp]": 2 is connected.
        Assert.Equal("2", state.Split(' ')[1]);
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("actorpresence_site_entries_out_total{", StringComparison.Ordinal) && l.Contains("site=\"b\"", StringComparison.Ordinal));
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

/// <summary>Node options for a site with links, as an operator gives them; shared with the board's tests.</summary>
public static class SiteOptions
{
    /// <summary>The options of a node of <paramref name="site"/> linked to <paramref name="peers"/>; the certificate
    /// password goes in a file (in <paramref name="dir"/>), as operators give it.</summary>
    public static string[] Linked(string dir, TestCertificates ca, string caPem, string site, int port, string peers, string staleAfter = "2s", string expireAfter = "4s")
    {
        var config = ClusterHocon.WriteFile(dir, site, ClusterHocon.Join(ClusterHocon.InProcess, $$"""
            actorpresence.federation {
              certificate-password = "pw-123"
              stale-after = {{staleAfter}}
              expire-after = {{expireAfter}}
              heartbeat-interval = 250ms
              reconnect-after = 200ms
            }
            """));
        return ["--config", config, "--site", site, "--federation-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--federation-certificate", ca.WritePkcs12(site, "pw-123"), "--federation-ca", caPem, "--federation-peers", peers];
    }
}
