using ActorPresence.Domain;
using Akka.Actor;
using Akka.Cluster;
using BenchmarkDotNet.Attributes;

namespace ActorPresence.MicroBenchmarks;

/// <summary>
/// One acknowledged write through the actors of a single-node cluster: facade → manager → entity
/// actor → outbox → local replicator → acknowledgement. No peers, so no direct-path sends. Writes
/// to a live entity, and writes that create one (a new device, whose actor stays for its view; a
/// new mailbox, whose actor stops when idle).
/// </summary>
[MemoryDiagnoser]
public class RoundTripBenchmarks
{
    private readonly DeviceId _device = new("PJSIP/1000");
    private ActorSystem _system = null!;
    private IActorPresence _api = null!;
    private bool _flip;
    private int _created;

    [GlobalSetup]
    public async Task Setup()
    {
        _system = ActorSystem.Create("actorpresence", ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "bench", Port = 0 }));
        var cluster = Cluster.Get(_system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(cluster.SelfAddress);
        await up.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _api = new ActorPresenceService(ActorPresenceRuntime.Get(_system));
        // The first write starts the device's entity actor; the benchmark measures writes to a live one.
        await _api.SetDeviceStateAsync(_device, DeviceState.NotInUse);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await CoordinatedShutdown.Get(_system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        await _system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Alternates two states, so every write is a change that reaches distributed data.</summary>
    [Benchmark]
    public Task<WriteResult<DeviceSnapshot>> SetDeviceState()
    {
        _flip = !_flip;
        return _api.SetDeviceStateAsync(_device, _flip ? DeviceState.InUse : DeviceState.NotInUse);
    }

    [Benchmark]
    public Task<WriteResult<DeviceSnapshot>> CreateDevice() =>
        _api.SetDeviceStateAsync(new DeviceId($"PJSIP/new{Interlocked.Increment(ref _created)}"), DeviceState.InUse);

    [Benchmark]
    public Task<WriteResult<MailboxSnapshot>> CreateMailbox() =>
        _api.SetMailboxAsync(new MailboxId($"new{Interlocked.Increment(ref _created)}"), new MailboxCounts(1, 0));
}
