using System.Diagnostics;
using ActorPresence.Domain;
using ActorPresence.Testing;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ActorPresence.Federation.Tests;

/// <summary>A link slower than the changes it must carry: pending values coalesce per entity, nothing is lost.</summary>
public sealed class SlowLinkTests(ITestOutputHelper output) : TestKit(output: output)
{
    private const int Devices = 2_000;
    private const int Rate = 5_000;
    private static readonly TimeSpan Writing = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task Under_5000_changes_a_second_over_a_link_of_40_kB_a_second_pending_stays_one_per_entity_and_the_final_state_arrives()
    {
        using var federation = new Federation();
        federation.Plan("b", 1);
        // Site a dials b (a < b) through a relay that carries 40 kB/s, both ways together.
        await using var wan = new WanProxy(federation.PortOf("b", 0));
        federation.Advertise("b", 0, wan.Port);
        // A slow link delays HTTP/2 pings behind data: the ping timeout (stale-after) is given room.
        static string Patient(int _) => "actorpresence.federation { stale-after = 5s, expire-after = 10s }";
        await using var a = await Site.StartAsync(federation, "a", 1, ["b"], Output!, Patient);
        await using var b = await Site.StartAsync(federation, "b", 1, ["a"], Output!, Patient);
        var gatewayA = await GatewayAsync(a[0]);
        await AwaitAssertAsync(() => Assert.Equal(PeerState.Connected, Assert.Single(gatewayA.Reports()).State), TimeSpan.FromSeconds(20));
        wan.LimitRate(40_000);

        // 5,000 changes a second for 4 s over 2,000 devices (bounded: 20,000 writes).
        var states = new[] { DeviceState.InUse, DeviceState.Ringing, DeviceState.Busy, DeviceState.OnHold, DeviceState.NotInUse };
        var last = new DeviceState[Devices];
        var maxPending = 0;
        var clock = Stopwatch.StartNew();
        var written = 0;
        const int PerTick = Rate / 100;
        while (clock.Elapsed < Writing && written < Rate * (int)Writing.TotalSeconds)
        {
            var batch = Enumerable.Range(written, PerTick).Select(i => (Device: i % Devices, State: states[(i / Devices) % states.Length])).ToList();
            await Task.WhenAll(batch.Select(w => a[0].Api.SetDeviceStateAsync(new DeviceId($"PJSIP/{w.Device}"), w.State)));
            foreach (var (device, state) in batch)
            {
                last[device] = state;
            }
            written += PerTick;
            maxPending = Math.Max(maxPending, Assert.Single(gatewayA.Reports()).Pending);
            var due = TimeSpan.FromMilliseconds(10.0 * written / PerTick) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }
        }
        Output!.WriteLine($"wrote {written} changes in {clock.Elapsed.TotalSeconds:F1} s; at most {maxPending} entities pending; {wan.Bytes} bytes over the link so far");

        Assert.InRange(maxPending, 0, Devices);
        await AwaitAssertAsync(async () =>
        {
            var mismatched = 0;
            for (var i = 0; i < Devices; i += 1)
            {
                if ((await b[0].Api.GetDeviceAsync(new DeviceId($"PJSIP/{i}")))?.State != last[i])
                {
                    mismatched++;
                }
            }
            Assert.Equal(0, mismatched);
        }, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1));
        var report = Assert.Single(gatewayA.Reports());
        Output.WriteLine($"link carried {report.EntitiesOut} entries ({report.BytesOut} bytes) for {written} changes; {report.Snapshots} snapshot(s)");
        Assert.True(report.EntitiesOut < written, $"{report.EntitiesOut} entries sent for {written} changes: nothing was coalesced");
    }

    private async Task<SiteGateway> GatewayAsync(SiteNode node)
    {
        SiteGateway? gateway = null;
        await AwaitAssertAsync(() => Assert.NotNull(gateway = node.Host.Services.GetRequiredService<SiteLinksHostedService>().Links?.Gateway), TimeSpan.FromSeconds(20));
        return gateway!;
    }
}
