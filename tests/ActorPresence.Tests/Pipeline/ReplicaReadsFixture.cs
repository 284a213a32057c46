using ActorPresence.Domain;
using ActorPresence.Entities;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.DistributedData;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace ActorPresence.Tests.Pipeline;

/// <summary>A manager's reads of a view of twelve device keys, with probes for the replicator, the
/// outbox and a peer manager, and the messages it would send itself later.</summary>
public abstract class ReplicaReadsFixture : TestKit
{
    private protected const int KeyCount = 12;

    private protected readonly ReplicaView _view = new(new KeySpace(EntityKind.Device, KeyCount));
    private protected readonly Subscriptions _subscriptions = new(EntityKind.Device);
    private protected readonly RecordingRoutes _routes = new();
    private protected readonly TestProbe _replicator;
    private protected readonly TestProbe _outbox;
    private protected readonly TestProbe _peer;
    private protected readonly List<(TimeSpan Delay, object Message)> _later = [];
    private protected readonly ReplicaReads _reads;
    private protected static readonly Address PeerAddress = new("akka.tcp", "actorpresence", "127.0.0.1", 4054);

    protected ReplicaReadsFixture()
    {
        _replicator = CreateTestProbe();
        _outbox = CreateTestProbe();
        _peer = CreateTestProbe();
        _reads = NewReads();
    }

    /// <summary>The reads of a manager of this view (a second one stands for the manager restarted).</summary>
    private protected ReplicaReads NewReads()
    {
        var actorless = new ActorlessEntities(
            DeviceModel.Instance, "n1", _view, _subscriptions, _routes, _outbox, (_, _) => null, (_, _) => { });
        return new ReplicaReads(
            DeviceModel.Instance, "n1", _view, _replicator, TestActor, TimeSpan.FromSeconds(3), _routes, actorless,
            new NodeRemoval("n1", incarnation: 2), Sys.Log,
            address => address.Equals(PeerAddress) ? _peer : throw new InvalidOperationException($"no peer at {address}"),
            (delay, message) => _later.Add((delay, message)));
    }

    private protected EntityMapKey KeyOf(string id) => _view.Keys.KeyOf(id);

    /// <summary>Answers a round of polls: the maps given, NotFound for every other key. True when the round completed.</summary>
    private protected bool AnswerRound(params EntityMap[] maps)
    {
        var completed = false;
        foreach (var get in _replicator.ReceiveN(KeyCount).Cast<Get>())
        {
            Assert.IsType<ReadLocal>(get.Consistency);
            var map = maps.FirstOrDefault(m => m.Entities.Any(e => KeyOf(e.Key).Equals(get.Key)));
            object answer = map is null ? new NotFound(get.Key, get.Request) : new GetSuccess(get.Key, get.Request, map);
            Assert.False(completed, "the round completed before its last key was answered");
            completed = _reads.OnAnswer(answer);
        }
        return completed;
    }
}
