using ActorPresence.Serialization;
using Akka.Actor;
using Akka.Serialization;
using BenchmarkDotNet.Attributes;

namespace ActorPresence.MicroBenchmarks;

public enum WirePayload
{
    /// <summary>A direct-path batch of one device change: what one local write sends to each peer.</summary>
    Direct1,

    /// <summary>A direct-path batch of 100 device changes.</summary>
    Direct100,

    /// <summary>A distributed-data delta of 10 device views.</summary>
    Delta10,

    /// <summary>The full state of one key: 1,500 devices × 3 views (100,000 devices over 64 keys, 3 nodes).</summary>
    FullKey1500,
}

/// <summary>
/// <see cref="ActorPresenceSerializer"/> as Akka finds it (through the bindings of the embedded
/// configuration, in a real ActorSystem): the cost of every message the direct path and distributed
/// data put on the wire.
/// </summary>
[MemoryDiagnoser]
public class SerializerBenchmarks
{
    private ActorSystem _system = null!;
    private SerializerWithStringManifest _serializer = null!;
    private object _payload = null!;
    private string _manifest = "";
    private byte[] _bytes = [];

    [Params(WirePayload.Direct1, WirePayload.Direct100, WirePayload.Delta10, WirePayload.FullKey1500)]
    public WirePayload Payload { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("actorpresence", ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "bench", Port = 0 }));
        _payload = Payload switch
        {
            WirePayload.Direct1 => Payloads.Direct(1),
            WirePayload.Direct100 => Payloads.Direct(100),
            WirePayload.Delta10 => Payloads.Delta(10),
            WirePayload.FullKey1500 => Payloads.FullKey(),
            _ => throw new ArgumentOutOfRangeException(nameof(Payload), Payload, null),
        };
        _serializer = _system.Serialization.FindSerializerFor(_payload) as ActorPresenceSerializer
            ?? throw new InvalidOperationException($"{_payload.GetType()} is not bound to ActorPresenceSerializer");
        _manifest = _serializer.Manifest(_payload);
        _bytes = _serializer.ToBinary(_payload);
        if (!_serializer.FromBinary(_bytes, _manifest).Equals(_payload))
        {
            throw new InvalidOperationException($"{Payload} does not survive a round trip");
        }
        Console.WriteLine($"// payload {Payload}: {_bytes.Length} bytes (manifest {_manifest})");
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    [Benchmark]
    public byte[] ToBinary() => _serializer.ToBinary(_payload);

    [Benchmark]
    public object FromBinary() => _serializer.FromBinary(_bytes, _manifest);
}
