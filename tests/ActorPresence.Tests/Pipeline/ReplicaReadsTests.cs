using ActorPresence.Domain;
using ActorPresence.Entities;
using ActorPresence.Entities.Messages;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.DistributedData;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using static ActorPresence.Entities.Messages.EntityHandshake;
using static ActorPresence.Entities.Messages.EntityQueries;
using static ActorPresence.Tests.Samples;

namespace ActorPresence.Tests.Pipeline;

public sealed class ReplicaReadsTests : TestKit
{
    private const int KeyCount = 12;

    private readonly ReplicaView _view = new(new KeySpace(EntityKind.Device, KeyCount));
    private readonly Subscriptions _subscriptions = new(EntityKind.Device);
    private readonly RecordingRoutes _routes = new();
    private readonly TestProbe _replicator;
    private readonly TestProbe _outbox;
    private readonly TestProbe _peer;
    private readonly List<(TimeSpan Delay, object Message)> _later = [];
    private readonly ReplicaReads _reads;
    private static readonly Address PeerAddress = new("akka.tcp", "actorpresence", "127.0.0.1", 4054);

    public ReplicaReadsTests()
    {
        _replicator = CreateTestProbe();
        _outbox = CreateTestProbe();
        _peer = CreateTestProbe();
        _reads = NewReads();
    }

    /// <summary>The reads of a manager of this view (a second one stands for the manager restarted).</summary>
    private ReplicaReads NewReads()
    {
        var actorless = new ActorlessEntities(
            DeviceModel.Instance, "n1", _view, _subscriptions, _routes, _outbox, (_, _) => null, (_, _) => { });
        return new ReplicaReads(
            DeviceModel.Instance, "n1", _view, _replicator, TestActor, TimeSpan.FromSeconds(3), _routes, actorless,
            new NodeRemoval("n1", incarnation: 2),
            address => address.Equals(PeerAddress) ? _peer : throw new InvalidOperationException($"no peer at {address}"),
            (delay, message) => _later.Add((delay, message)));
    }

    private EntityMapKey KeyOf(string id) => _view.Keys.KeyOf(id);

    /// <summary>Answers a round of polls: the maps given, NotFound for every other key. True when the round completed.</summary>
    private bool AnswerRound(params EntityMap[] maps)
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

    [Fact]
    public void A_round_reads_every_key_locally_and_completes_with_the_answer_for_its_last_key()
    {
        _reads.Poll();
        _reads.Poll();

        Assert.True(AnswerRound());
        Assert.Equal(1, _reads.RoundsCompleted);
        // The poll asked for while the round ran comes after it.
        _reads.PollAgainIfDue();
        Assert.True(AnswerRound());
        Assert.Equal(2, _reads.RoundsCompleted);
        _reads.PollAgainIfDue();
        _replicator.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_later_read_sends_a_live_entitys_change_to_its_actor_and_a_new_entitys_to_its_subscribers()
    {
        var queue = new SubscriptionQueue(10);
        _subscriptions.Add(SubscriptionFilter.Device(new DeviceId("PJSIP/2")), new Subscriber(CreateTestProbe(), queue), out _);
        var first = EntityMap.Empty.Put("PJSIP/1", View(1, "n2", DeviceState.InUse)).ResetDelta();
        _reads.Poll();
        AnswerRound(first);
        Assert.Empty(_routes.Routed);
        _routes.Live.Add("PJSIP/1");

        _reads.Poll();
        var second = first.Put("PJSIP/1", View(2, "n3", DeviceState.Busy)).ResetDelta();
        var third = EntityMap.Empty.Put("PJSIP/2", View(3, "n3", DeviceState.Ringing)).ResetDelta();
        AnswerRound(second, third);

        var (id, message) = Assert.Single(_routes.Routed);
        Assert.Equal("PJSIP/1", id);
        Assert.Equal(ChangeSource.Replica, Assert.IsType<ApplyEntries>(message).Source);
        Assert.True(queue.Reader.TryRead(out var change));
        Assert.Equal(DeviceState.Ringing, Assert.IsType<DeviceStateEvent>(change).Device.State);
        Assert.Equal(Slot.Of(View(3, "n3", DeviceState.Ringing)), _view.Current("PJSIP/2"));
    }

    [Fact]
    public void A_listing_is_answered_by_the_first_round_that_started_after_it_was_asked()
    {
        _reads.Poll();
        _reads.List(new ListIds("PJSIP/", null, 10), TestActor);
        var map = EntityMap.Empty.Put("PJSIP/1", View(1, "n2", DeviceState.InUse)).Put("SIP/9", View(1, "n2", DeviceState.InUse)).ResetDelta();

        AnswerRound(map);
        Assert.Empty(_reads.TakeListings());
        _reads.PollAgainIfDue();
        AnswerRound(map);

        var (replyTo, ids) = Assert.Single(_reads.TakeListings());
        Assert.Equal(TestActor, replyTo);
        Assert.Equal(["PJSIP/1"], ids);
    }

    [Fact]
    public void The_first_read_withdraws_a_view_left_by_an_earlier_incarnation_of_this_node()
    {
        var map = EntityMap.Empty
            .Put("PJSIP/1", View(1, "n1", DeviceState.InUse, incarnation: 1))
            .Put("PJSIP/2", View(1, "n1", DeviceState.InUse, incarnation: 2))
            .ResetDelta();
        _reads.Poll();

        AnswerRound(map);

        var tombstone = _outbox.ExpectMsg<LocalChange>();
        Assert.Equal("PJSIP/1", tombstone.Id);
        Assert.True(tombstone.ReplicaOnly);
        Assert.Null(Assert.IsType<DeviceViewEntry>(tombstone.Entry).State);
        _outbox.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_repair_reads_a_few_keys_at_a_time_from_other_nodes_and_one_asked_for_meanwhile_runs_after_it()
    {
        Assert.True(_reads.Repair(fromEveryNode: false, peers: []));
        Assert.False(_reads.Repair(fromEveryNode: true, peers: []));

        var window = _replicator.ReceiveN(RepairRound.Window).Cast<Get>().ToList();
        _replicator.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.All(window, get => Assert.IsType<ReadFrom>(get.Consistency));
        Assert.False(_reads.OnAnswer(new NotFound(window[0].Key, window[0].Request)));
        var next = _replicator.ExpectMsg<Get>();
        Assert.DoesNotContain(next.Key, window.Select(g => g.Key));

        AnswerRepairReads(window.Skip(1).Append(next).ToList(), get => new GetFailure(get.Key, get.Request));
        var again = ExpectMsg<MembershipNotices.RepairReplica>();
        Assert.True(again.FromEveryNode);
        Assert.Equal(1, _reads.RepairsStarted);
    }

    /// <summary>Answers the repair's reads, and those it sends next, until it sends no more; returns how
    /// many more it sent.</summary>
    private int AnswerRepairReads(List<Get> sent, Func<Get, object> answer)
    {
        var more = 0;
        while (sent.Count > 0)
        {
            foreach (var get in sent)
            {
                _reads.OnAnswer(answer(get));
            }
            sent = _replicator.ReceiveWhile(TimeSpan.FromMilliseconds(100), m => (Get)m).ToList();
            more += sent.Count;
        }
        return more;
    }

    /// <summary>A round of reads that finds one entity in every key, then a repair from the peer: what the
    /// view holds, and the query the peer got.</summary>
    private (EntityMap[] Ours, KeyDigestsQuery Query) ReadEveryKeyThenRepairFromThePeer()
    {
        var ours = OnePerKey(KeyCount, 1);
        _reads.Poll();
        AnswerRound(ours);
        Assert.True(_reads.Repair(fromEveryNode: true, peers: [PeerAddress]));
        return (ours, _peer.ExpectMsg<KeyDigestsQuery>());
    }

    /// <summary>One entity in each of the first <paramref name="keys"/> keys.</summary>
    private EntityMap[] OnePerKey(int keys, long offset)
    {
        var maps = new Dictionary<EntityMapKey, EntityMap>();
        for (var i = 0; maps.Count < keys; i++)
        {
            var id = $"PJSIP/{i}";
            if (!maps.ContainsKey(KeyOf(id)))
            {
                maps[KeyOf(id)] = EntityMap.Empty.Put(id, View(offset, "n2", DeviceState.InUse)).ResetDelta();
            }
        }
        return [.. maps.Values];
    }

    private ulong[] DigestsOf(IEnumerable<EntityMap> maps)
    {
        var digests = Enumerable.Repeat(EntityMap.Empty.Digest(), KeyCount).ToArray();
        foreach (var map in maps)
        {
            digests[_view.Keys.IndexOf(map.Entities.First().Key)] = map.Digest();
        }
        return digests;
    }

    [Fact]
    public void Key_digests_are_unknown_until_the_first_round_of_reads_completed_and_then_those_of_the_view()
    {
        var maps = OnePerKey(KeyCount, 1);
        Assert.All(_reads.Digests(4).Digests, digest => Assert.Equal(0UL, digest));

        _reads.Poll();
        AnswerRound(maps);

        var digests = _reads.Digests(4);
        Assert.Equal(4, digests.Round);
        Assert.Equal(EntityKind.Device, digests.Kind);
        Assert.Equal(DigestsOf(maps), digests.Digests);
    }

    [Fact]
    public void A_repair_that_names_a_peer_reads_only_the_keys_whose_digest_differs_from_the_peers()
    {
        var (ours, query) = ReadEveryKeyThenRepairFromThePeer();
        Assert.Equal(EntityKind.Device, query.Kind);
        var (delay, timeout) = Assert.Single(_later);
        Assert.Equal(TimeSpan.FromSeconds(3), delay);
        Assert.Equal(query.Round, Assert.IsType<ReplicaReads.DigestsTimedOut>(timeout).Round);
        // Nothing is read before the peer answers.
        _replicator.ExpectNoMsg(TimeSpan.FromMilliseconds(50));

        // The peer holds a later write in keys 3 and 7, the rest the same.
        var theirs = ours.ToArray();
        foreach (var changed in new[] { 3, 7 })
        {
            var index = Array.FindIndex(ours, m => _view.Keys.IndexOf(m.Entities.First().Key) == changed);
            theirs[index] = ours[index].Put(ours[index].Entities.First().Key, View(5, "n2", DeviceState.Busy));
        }
        Assert.Null(_reads.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, query.Round + 1, DigestsOf(theirs))));
        Assert.Equal(2, _reads.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, query.Round, DigestsOf(theirs))));

        var reads = _replicator.ReceiveN(2).Cast<Get>().ToList();
        Assert.All(reads, get => Assert.IsType<ReadAll>(get.Consistency));
        Assert.Equal(new[] { 3, 7 }.Select(i => _view.Keys.Keys[i].Id).Order(), reads.Select(g => g.Key.Id).Order());
        _replicator.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        // Late: the repair is no longer waiting.
        Assert.False(_reads.OnDigestsTimedOut(new ReplicaReads.DigestsTimedOut(query.Round)));
    }

    [Fact]
    public void A_repair_whose_peer_does_not_answer_in_time_reads_every_key()
    {
        Assert.True(_reads.Repair(fromEveryNode: true, peers: [PeerAddress]));
        var query = _peer.ExpectMsg<KeyDigestsQuery>();

        Assert.True(_reads.OnDigestsTimedOut(new ReplicaReads.DigestsTimedOut(query.Round)));

        var window = _replicator.ReceiveN(RepairRound.Window).Cast<Get>().ToList();
        Assert.All(window, get => Assert.IsType<ReadAll>(get.Consistency));
        // An answer after that changes nothing.
        Assert.Null(_reads.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, query.Round, new ulong[KeyCount])));
        Assert.Equal(KeyCount, window.Count + AnswerRepairReads(window, get => new NotFound(get.Key, get.Request)));
    }

    [Fact]
    public void A_repair_that_finds_every_digest_equal_reads_nothing_and_the_one_asked_for_meanwhile_runs_next()
    {
        var (ours, query) = ReadEveryKeyThenRepairFromThePeer();
        var other = new Address("akka.tcp", "actorpresence", "127.0.0.1", 4055);
        Assert.False(_reads.Repair(fromEveryNode: true, peers: [other]));

        Assert.Equal(0, _reads.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, query.Round, DigestsOf(ours))));

        _replicator.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        var again = ExpectMsg<MembershipNotices.RepairReplica>();
        Assert.True(again.FromEveryNode);
        Assert.Equal([other], again.Peers);
    }

    [Fact]
    public void A_digest_answer_meant_for_the_manager_before_it_restarted_is_not_taken_for_the_new_ones()
    {
        var (ours, before) = ReadEveryKeyThenRepairFromThePeer();
        var restarted = NewReads();
        restarted.Poll();
        AnswerRound(ours);
        Assert.True(restarted.Repair(fromEveryNode: true, peers: [PeerAddress]));
        var query = _peer.ExpectMsg<KeyDigestsQuery>();

        // Both repaired once, yet their rounds differ: the old answer (all equal) is ignored.
        Assert.Equal(1, restarted.RepairsStarted);
        Assert.NotEqual(before.Round, query.Round);
        Assert.Null(restarted.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, before.Round, DigestsOf(ours))));
        Assert.Equal(0, restarted.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, query.Round, DigestsOf(ours))));
    }
}
