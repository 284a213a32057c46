using ActorPresence.Domain;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorPresence.Tests.Samples;

namespace ActorPresence.Tests.Pipeline;

public sealed class DirectPathTests : TestKit
{
    [Fact]
    public void Changes_queued_between_flushes_reach_every_peer_in_one_message_in_the_order_made()
    {
        var peer1 = CreateTestProbe();
        var peer2 = CreateTestProbe();
        var peers = new Dictionary<Address, IActorRef> { [new Address("akka.tcp", "s", "h1", 1)] = peer1, [new Address("akka.tcp", "s", "h2", 1)] = peer2 };
        var path = new DirectPath(EntityKind.Device, a => peers[a]);
        path.SetPeers(peers.Keys.ToList());

        Assert.True(path.Add("PJSIP/1", View(1, "n1", DeviceState.InUse)));
        Assert.False(path.Add("PJSIP/2", View(2, "n1", DeviceState.Busy)));
        path.Flush(TestActor);

        foreach (var peer in new[] { peer1, peer2 })
        {
            var batch = peer.ExpectMsg<DirectChanges>();
            Assert.Equal(["PJSIP/1", "PJSIP/2"], batch.Changes.Select(c => c.Id));
        }
        Assert.Equal(0, path.Pending);
    }

    [Fact]
    public void A_large_backlog_goes_in_batches_that_fit_a_frame()
    {
        var peer = CreateTestProbe();
        var address = new Address("akka.tcp", "s", "h1", 1);
        var path = new DirectPath(EntityKind.Mailbox, _ => peer);
        path.SetPeers([address]);
        for (var i = 0; i < DirectPath.MaxBatch * 2 + 1; i++)
        {
            path.Add($"{i}@default", Mailbox(i, "n1", 1, 0));
        }

        path.Flush(TestActor);

        Assert.Equal([DirectPath.MaxBatch, DirectPath.MaxBatch, 1], Enumerable.Range(0, 3).Select(_ => peer.ExpectMsg<DirectChanges>().Changes.Count));
    }

    [Fact]
    public void Without_peers_nothing_is_queued()
    {
        var path = new DirectPath(EntityKind.Device, _ => throw new InvalidOperationException("no peer expected"));

        Assert.False(path.Add("PJSIP/1", View(1, "n1", DeviceState.InUse)));
        Assert.Equal(0, path.Pending);
    }

    [Fact]
    public void A_peer_is_selected_once_and_kept_across_membership_changes_and_a_resolved_reference_replaces_the_selection()
    {
        var selected = new List<Address>();
        var a = new Address("akka.tcp", "s", "a", 1);
        var b = new Address("akka.tcp", "s", "b", 1);
        var selection = CreateTestProbe();
        var resolved = CreateTestProbe();
        var path = new DirectPath(EntityKind.Device, address =>
        {
            selected.Add(address);
            return selection;
        });

        Assert.Equal([a], path.SetPeers([a]));
        Assert.Equal([b], path.SetPeers([a, b]));
        Assert.Empty(path.SetPeers([a]));
        path.Resolved(a, resolved);
        path.Resolved(b, resolved);
        path.Add("PJSIP/1", View(1, "n1", DeviceState.InUse));
        path.Flush(TestActor);

        Assert.Equal([a, b], selected);
        Assert.Equal(1, path.PeerCount);
        resolved.ExpectMsg<DirectChanges>();
        selection.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}

public sealed class DirectPaceTests
{
    [Fact]
    public void The_path_is_busy_only_after_a_window_with_more_changes_than_the_busy_rate()
    {
        var pace = new DirectPace();
        var perWindow = (int)(DirectPace.BusyRate * DirectPace.WindowMs / 1000) + 1;

        // A first window over the rate ...
        for (var i = 0; i < perWindow; i++)
        {
            Assert.False(pace.Busy(now: 100));
        }
        // ... makes the next one busy; a quiet one after it is not.
        Assert.True(pace.Busy(now: 100 + DirectPace.WindowMs));
        Assert.False(pace.Busy(now: 100 + 2 * DirectPace.WindowMs));
    }

    [Fact]
    public void A_window_at_the_busy_rate_or_after_a_silence_is_not_busy()
    {
        var pace = new DirectPace();
        var atRate = (int)(DirectPace.BusyRate * DirectPace.WindowMs / 1000);
        for (var i = 0; i < atRate; i++)
        {
            pace.Busy(now: 0);
        }
        Assert.False(pace.Busy(now: DirectPace.WindowMs));

        for (var i = 0; i < 10 * atRate; i++)
        {
            pace.Busy(now: DirectPace.WindowMs);
        }
        Assert.False(pace.Busy(now: 50 * DirectPace.WindowMs));
    }
}
