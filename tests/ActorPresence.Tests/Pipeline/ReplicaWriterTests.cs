using ActorPresence.Domain;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorPresence.Tests.Samples;

namespace ActorPresence.Tests.Pipeline;

public sealed class ReplicaWriterTests : TestKit
{
    private static readonly KeySpace Keys = new(EntityKind.Device, 4);

    /// <summary>Two ids that live in different keys.</summary>
    private static (string A, string B) TwoKeys()
    {
        var a = "PJSIP/1";
        var b = Enumerable.Range(2, 100).Select(i => $"PJSIP/{i}").First(id => Keys.IndexOf(id) != Keys.IndexOf(a));
        return (a, b);
    }

    [Fact]
    public void The_first_change_of_a_key_goes_at_once_and_later_ones_wait_for_it_then_go_together()
    {
        var writer = new ReplicaWriter(Keys, patienceMs: 1000);
        var first = writer.Add("PJSIP/1", View(1, "n1", DeviceState.InUse), null, null, now: 0);
        Assert.NotNull(first);

        Assert.Null(writer.Add("PJSIP/1", View(2, "n1", DeviceState.Busy), null, null, now: 0));
        Assert.Null(writer.Add("PJSIP/1", View(3, "n1", DeviceState.Ringing), null, null, now: 0));

        var next = writer.Completed(first, failure: null, now: 0);
        Assert.NotNull(next);
        Assert.Equal([2L, 3L], next.Entries.Select(e => e.Entry.Stamp.Ticks - T0));
        Assert.Null(writer.Completed(next, failure: null, now: 0));
        Assert.Equal(0, writer.InFlight);
    }

    [Fact]
    public void Keys_do_not_wait_for_each_other()
    {
        var (a, b) = TwoKeys();
        var writer = new ReplicaWriter(Keys, patienceMs: 1000);

        Assert.NotNull(writer.Add(a, View(1, "n1", DeviceState.InUse), null, null, now: 0));
        Assert.NotNull(writer.Add(b, View(1, "n1", DeviceState.InUse), null, null, now: 0));
        Assert.Equal(2, writer.InFlight);
    }

    [Fact]
    public void A_writer_is_acknowledged_only_when_the_update_holding_its_change_succeeded()
    {
        var writer = new ReplicaWriter(Keys, patienceMs: 1000);
        var first = writer.Add("PJSIP/1", View(1, "n1", DeviceState.InUse), TestActor, "ack-1", now: 0)!;
        writer.Add("PJSIP/1", View(2, "n1", DeviceState.Busy), TestActor, "ack-2", now: 0);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        var second = writer.Completed(first, failure: null, now: 0)!;
        ExpectMsg("ack-1");
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        writer.Completed(second, failure: null, now: 0);
        ExpectMsg("ack-2");
    }

    [Fact]
    public void A_failed_update_tells_its_writers_why_and_the_next_batch_still_goes()
    {
        var writer = new ReplicaWriter(Keys, patienceMs: 1000);
        var first = writer.Add("PJSIP/1", View(1, "n1", DeviceState.InUse), TestActor, "ack-1", now: 0)!;
        writer.Add("PJSIP/1", View(2, "n1", DeviceState.Busy), TestActor, "ack-2", now: 0);

        var next = writer.Completed(first, new WriteFailedException("disk full"), now: 0);

        var failure = ExpectMsg<Status.Failure>();
        Assert.Equal("disk full", failure.Cause.Message);
        Assert.NotNull(next);
    }

    [Fact]
    public void A_write_that_changed_nothing_is_answered_at_once_when_nothing_of_its_key_is_on_its_way()
    {
        var writer = new ReplicaWriter(Keys, patienceMs: 1000);

        Assert.Null(writer.Add("PJSIP/1", null, TestActor, "unchanged", now: 0));

        ExpectMsg("unchanged");
    }

    [Fact]
    public void A_write_that_changed_nothing_waits_for_the_write_of_its_key_on_its_way()
    {
        var writer = new ReplicaWriter(Keys, patienceMs: 1000);
        var first = writer.Add("PJSIP/1", View(1, "n1", DeviceState.InUse), TestActor, "changed", now: 0)!;

        writer.Add("PJSIP/1", null, TestActor, "unchanged", now: 0);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        Assert.Null(writer.Completed(first, failure: null, now: 0));
        ExpectMsg("changed");
        ExpectMsg("unchanged");
    }

    [Fact]
    public void A_batch_applied_to_the_replica_keeps_the_newest_entry_of_each_slot()
    {
        var writer = new ReplicaWriter(Keys, patienceMs: 1000);
        var batch = writer.Add("PJSIP/1", View(5, "n1", DeviceState.InUse), null, null, now: 0)!;
        var map = batch.ApplyTo(EntityMap.Empty.Put("PJSIP/1", View(9, "n1", DeviceState.Busy)));

        Assert.Equal(DeviceState.Busy, ((DeviceViewEntry)map.Get("PJSIP/1").Find("n1")!).State);
    }

    [Fact]
    public void An_update_left_unanswered_past_the_patience_no_longer_holds_back_the_next_and_both_are_acknowledged()
    {
        var writer = new ReplicaWriter(Keys, patienceMs: 1000);
        var stuck = writer.Add("PJSIP/1", View(1, "n1", DeviceState.InUse), TestActor, "ack-1", now: 0)!;
        writer.Add("PJSIP/1", View(2, "n1", DeviceState.Busy), TestActor, "ack-2", now: 10);

        Assert.Empty(writer.Overdue(now: 999));
        var next = Assert.Single(writer.Overdue(now: 1000));
        Assert.Equal(2, writer.InFlight);

        Assert.Null(writer.Completed(next, failure: null, now: 1100));
        ExpectMsg("ack-2");
        Assert.Null(writer.Completed(stuck, failure: null, now: 1200));
        ExpectMsg("ack-1");
        Assert.Equal(0, writer.InFlight);
    }
}
