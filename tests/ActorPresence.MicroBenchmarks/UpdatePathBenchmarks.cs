using ActorPresence.Domain;
using ActorPresence.Entities;
using ActorPresence.Replication;
using BenchmarkDotNet.Attributes;
using static ActorPresence.Entities.Messages.EntityCommands;
using static ActorPresence.Entities.Messages.EntityQueries;

namespace ActorPresence.MicroBenchmarks;

/// <summary>
/// The pure work of one device update, without actors: what the entity actor computes per write,
/// what the replicator's modify function does to a key, and merging a peer's delta into a key.
/// </summary>
[MemoryDiagnoser]
public class UpdatePathBenchmarks
{
    private static readonly SetDeviceView ToInUse = new(DeviceState.InUse);
    private static readonly SetDeviceView ToNotInUse = new(DeviceState.NotInUse);

    private readonly TimeProvider _clock = TimeProvider.System;
    private readonly string _self = Payloads.Nodes[0];
    private readonly long _incarnation = Payloads.Incarnation(0);
    private readonly string _id = Payloads.DeviceId(42);
    private Slot _slot = Slot.Empty;
    private bool _flip;

    private EntityMap _key = EntityMap.Empty;
    private (string Id, Entry Entry)[] _writes = [];
    private int _next;
    private EntityMap _delta = EntityMap.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _slot = Payloads.DeviceSlot(42, views: 3);
        _key = Payloads.FullKey();
        // One newer view per device of the key, written in turn, so each Put is accepted.
        _writes = Enumerable.Range(0, Payloads.DevicesPerKey)
            .Select(i => (Payloads.DeviceId(i), (Entry)Payloads.View(i, 0, tickOffset: 1)))
            .ToArray();
        _delta = Payloads.Delta(10);
    }

    /// <summary>
    /// EntityActor.OnWrite and Apply for a device with three views: stamp past the slot, make this
    /// node's entry, merge it, render the change event. Alternates two states so every write is a change.
    /// </summary>
    [Benchmark]
    public StateEvent? EntityActorWrite()
    {
        _flip = !_flip;
        var stamp = Stamp.Next(_clock.GetUtcNow(), _slot.MaxStamp, _self);
        var entry = DeviceModel.Instance.CreateEntry(_flip ? ToInUse : ToNotInUse, _slot, stamp, _incarnation)!;
        var (slot, _) = _slot.With(entry);
        _slot = slot;
        return DeviceModel.Instance.ToEvent(_id, slot, stamp.Node, initial: false);
    }

    /// <summary>The replicator's modify for one write: EntityMap.Put into a key of 1,500 devices (the key itself is kept unchanged).</summary>
    [Benchmark]
    public EntityMap EntityMapPut()
    {
        var (id, entry) = _writes[_next];
        _next = (_next + 1) % _writes.Length;
        return _key.Put(id, entry);
    }

    /// <summary>A peer's delta of 10 newer views merged into a key of 1,500 devices.</summary>
    [Benchmark]
    public EntityMap EntityMapMergeDelta10() => _key.Merge(_delta);
}
