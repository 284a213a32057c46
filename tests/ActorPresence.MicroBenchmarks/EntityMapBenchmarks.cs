using ActorPresence.Domain;
using ActorPresence.Replication;
using ActorPresence.Serialization;
using Akka.Actor;
using BenchmarkDotNet.Attributes;

namespace ActorPresence.MicroBenchmarks;

/// <summary>
/// The replicated map of one key (devices with a view from each of three nodes) at two sizes: a key
/// of 100,000 devices over 64 keys (1,500) and all of them in one key (100,000). What distributed
/// data and the managers do to it per change: put, batch put, merge, diff, serialize.
/// </summary>
[MemoryDiagnoser]
public class EntityMapBenchmarks
{
    private ActorSystem _system = null!;
    private ActorPresenceSerializer _serializer = null!;
    private EntityMap _key = EntityMap.Empty;
    private EntityMap _changed = EntityMap.Empty;
    private EntityMap _remoteCopy = EntityMap.Empty;
    private (string Id, Entry Entry)[] _updates = [];
    private (string Id, Entry Entry)[] _creations = [];
    private (string Id, Entry Entry)[] _batch = [];
    private int _next;

    [Params(Payloads.DevicesPerKey, 100_000)]
    public int Entities { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("actorpresence", ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "bench", Port = 0 }));
        _serializer = (ActorPresenceSerializer)_system.Serialization.FindSerializerForType(typeof(EntityMap));
        _key = Payloads.FullKey(Entities);
        // Newer views of existing devices, and devices the key does not hold yet.
        _updates = [.. Enumerable.Range(0, 4_096).Select(i => (Payloads.DeviceId(i * Entities / 4_096), (Entry)Payloads.View(i * Entities / 4_096, 0, tickOffset: 1)))];
        _creations = [.. Enumerable.Range(0, 4_096).Select(i => (Payloads.DeviceId(Entities + i), (Entry)Payloads.View(Entities + i, 0)))];
        _batch = [.. _creations.Take(100)];
        _changed = _key.Put(_updates[0].Id, _updates[0].Entry);
        // As a peer's full state arrives: equal content but for one change, no node shared.
        _remoteCopy = (EntityMap)_serializer.FromBinary(_serializer.ToBinary(_changed), "APM");
        // Every leaf of the key has its encoding cached, as after the first gossip of the key.
        _serializer.ToBinary(_key);
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    private (string Id, Entry Entry) Next((string Id, Entry Entry)[] writes) => writes[_next++ & (writes.Length - 1)];

    /// <summary>A newer view of a device the key holds (the key itself stays unchanged).</summary>
    [Benchmark]
    public EntityMap PutUpdate()
    {
        var (id, entry) = Next(_updates);
        return _key.Put(id, entry);
    }

    /// <summary>A device the key does not hold yet.</summary>
    [Benchmark]
    public EntityMap PutNew()
    {
        var (id, entry) = Next(_creations);
        return _key.Put(id, entry);
    }

    /// <summary>100 new devices, one Put after another.</summary>
    [Benchmark]
    public EntityMap Put100()
    {
        var map = _key;
        foreach (var (id, entry) in _batch)
        {
            map = map.Put(id, entry);
        }
        return map;
    }

    /// <summary>The same 100 new devices in one PutAll.</summary>
    [Benchmark]
    public EntityMap PutAll100() => _key.PutAll(_batch);

    /// <summary>The replicator's step after an update: the result merged into the value it came from.</summary>
    [Benchmark]
    public EntityMap MergeUpdateIntoItsOrigin() => _key.Merge(_changed.ResetDelta());

    /// <summary>A peer's full state, deserialized (no node shared), one entity newer.</summary>
    [Benchmark]
    public EntityMap MergeRemoteCopy() => _key.Merge(_remoteCopy);

    /// <summary>What the manager's replica poll and the durable store walk after one change.</summary>
    [Benchmark]
    public int ChangedSinceAfterOneChange() => _changed.ChangedSince(_key).Count;

    /// <summary>Serializing the key after one change (the put included): one leaf is encoded, the rest copied.</summary>
    [Benchmark]
    public byte[] SerializeAfterOneChange()
    {
        var (id, entry) = Next(_updates);
        return _serializer.ToBinary(_key.Put(id, entry));
    }

    /// <summary>Serializing the key with no encoding cached (forgetting them costs one walk of the leaves).</summary>
    [Benchmark]
    public byte[] SerializeCold()
    {
        foreach (var leaf in _key.Leaves)
        {
            leaf.Encoded = null;
        }
        return _serializer.ToBinary(_key);
    }

    /// <summary>Reading the key's full state (format 2), the trie built in one pass.</summary>
    [Benchmark]
    public object Deserialize() => _serializer.FromBinary(_remoteCopyBytes ??= _serializer.ToBinary(_remoteCopy), "APM");

    private byte[]? _remoteCopyBytes;
}
