using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ActorPresence.Testing;

namespace ActorPresence.Benchmarks;

/// <summary>
/// The XMPP bridge (docs/xmpp.md): a private ejabberd, two agent processes with the bridge on (it runs
/// on x1, the oldest), and the stand-in for an Asterisk server (python3-slixmpp) subscribed to the pubsub
/// nodes. Out: each of <see cref="HarnessOptions.XmppRate"/> × duration devices written once over HTTP on
/// x2; the latency is from the write's start to the stand-in's reading of the bridge's item. In: the
/// stand-in publishes a burst of device states, and the time until the bridge has applied them all
/// gives the rate at which it takes them in. CPU is the two agents' (not ejabberd's, not the stand-in's).
/// </summary>
public sealed partial class Harness
{
    private async Task XmppAsync(string work)
    {
        Directory.CreateDirectory(work);
        var rate = _options.XmppRate;
        await using var server = await Ejabberd.StartAsync();
        await server.RegisterAsync("bridge", "bridge-pw");
        await server.RegisterAsync("asterisk1", "ast-pw-1");
        var password = Path.Combine(work, "bridge.password");
        await File.WriteAllTextAsync(password, "bridge-pw\n");
        var hocon = AgentHocon + "\n" + Environment.GetEnvironmentVariable("AP_BENCH_HOCON") + $$"""

            # The bridge's own pacing is lifted: the figure is the path's, not the configured rate's.
            actorpresence.xmpp {
              enabled = on
              port = {{server.Port}}
              jid = "bridge@{{Ejabberd.Domain}}"
              password-file = "{{password}}"
              ca = "{{server.CaPem}}"
              publish-rate = 100000
              publish-window = 64
            }
            """;
        await using var cluster = new AgentCluster(work, hocon);
        var bridge = await cluster.AddAsync("x1", TimeSpan.FromSeconds(90));
        var writer = await cluster.AddAsync("x2", TimeSpan.FromSeconds(90));
        using var api = new HttpClient { BaseAddress = bridge.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = writer.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await Waits.UntilAsync(async () => (await XmppDocAsync(api)).GetProperty("state").GetString() == "connected",
            TimeSpan.FromSeconds(60), "the XMPP bridge connected", state: () => bridge.LogTail(10));
        await using var asterisk = AsteriskStandIn.Start(server, "asterisk1", "ast-pw-1", "02:00:00:00:00:01");
        await Waits.UntilAsync(() => Task.FromResult(asterisk.Count("result sub-message_waiting") >= 1),
            TimeSpan.FromSeconds(60), "the Asterisk stand-in subscribed", state: () => asterisk.Output[^Math.Min(asterisk.Output.Length, 1_000)..]);

        // Warm-up (JIT, connections, the bridge's first publishes), not recorded.
        var warm = Math.Min(500, rate);
        await Pacer.RunAsync(warm, rate, 64, async i =>
        {
            using var put = await http.PutAsync($"/api/v1/devices/PJSIP/xw{i}", Json("""{"state":"INUSE"}"""));
            put.EnsureSuccessStatusCode();
        }, CancellationToken.None, deadline: TimeSpan.FromSeconds(30));
        var settle = Stopwatch.StartNew();
        while (settle.Elapsed < Drain && ItemsFromBridge(asterisk, "PJSIP/xw") < warm)
        {
            await Task.Delay(50);
        }

        // Out: HTTP write on x2 → the bridge on x1 → ejabberd → the stand-in.
        var count = (int)(rate * _options.Duration.TotalSeconds);
        var issued = new long[count + 1];
        var cpu = cluster.CpuTimes();
        var run = await Pacer.RunAsync(count, rate, 256, async i =>
        {
            Volatile.Write(ref issued[i + 1], DateTime.UtcNow.Ticks);
            using var put = await http.PutAsync($"/api/v1/devices/PJSIP/xb{i + 1}", Json("""{"state":"INUSE"}"""));
            put.EnsureSuccessStatusCode();
        }, CancellationToken.None, deadline: _options.Duration + TimeSpan.FromSeconds(30));
        var drain = Stopwatch.StartNew();
        while (drain.Elapsed < Drain && ItemsFromBridge(asterisk, "PJSIP/xb") < run.Written)
        {
            await Task.Delay(50);
        }
        var cpuSeconds = cluster.CpuSecondsSince(cpu);
        var recorder = new LatencyRecorder();
        var received = 0L;
        foreach (var item in asterisk.Items)
        {
            if (IsFromBridge(item) && item.GetProperty("id").GetString() is { } id && id.StartsWith("PJSIP/xb", StringComparison.Ordinal)
                && int.TryParse(id["PJSIP/xb".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= count && issued[n] > 0)
            {
                var at = DateTimeOffset.UnixEpoch.AddTicks((long)(item.GetProperty("t").GetDouble() * TimeSpan.TicksPerSecond));
                recorder.Record(TimeSpan.FromTicks(at.UtcTicks - issued[n]));
                issued[n] = 0;
                received++;
            }
        }
        var cost = new CpuCost(cpuSeconds, received, NodesIncluded(2, "ejabberd, the stand-in and the HTTP writer run beside them and are not counted"));
        var result = new LatencyResult(ActorPresence, Report.HttpXmppPath, 2, rate, run.Written / run.Elapsed.TotalSeconds, run.Written, run.Written - received, recorder.Summary(), cost);
        _latency.Add(result);
        Log($"xmpp {rate}/s: HTTP → XMPP item {Format(result.Latency)}, lost {result.Lost}, {Cpu(cost)}");

        // In: a burst of items from the stand-in, applied by the bridge as views.
        var burst = Math.Max(1_000, count);
        var before = (await XmppDocAsync(api)).GetProperty("itemsIn").GetInt64();
        cpu = cluster.CpuTimes();
        await asterisk.SendAsync($"burst {burst} PJSIP/xin BUSY");
        await Waits.UntilAsync(async () => (await XmppDocAsync(api)).GetProperty("itemsIn").GetInt64() - before >= burst,
            TimeSpan.FromSeconds(120), $"{N(burst)} items from the stand-in taken in", state: () => bridge.LogTail(5));
        var applied = DateTimeOffset.UtcNow;
        var inCpu = cluster.CpuSecondsSince(cpu);
        var started = asterisk.Output.Split('\n').Last(l => l.StartsWith("burst ", StringComparison.Ordinal)).Split(' ')[2];
        var seconds = (applied - DateTimeOffset.UnixEpoch.AddTicks((long)(double.Parse(started, CultureInfo.InvariantCulture) * TimeSpan.TicksPerSecond))).TotalSeconds;
        _timings.Add(new TimingResult(ActorPresence, Report.XmppIn, burst, seconds,
            string.Create(CultureInfo.InvariantCulture, $"{burst / seconds:F0} items/s from one publisher; {inCpu * 1e6 / burst:F0} µs CPU per item (both agents)")));
        Log($"xmpp in: {N(burst)} items in {seconds:F2} s ({burst / seconds:F0}/s), {inCpu * 1e6 / burst:F0} µs CPU per item");
        _notes.Add($"XMPP bridge: a private ejabberd 23.01 on loopback, the bridge on x1 with its pacing lifted; {N(count)} devices written once over HTTP on x2 at {N(rate)}/s "
            + "after unrecorded warm-up writes, latency from the write's start to the stand-in's (python3-slixmpp) reading of the item; "
            + $"then {N(burst)} device states published by the stand-in at once, timed until the bridge had taken them all in.");
    }

    private static bool IsFromBridge(JsonElement item) =>
        item.GetProperty("publisher").GetString() is { } publisher && publisher.StartsWith("bridge@", StringComparison.Ordinal);

    private static int ItemsFromBridge(AsteriskStandIn standIn, string prefix) =>
        standIn.Items.Count(i => IsFromBridge(i) && i.GetProperty("id").GetString()!.StartsWith(prefix, StringComparison.Ordinal));

    private static async Task<JsonElement> XmppDocAsync(HttpClient node) =>
        JsonDocument.Parse(await node.GetStringAsync("/api/v1/xmpp")).RootElement.Clone();
}
