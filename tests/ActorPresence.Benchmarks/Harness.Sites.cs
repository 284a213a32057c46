using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ActorPresence.Testing;

namespace ActorPresence.Benchmarks;

/// <summary>
/// Site links (docs/federation.md): two sites of agent processes on loopback, site a of two nodes and
/// site b of one, linked over gRPC with mutual TLS. A library write on a1 is timed to a subscriber on
/// a2 (in-site) and on b1 (cross-site) at once, so the two paths are compared in one run; then a1
/// writes device views, b1 is restarted empty, and the snapshot that refills it is timed.
/// </summary>
public sealed partial class Harness
{
    private async Task SitesAsync(string work)
    {
        Directory.CreateDirectory(work);
        using var ca = new TestCertificates("ActorPresence benchmark federation CA", work);
        var caPem = ca.WriteCaPem();
        var ports = new Dictionary<string, int> { ["a1"] = AgentProcess.FreePort(), ["a2"] = AgentProcess.FreePort(), ["b1"] = AgentProcess.FreePort() };
        string Hocon(string site, string peers) => AgentHocon + "\n" + Environment.GetEnvironmentVariable("AP_BENCH_HOCON") + $$"""

            actorpresence.site = "{{site}}"
            actorpresence.federation {
              peers = [{{peers}}]
              certificate-path = "{{ca.WritePkcs12(site, "bench-fed")}}"
              certificate-password = "bench-fed"
              ca-path = "{{caPem}}"
              reconnect-after = 200ms
            }
            """;
        string[] Port(string node) => ["--federation-port", ports[node].ToString(CultureInfo.InvariantCulture)];
        Directory.CreateDirectory(Path.Combine(work, "a"));
        Directory.CreateDirectory(Path.Combine(work, "b"));
        await using var a = new AgentCluster(Path.Combine(work, "a"), Hocon("a", $"\"b=127.0.0.1:{ports["b1"]}\""));
        await using var b = new AgentCluster(Path.Combine(work, "b"), Hocon("b", $"\"a=127.0.0.1:{ports["a1"]}\", \"a=127.0.0.1:{ports["a2"]}\""));
        await a.AddAsync("a1", TimeSpan.FromSeconds(90), Port("a1"));
        await a.AddAsync("a2", TimeSpan.FromSeconds(90), Port("a2"));
        var b1 = await b.AddAsync("b1", TimeSpan.FromSeconds(90), Port("b1"));
        var (a1, a2) = (a[0], a[1]);
        await LinkedAsync(b1, TimeSpan.FromSeconds(60));
        Log("sites: a (a1, a2) and b (b1) linked");

        // Warm-up (JIT, connections): not recorded.
        await a2.PostAsync("/bench/subscribe", new Agent.SubscribeRequest("presence", "xwarm-"), "the warm-up subscription");
        await b1.PostAsync("/bench/subscribe", new Agent.SubscribeRequest("presence", "xwarm-"), "the warm-up subscription");
        await a1.PostAsync<Agent.WriteReport>("/bench/write", new Agent.WriteRequest("presence", "xwarm-", 2_000, 1_000, 500, 500, 0, 30),
            "the warm-up writes", TimeSpan.FromSeconds(90));
        await DrainAsync(b1, 2_000);

        foreach (var rate in _options.SiteRates)
        {
            var prefix = $"xs{rate}-";
            await a2.PostAsync("/bench/subscribe", new Agent.SubscribeRequest("presence", prefix), "the in-site subscription");
            await b1.PostAsync("/bench/subscribe", new Agent.SubscribeRequest("presence", prefix), "the cross-site subscription");
            var linkBefore = await PeerAsync(b1);
            var count = (long)(rate * _options.Duration.TotalSeconds);
            var bound = 3 * _options.Duration.TotalSeconds + 30;
            var written = await a1.PostAsync<Agent.WriteReport>("/bench/write", new Agent.WriteRequest("presence", prefix, count, rate, 1_000, 1_000, 0, bound),
                $"the site-link writes at {N(rate)}/s", TimeSpan.FromSeconds(bound + 60));
            var inSite = await DrainAsync(a2, written.Written);
            var crossSite = await DrainAsync(b1, written.Written);
            var linkAfter = await PeerAsync(b1);
            var achieved = written.Written / written.Seconds;
            _latency.Add(new LatencyResult(ActorPresence, Report.InSitePath, 3, rate, achieved, written.Written, written.Written - inSite.Received, inSite.Latency));
            _latency.Add(new LatencyResult(ActorPresence, Report.CrossSitePath, 3, rate, achieved, written.Written, written.Written - crossSite.Received, crossSite.Latency));
            var entries = linkAfter.GetProperty("entitiesIn").GetInt64() - linkBefore.GetProperty("entitiesIn").GetInt64();
            var bytes = linkAfter.GetProperty("bytesIn").GetInt64() - linkBefore.GetProperty("bytesIn").GetInt64();
            _notes.Add($"Site link at {N(rate)}/s: {N(written.Written)} presence changes written on site a went to site b as {N(entries)} entries in "
                + $"{N(bytes)} bytes of frames ({(written.Written > 0 ? bytes / (double)written.Written : 0):F1} bytes per change; gRPC, HTTP/2 and TLS framing not counted).");
            Log($"sites {rate}/s: in-site {Format(inSite.Latency)}; cross-site {Format(crossSite.Latency)}; {bytes} bytes for {written.Written} changes");
        }

        // Resync: site a holds the devices, b1 restarts with none (device views are not durable) and
        // its gateway gets them all in the snapshot of the new link.
        var devices = _options.SiteResyncDevices;
        var load = await a1.PostAsync<Agent.WriteReport>("/bench/write", new Agent.WriteRequest("device", "xr-", devices, 1_000_000, devices, 500, 0, 120),
            $"the {N(devices)} devices of the resync", TimeSpan.FromSeconds(240));
        if (load.Failed > 0)
        {
            throw new InvalidOperationException($"{load.Failed} of the resync's device writes failed");
        }
        await Waits.UntilAsync(async () => (await TryPeerAsync(b1))?.GetProperty("entitiesIn").GetInt64() >= devices, TimeSpan.FromSeconds(120),
            "site b receiving the devices before its restart");
        var restart = Stopwatch.StartNew();
        b1.Kill();
        await b1.WaitForExitAsync(TimeSpan.FromSeconds(30));
        b1.Restart();
        await b.WaitAllUpAsync(TimeSpan.FromSeconds(90));
        JsonElement? snapshot = null;
        await Waits.UntilAsync(async () =>
        {
            snapshot = await TryPeerAsync(b1) is { } peer && peer.TryGetProperty("lastSnapshot", out var s)
                && s.ValueKind == JsonValueKind.Object && s.GetProperty("entries").GetInt64() >= devices ? s : null;
            return snapshot is not null;
        }, TimeSpan.FromSeconds(120), $"site b's snapshot of {N(devices)} devices");
        var full = restart.Elapsed;
        var seconds = snapshot!.Value.GetProperty("seconds").GetDouble();
        var snapshotBytes = snapshot.Value.GetProperty("bytes").GetInt64();
        var snapshotEntries = snapshot.Value.GetProperty("entries").GetInt64();
        _timings.Add(new TimingResult(ActorPresence, Report.SiteResync, devices, seconds,
            $"first snapshot frame to all applied on b1: {N(snapshotEntries)} entries (the devices and the latency runs' presentities), "
            + $"{N(snapshotBytes)} bytes ({snapshotBytes / (double)snapshotEntries:F1} per entry); b1 killed, restarted and refilled in {full.TotalSeconds:F1} s"));
        Log($"sites: resync of {N(devices)} devices in {seconds:F2} s ({N(snapshotBytes)} bytes); restart to full {full.TotalSeconds:F1} s");
    }

    /// <summary>Site b's view of its link to a, from b1's <c>GET /api/v1/sites</c>; throws when the gateway did not answer.</summary>
    private static async Task<JsonElement> PeerAsync(AgentProcess node) =>
        await TryPeerAsync(node) ?? throw new InvalidOperationException($"{node.Name}'s gateway reports no peer site");

    private static async Task<JsonElement?> TryPeerAsync(AgentProcess node)
    {
        var sites = await node.GetAsync<JsonElement>("/api/v1/sites", "the site link's state", TimeSpan.FromSeconds(10));
        return sites.GetProperty("peers") is { ValueKind: JsonValueKind.Array } peers && peers.GetArrayLength() > 0 ? peers[0] : null;
    }

    private static async Task LinkedAsync(AgentProcess node, TimeSpan timeout) =>
        await Waits.UntilAsync(async () => (await TryPeerAsync(node))?.GetProperty("state").GetString() == "connected", timeout, $"{node.Name}'s site link");
}
