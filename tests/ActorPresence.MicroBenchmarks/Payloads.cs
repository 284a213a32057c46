using ActorPresence.Domain;
using ActorPresence.Replication;

namespace ActorPresence.MicroBenchmarks;

/// <summary>
/// Device data shaped like production: ids like <c>PJSIP/100042</c>, three telephony nodes, cluster
/// uids as incarnations. Everything is fixed (no clock, no randomness), so every run measures, and
/// serializes to, the same bytes.
/// </summary>
public static class Payloads
{
    /// <summary>One of 64 keys at 100,000 devices: 100,000 / 64 ≈ 1,500 devices.</summary>
    public const int DevicesPerKey = 1_500;

    public static readonly long T0 = new DateTimeOffset(2025, 1, 6, 9, 0, 0, TimeSpan.Zero).UtcTicks;

    public static readonly string[] Nodes = ["pbx-1", "pbx-2", "pbx-3"];

    private static readonly DeviceState[] Mix =
        [DeviceState.NotInUse, DeviceState.InUse, DeviceState.NotInUse, DeviceState.Ringing, DeviceState.OnHold, DeviceState.Busy, DeviceState.Unavailable];

    public static string DeviceId(int i) => $"PJSIP/{100_000 + i}";

    public static long Incarnation(int node) => 0x5F3A_91C2_7B44_0000L + node;

    public static DeviceState StateOf(int device, int node) => Mix[(device * 3 + node) % Mix.Length];

    public static DeviceViewEntry View(int device, int node, long tickOffset = 0) =>
        new(new Stamp(T0 + device * 10_000L + tickOffset, Nodes[node]), Incarnation(node), StateOf(device, node));

    /// <summary>A device slot with one view from each of the first <paramref name="views"/> nodes.</summary>
    public static Slot DeviceSlot(int device, int views) =>
        Slot.Of(Enumerable.Range(0, views).Select(n => (Entry)View(device, n)).ToArray());

    /// <summary>A direct-path batch: one node's new view of <paramref name="count"/> devices.</summary>
    public static DirectChanges Direct(int count) =>
        new(EntityKind.Device, Enumerable.Range(0, count).Select(i => new DirectChange(DeviceId(i), View(i, 0, tickOffset: 1))).ToArray());

    /// <summary>A distributed-data delta: one node's new view of <paramref name="count"/> devices spread over the key.</summary>
    public static EntityMap Delta(int count) =>
        EntityMap.FromEntities(Enumerable.Range(0, count).Select(k => Spread(k, count))
            .Select(i => KeyValuePair.Create(DeviceId(i), Slot.Of(View(i, 0, tickOffset: 1)))));

    /// <summary>A full key: <paramref name="devices"/> devices with a view from each of <paramref name="views"/> nodes.</summary>
    public static EntityMap FullKey(int devices = DevicesPerKey, int views = 3) =>
        EntityMap.FromEntities(Enumerable.Range(0, devices).Select(i => KeyValuePair.Create(DeviceId(i), DeviceSlot(i, views))));

    /// <summary>The k-th of <paramref name="count"/> devices spread evenly over one key's devices.</summary>
    public static int Spread(int k, int count) => (int)((long)k * DevicesPerKey / count);
}
