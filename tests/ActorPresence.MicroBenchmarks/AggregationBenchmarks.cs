using ActorPresence.Domain;
using ActorPresence.Entities;
using ActorPresence.Replication;
using BenchmarkDotNet.Attributes;

namespace ActorPresence.MicroBenchmarks;

/// <summary>
/// Turning a device's views into what subscribers see: the Asterisk aggregation alone, and the full
/// snapshot (aggregate plus every view) that each change event carries.
/// </summary>
[MemoryDiagnoser]
public class AggregationBenchmarks
{
    private static readonly DeviceState[] OneView = [DeviceState.InUse];
    private static readonly DeviceState[] ThreeViews = [DeviceState.NotInUse, DeviceState.Ringing, DeviceState.InUse];
    private static readonly DeviceState[] EightViews =
    [
        DeviceState.NotInUse, DeviceState.Unavailable, DeviceState.InUse, DeviceState.NotInUse,
        DeviceState.OnHold, DeviceState.Unknown, DeviceState.Ringing, DeviceState.NotInUse,
    ];

    private readonly string _id = Payloads.DeviceId(42);
    private readonly Slot _slot = Payloads.DeviceSlot(42, views: 3);

    [Benchmark]
    public DeviceState Aggregate1View() => DeviceStateAggregation.Aggregate(OneView);

    [Benchmark]
    public DeviceState Aggregate3Views() => DeviceStateAggregation.Aggregate(ThreeViews);

    [Benchmark]
    public DeviceState Aggregate8Views() => DeviceStateAggregation.Aggregate(EightViews);

    [Benchmark]
    public DeviceSnapshot Snapshot3Views() => DeviceModel.Snapshot(_id, _slot);
}
