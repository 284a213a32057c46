using ActorPresence.Domain;
using ActorPresence.Entities;
using ActorPresence.Entities.Messages;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.DistributedData;
using Akka.TestKit;
using static ActorPresence.Entities.Messages.EntityHandshake;
using static ActorPresence.Tests.Samples;

namespace ActorPresence.Tests.Pipeline;

/// <summary>Repairs: key digests compared with peers, fetches of what differs, whole reads, their
/// timeouts and retries, and the answers to a peer's repair.</summary>
public sealed class ReplicaRepairTests : ReplicaReadsFixture
{
    [Fact]
    public void A_repair_reads_a_few_keys_at_a_time_from_other_nodes_and_one_asked_for_meanwhile_runs_after_it()
    {
        Assert.True(_reads.Repairs.Repair(fromEveryNode: false, peers: []));
        Assert.False(_reads.Repairs.Repair(fromEveryNode: true, peers: []));

        var window = _replicator.ReceiveN(RepairRound.Window).Cast<Get>().ToList();
        _replicator.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.All(window, get => Assert.IsType<ReadFrom>(get.Consistency));
        Assert.False(_reads.OnAnswer(new NotFound(window[0].Key, window[0].Request)));
        var next = _replicator.ExpectMsg<Get>();
        Assert.DoesNotContain(next.Key, window.Select(g => g.Key));

        AnswerRepairReads(window.Skip(1).Append(next).ToList(), get => new NotFound(get.Key, get.Request));
        var again = ExpectMsg<MembershipNotices.RepairReplica>();
        Assert.True(again.FromEveryNode);
        Assert.Equal(1, _reads.Repairs.Started);
    }

    [Fact]
    public void A_whole_read_that_fails_is_sent_again_a_little_later_and_given_up_with_a_warning_after_the_last_attempt()
    {
        Assert.True(_reads.Repairs.Repair(fromEveryNode: false, peers: []));
        var window = _replicator.ReceiveN(RepairRound.Window).Cast<Get>().ToList();
        var failing = window[0];

        for (var attempt = 1; attempt < ReplicaRepair.RepairRead.Attempts; attempt++)
        {
            _reads.OnAnswer(new GetFailure(failing.Key, failing.Request));
            // Not sent again at once, nor taken for answered: the window does not move on.
            _replicator.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
            var (delay, message) = Assert.Single(_later);
            _later.Clear();
            Assert.Equal(ReplicaRepair.RepairRead.RetryDelay * attempt, delay);
            Assert.True(_reads.Repairs.OnMessage(Assert.IsAssignableFrom<IRepairMessage>(message), TestActor));
            failing = _replicator.ExpectMsg<Get>();
            Assert.Equal(window[0].Key, failing.Key);
            Assert.IsType<ReadFrom>(failing.Consistency);
        }
        // The repair still runs while a read is retried: another one asked for waits for it.
        Assert.False(_reads.Repairs.Repair(fromEveryNode: false, peers: []));

        EventFilter.Warning(contains: "converges at the next full-state gossip").ExpectOne(() =>
            _reads.OnAnswer(new GetFailure(failing.Key, failing.Request)));
        Assert.Empty(_later);
        var next = _replicator.ExpectMsg<Get>();
        Assert.DoesNotContain(next.Key, window.Select(g => g.Key));
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
        Assert.True(_reads.Repairs.Repair(fromEveryNode: true, peers: [PeerAddress]));
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
        Assert.All(_reads.Repairs.Digests(4).Digests, digest => Assert.Equal(0UL, digest));

        _reads.Poll();
        AnswerRound(maps);

        var digests = _reads.Repairs.Digests(4);
        Assert.Equal(4, digests.Round);
        Assert.Equal(EntityKind.Device, digests.Kind);
        Assert.Equal(DigestsOf(maps), digests.Digests);
    }

    /// <summary>The replicator is asked to read key <paramref name="index"/> whole from every node.</summary>
    private void ExpectWholeRead(int index)
    {
        var whole = _replicator.ExpectMsg<Get>();
        Assert.Equal(_view.Keys.Keys[index], whole.Key);
        Assert.IsType<ReadAll>(whole.Consistency);
    }

    /// <summary>What the peer holds: <paramref name="ours"/> with a later write of the entity of each of <paramref name="keys"/>.</summary>
    private EntityMap[] LaterIn(EntityMap[] ours, params int[] keys)
    {
        var theirs = ours.ToArray();
        foreach (var changed in keys)
        {
            var index = Array.FindIndex(ours, m => _view.Keys.IndexOf(m.Entities.First().Key) == changed);
            theirs[index] = ours[index].Put(ours[index].Entities.First().Key, View(5, "n2", DeviceState.Busy)).ResetDelta();
        }
        return theirs;
    }

    [Fact]
    public void A_repair_that_names_a_peer_fetches_from_it_only_the_entities_of_the_keys_whose_digest_differs()
    {
        var (ours, query) = ReadEveryKeyThenRepairFromThePeer();
        Assert.Equal(EntityKind.Device, query.Kind);
        var (delay, timeout) = Assert.Single(_later);
        Assert.Equal(TimeSpan.FromSeconds(3), delay);
        Assert.Equal(query.Round, Assert.IsType<ReplicaRepair.DigestsTimedOut>(timeout).Round);
        // Nothing is read before the peer answers.
        _replicator.ExpectNoMsg(TimeSpan.FromMilliseconds(50));

        // The peer holds a later write in keys 3 and 7, the rest the same.
        var theirs = LaterIn(ours, 3, 7);
        Assert.Null(_reads.Repairs.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, query.Round + 1, DigestsOf(theirs))));
        Assert.Equal((2, 2), _reads.Repairs.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, query.Round, DigestsOf(theirs))));

        // Asked of the peer, with the digests of what this node holds in each key; nothing of distributed data.
        var fetches = _peer.ReceiveN(2).Cast<KeyItemsQuery>().OrderBy(q => q.Key).ToList();
        Assert.Equal([3, 7], fetches.Select(q => q.Key));
        Assert.All(fetches, q => Assert.Equal(_view.Replica(q.Key).ItemDigests(), q.Held));
        Assert.All(fetches, q => Assert.Equal(query.Round, q.Round));
        _replicator.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.False(_reads.Repairs.OnDigestsTimedOut(new ReplicaRepair.DigestsTimedOut(query.Round)));

        // The peer answers (as it would, from what it holds): the entity is merged into the local
        // replica by an update, then read back, and reaches the view as any later read does.
        var peerView = new ReplicaView(_view.Keys);
        foreach (var map in theirs)
        {
            peerView.Commit(_view.Keys.IndexOf(map.Entities.First().Key), map, []);
        }
        var answer = new KeyItems(EntityKind.Device, query.Round, 3, true, peerView.Replica(3).Lacking(fetches[0].Held, KeyItems.MaxItems)!);
        Assert.Equal(1, answer.Items.Count);
        Assert.False(_reads.Repairs.OnItems(new Address("akka.tcp", "actorpresence", "127.0.0.1", 4055), answer));
        Assert.True(_reads.Repairs.OnItems(PeerAddress, answer));
        Assert.False(_reads.Repairs.OnItems(PeerAddress, answer));
        var update = _replicator.ExpectMsg<Update>();
        Assert.Equal(_view.Keys.Keys[3], update.Key);
        Assert.IsType<WriteLocal>(update.Consistency);
        var merged = (EntityMap)update.Modify(_view.Replica(3));
        Assert.Equal(peerView.Replica(3), merged);
        Assert.False(_reads.OnAnswer(new UpdateSuccess(update.Key, update.Request)));
        var readBack = _replicator.ExpectMsg<Get>();
        Assert.IsType<ReadLocal>(readBack.Consistency);
        var id = answer.Items.Entities.First().Key;
        _routes.Live.Add(id);
        _reads.OnAnswer(new GetSuccess(readBack.Key, readBack.Request, merged));
        Assert.Equal(merged, _view.Replica(3));
        var (routedTo, routed) = Assert.Single(_routes.Routed);
        Assert.Equal(id, routedTo);
        Assert.Equal(answer.Items.Get(id).Entries, Assert.IsType<ApplyEntries>(routed).Entries);

        // The other fetch has no answer in time: that key is read whole.
        var timeouts = _later.Select(l => l.Message).OfType<ReplicaRepair.ItemsTimedOut>().ToList();
        Assert.Equal([3, 7], timeouts.Select(t => t.Key).Order());
        Assert.False(_reads.Repairs.OnItemsTimedOut(timeouts.Single(t => t.Key == 3)));
        Assert.True(_reads.Repairs.OnItemsTimedOut(timeouts.Single(t => t.Key == 7)));
        ExpectWholeRead(7);
        _replicator.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Fetches_are_not_held_to_the_window_of_whole_reads()
    {
        var (ours, query) = ReadEveryKeyThenRepairFromThePeer();
        _reads.Repairs.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, query.Round, DigestsOf(LaterIn(ours, Enumerable.Range(0, KeyCount).ToArray()))));

        Assert.True(KeyCount > RepairRound.Window);
        Assert.Equal(KeyCount, _peer.ReceiveWhile(TimeSpan.FromMilliseconds(100), m => (KeyItemsQuery)m).Count);
    }

    [Fact]
    public void One_receive_takes_every_repair_message_and_leaves_a_query_about_another_kind_unhandled()
    {
        var asker = CreateTestProbe();
        Assert.True(_reads.Repairs.OnMessage(new KeyDigestsQuery(EntityKind.Device, 3), asker));
        Assert.Equal(3, asker.ExpectMsg<KeyDigests>().Round);
        Assert.True(_reads.Repairs.OnMessage(new KeyItemsQuery(EntityKind.Device, 4, 1, []), asker));
        Assert.Equal(4, asker.ExpectMsg<KeyItems>().Round);

        Assert.False(_reads.Repairs.OnMessage(new KeyDigestsQuery(EntityKind.Mailbox, 3), asker));
        Assert.False(_reads.Repairs.OnMessage(new KeyItemsQuery(EntityKind.Presence, 4, 1, []), asker));
        asker.ExpectNoMsg(TimeSpan.FromMilliseconds(50));

        Assert.True(_reads.Repairs.OnMessage(new MembershipNotices.RepairReplica("test", true, [PeerAddress]), asker));
        Assert.Equal(1, _reads.Repairs.Started);
        _peer.ExpectMsg<KeyDigestsQuery>();
    }

    [Fact]
    public void A_key_this_node_holds_nothing_of_is_read_whole_without_asking_the_peer_for_its_entities()
    {
        var ours = OnePerKey(KeyCount - 1, 1);
        _reads.Poll();
        AnswerRound(ours);
        var empty = Enumerable.Range(0, KeyCount).Single(i => _view.Replica(i).Count == 0);
        Assert.True(_reads.Repairs.Repair(fromEveryNode: false, peers: [PeerAddress]));
        var query = _peer.ExpectMsg<KeyDigestsQuery>();

        var theirs = DigestsOf(ours);
        theirs[empty] = OnePerKey(KeyCount, 7).Select(m => m.Digest()).First(d => d != theirs[empty]);
        Assert.Equal((1, 1), _reads.Repairs.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, query.Round, theirs)));

        var whole = _replicator.ExpectMsg<Get>();
        Assert.Equal(_view.Keys.Keys[empty], whole.Key);
        Assert.IsType<ReadFrom>(whole.Consistency);
        _peer.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_fetch_the_peer_cannot_answer_entity_by_entity_reads_the_key_whole()
    {
        var (ours, query) = ReadEveryKeyThenRepairFromThePeer();
        _reads.Repairs.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, query.Round, DigestsOf(LaterIn(ours, 5))));
        var fetch = _peer.ExpectMsg<KeyItemsQuery>();

        Assert.True(_reads.Repairs.OnItems(PeerAddress, KeyItems.Incomplete(EntityKind.Device, fetch.Round, fetch.Key)));

        ExpectWholeRead(5);
    }

    [Fact]
    public void Keys_two_peers_hold_alike_are_fetched_from_one_of_them_and_an_unknown_digest_reads_the_key_whole()
    {
        var ours = OnePerKey(KeyCount, 1);
        _reads.Poll();
        AnswerRound(ours);
        var second = new Address("akka.tcp", "actorpresence", "127.0.0.1", 4055);
        var secondPeer = CreateTestProbe();
        var reads = new ReplicaReads(
            DeviceModel.Instance, "n1", _view, _replicator, TestActor, TimeSpan.FromSeconds(3), _routes,
            new ActorlessEntities(DeviceModel.Instance, "n1", _view, _subscriptions, _routes, _outbox, (_, _) => null, (_, _) => { }),
            new NodeRemoval("n1", incarnation: 2), Sys.Log,
            address => address.Equals(PeerAddress) ? _peer : address.Equals(second) ? secondPeer : throw new InvalidOperationException(),
            (_, _) => { });
        reads.Repairs.Repair(fromEveryNode: true, peers: [PeerAddress, second]);
        var round = _peer.ExpectMsg<KeyDigestsQuery>().Round;
        secondPeer.ExpectMsg<KeyDigestsQuery>();

        // Both hold the same later write in key 2; only the second one holds another in key 4; the
        // first has not read key 9 yet.
        var first = DigestsOf(LaterIn(ours, 2));
        first[9] = 0;
        Assert.Null(reads.Repairs.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, round, first)));
        Assert.Equal((3, 2), reads.Repairs.OnDigests(second, new KeyDigests(EntityKind.Device, round, DigestsOf(LaterIn(ours, 2, 4)))));

        Assert.Equal([2], _peer.ReceiveWhile(TimeSpan.FromMilliseconds(100), m => ((KeyItemsQuery)m).Key));
        Assert.Equal([4], secondPeer.ReceiveWhile(TimeSpan.FromMilliseconds(100), m => ((KeyItemsQuery)m).Key));
        ExpectWholeRead(9);
    }

    [Fact]
    public void A_peer_answers_a_fetch_with_what_it_holds_otherwise_and_nothing_before_its_first_read_or_over_the_limit()
    {
        var ours = OnePerKey(KeyCount, 1);
        var query = new KeyItemsQuery(EntityKind.Device, 8, 4, []);
        Assert.False(_reads.Repairs.Items(query).Complete);

        _reads.Poll();
        AnswerRound(ours);

        var all = _reads.Repairs.Items(query);
        Assert.True(all.Complete);
        Assert.Equal((EntityKind.Device, 8L, 4), (all.Kind, all.Round, all.Key));
        Assert.Equal(_view.Replica(4), all.Items);
        Assert.Equal(0, _reads.Repairs.Items(query with { Held = _view.Replica(4).ItemDigests() }).Items.Count);
        Assert.False(_reads.Repairs.Items(query with { Key = KeyCount }).Complete);

        // More entities than one answer may carry: none at all.
        var big = EntityMap.FromEntities(Enumerable.Range(0, 5_000)
            .Select(i => new KeyValuePair<string, Slot>($"PJSIP/{i}", Slot.Of(View(1, "n2", DeviceState.InUse))))
            .Where(e => _view.Keys.IndexOf(e.Key) == 4));
        Assert.True(big.Count > KeyItems.MaxItems);
        _view.Commit(4, big, []);
        Assert.False(_reads.Repairs.Items(query).Complete);
    }

    [Fact]
    public void A_repair_whose_peer_does_not_answer_in_time_reads_every_key()
    {
        Assert.True(_reads.Repairs.Repair(fromEveryNode: true, peers: [PeerAddress]));
        var query = _peer.ExpectMsg<KeyDigestsQuery>();

        Assert.True(_reads.Repairs.OnDigestsTimedOut(new ReplicaRepair.DigestsTimedOut(query.Round)));

        var window = _replicator.ReceiveN(RepairRound.Window).Cast<Get>().ToList();
        Assert.All(window, get => Assert.IsType<ReadAll>(get.Consistency));
        // An answer after that changes nothing.
        Assert.Null(_reads.Repairs.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, query.Round, new ulong[KeyCount])));
        Assert.Equal(KeyCount, window.Count + AnswerRepairReads(window, get => new NotFound(get.Key, get.Request)));
    }

    [Fact]
    public void A_repair_that_finds_every_digest_equal_reads_nothing_and_the_one_asked_for_meanwhile_runs_next()
    {
        var (ours, query) = ReadEveryKeyThenRepairFromThePeer();
        var other = new Address("akka.tcp", "actorpresence", "127.0.0.1", 4055);
        Assert.False(_reads.Repairs.Repair(fromEveryNode: true, peers: [other]));

        Assert.Equal((0, 0), _reads.Repairs.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, query.Round, DigestsOf(ours))));

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
        Assert.True(restarted.Repairs.Repair(fromEveryNode: true, peers: [PeerAddress]));
        var query = _peer.ExpectMsg<KeyDigestsQuery>();

        // Both repaired once, yet their rounds differ: the old answer (all equal) is ignored.
        Assert.Equal(1, restarted.Repairs.Started);
        Assert.NotEqual(before.Round, query.Round);
        Assert.Null(restarted.Repairs.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, before.Round, DigestsOf(ours))));
        Assert.Equal((0, 0), restarted.Repairs.OnDigests(PeerAddress, new KeyDigests(EntityKind.Device, query.Round, DigestsOf(ours))));
    }
}
