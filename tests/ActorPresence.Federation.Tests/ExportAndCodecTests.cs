using ActorPresence.Domain;
using ActorPresence.Federation.Wire;
using Google.Protobuf;

namespace ActorPresence.Federation.Tests;

/// <summary>What a gateway exports and how it reads a peer's entries, without a network.</summary>
public sealed class ExportAndCodecTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static DeviceStateEvent Device(string id, params (string Node, DeviceState State)[] views) =>
        new(new DeviceSnapshot(new DeviceId(id), DeviceStateAggregation.Aggregate(views.Select(v => v.State)),
            views.Select(v => new DeviceView(NodeName.OfWriter(v.Node), v.State, Noon)).ToList()), new NodeName("n1"), false);

    private static MailboxStateEvent Mailbox(string id, int @new, string writer, long ticks) =>
        new(new MailboxSnapshot(new MailboxId(id), new MailboxCounts(@new, 0), NodeName.OfWriter(writer), new DateTimeOffset(ticks, TimeSpan.Zero)), NodeName.OfWriter(writer), false);

    [Fact]
    public void A_device_exports_the_aggregate_of_this_sites_own_views_only()
    {
        var export = SiteLinkCodec.ExportOf(Device("PJSIP/1", ("n1", DeviceState.NotInUse), ("@berlin", DeviceState.Busy), ("n2", DeviceState.Ringing)))!;

        Assert.Equal("RINGING", export.Device.State);
        Assert.False(export.Device.Withdrawn);
        Assert.Equal(Noon.UtcTicks, export.Device.Ticks);
    }

    [Fact]
    public void A_device_with_only_other_sites_views_exports_as_withdrawn_and_an_imported_mailbox_not_at_all()
    {
        Assert.True(SiteLinkCodec.ExportOf(Device("PJSIP/1", ("@berlin", DeviceState.Busy)))!.Device.Withdrawn);
        Assert.Null(SiteLinkCodec.ExportOf(Mailbox("1000", 1, "n1@berlin", Noon.UtcTicks)));
        Assert.Equal("n1", SiteLinkCodec.ExportOf(Mailbox("1000", 1, "n1", Noon.UtcTicks))!.Mailbox.Writer);
    }

    [Fact]
    public void A_change_that_leaves_the_export_as_it_was_reaches_no_link_and_many_changes_of_one_entity_wait_as_one()
    {
        var table = new ExportTable();
        using var outbox = table.Attach(maxPending: 100);

        table.Observe(Device("PJSIP/1", ("n1", DeviceState.InUse)));
        table.Observe(Device("PJSIP/1", ("n1", DeviceState.InUse), ("n2", DeviceState.NotInUse)));
        table.Observe(Device("PJSIP/1", ("n1", DeviceState.InUse), ("@berlin", DeviceState.Ringing)));
        for (var i = 1; i <= 50; i++)
        {
            table.Observe(Mailbox("1000", i, "n1", Noon.UtcTicks + i));
        }

        Assert.Equal(2, outbox.Pending);
        var sent = outbox.TakeChanges(10);
        Assert.Equal(["INUSE"], sent.Where(e => e.ValueCase == Entry.ValueOneofCase.Device).Select(e => e.Device.State));
        Assert.Equal(50u, sent.Single(e => e.ValueCase == Entry.ValueOneofCase.Mailbox).Mailbox.New);
        Assert.Equal(0, outbox.Pending);
    }

    [Fact]
    public void A_withdrawn_device_is_sent_as_withdrawn_but_left_out_of_a_snapshot()
    {
        var table = new ExportTable();
        table.Observe(Device("PJSIP/1", ("n1", DeviceState.InUse)));
        table.Observe(Device("PJSIP/2", ("n1", DeviceState.Busy)));
        using var outbox = table.Attach(maxPending: 100);

        table.Observe(Device("PJSIP/1"));

        Assert.True(Assert.Single(outbox.TakeChanges(10)).Device.Withdrawn);
        Assert.Equal("PJSIP/2", Assert.Single(outbox.TakeSnapshot()).Device.Id);
    }

    [Fact]
    public void An_outbox_past_max_pending_drops_its_entries_and_asks_for_a_snapshot()
    {
        var table = new ExportTable();
        using var outbox = table.Attach(maxPending: 3);

        for (var i = 0; i < 5; i++)
        {
            table.Observe(Device($"PJSIP/{i}", ("n1", DeviceState.InUse)));
        }

        Assert.True(outbox.NeedsSnapshot);
        Assert.Equal(1, outbox.Overflows);
        Assert.Equal(0, outbox.Pending);
        Assert.Equal(5, outbox.TakeSnapshot().Count);
        Assert.False(outbox.NeedsSnapshot);
        table.Observe(Device("PJSIP/9", ("n1", DeviceState.Busy)));
        Assert.Equal(1, outbox.Pending);
    }

    [Fact]
    public void The_table_knows_which_devices_hold_a_view_of_each_site()
    {
        var table = new ExportTable();
        var berlin = new SiteId("berlin");

        table.Observe(Device("PJSIP/1", ("@berlin", DeviceState.InUse)));
        table.Observe(Device("PJSIP/2", ("@berlin", DeviceState.InUse), ("@rome", DeviceState.Busy)));
        table.Observe(Device("PJSIP/1", ("n1", DeviceState.InUse)));

        Assert.Equal(["PJSIP/2"], table.DevicesWithViewOf(berlin));
        Assert.Equal(["PJSIP/2"], table.DevicesWithViewOf(new SiteId("rome")));
    }

    public static TheoryData<Entry, string> BadEntries => new()
    {
        { new Entry(), "no value" },
        { new Entry { Device = new DeviceAggregate { Id = "", State = "INUSE" } }, "device" },
        { new Entry { Device = new DeviceAggregate { Id = "PJSIP/1", State = "SMOKING" } }, "state" },
        { new Entry { Device = new DeviceAggregate { Id = "PJSIP/1", State = "INUSE", Withdrawn = true } }, "withdrawn" },
        { new Entry { Device = new DeviceAggregate { Id = "PJSIP/1", State = "INUSE", Ticks = -1 } }, "ticks" },
        { new Entry { Mailbox = new MailboxValue { Id = "1000", New = 1, Urgent = 2, Ticks = 5, Writer = "n1" } }, "urgent" },
        { new Entry { Mailbox = new MailboxValue { Id = "1000", New = uint.MaxValue, Ticks = 5, Writer = "n1" } }, "new" },
        { new Entry { Mailbox = new MailboxValue { Id = "1000", Ticks = 0, Writer = "n1" } }, "ticks" },
        { new Entry { Mailbox = new MailboxValue { Id = "1000", Ticks = 5, Writer = "n1@rome" } }, "node-name" },
        { new Entry { Mailbox = new MailboxValue { Id = "1000", Ticks = 5, Writer = "" } }, "node-name" },
        { new Entry { Presence = new PresenceValue { Id = "alice", State = "asleep", Ticks = 5, Writer = "n1" } }, "state" },
        { new Entry { Presence = new PresenceValue { Id = "al\u0001ice", State = "away", Ticks = 5, Writer = "n1" } }, "presentity" },
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public void A_peers_entry_that_breaks_a_rule_is_refused_saying_which(Entry entry, string named)
    {
        var e = Assert.Throws<SiteLinkViolation>(() => SiteLinkCodec.Decode(entry));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Entries_a_site_exports_decode_on_the_other_side_as_the_same_values()
    {
        var device = SiteLinkCodec.Decode(SiteLinkCodec.ExportOf(Device("PJSIP/1", ("n1", DeviceState.OnHold)))!);
        var mailbox = SiteLinkCodec.Decode(SiteLinkCodec.ExportOf(Mailbox("1000@sales", 3, "n2", Noon.UtcTicks))!);

        Assert.Equal(new InboundDevice(new DeviceId("PJSIP/1"), DeviceState.OnHold, Noon.UtcTicks), device);
        Assert.Equal(new InboundMailbox(new MailboxId("1000@sales"), new MailboxCounts(3, 0), Noon.UtcTicks, new NodeName("n2")), mailbox);
    }

    /// <summary>Bounded: 20,000 inputs, a fixed seed so a failure repeats.</summary>
    [Fact]
    public void Random_and_mutated_bytes_never_get_past_the_parser_and_the_codec_other_than_as_refusals()
    {
        var random = new Random(20261130);
        var valid = new Frame
        {
            Changes = new Entries
            {
                Items =
                {
                    SiteLinkCodec.ExportOf(Device("PJSIP/1", ("n1", DeviceState.InUse)))!,
                    SiteLinkCodec.ExportOf(Mailbox("1000", 2, "n1", Noon.UtcTicks))!,
                },
            },
        }.ToByteArray();
        var accepted = 0;
        for (var i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 64)];
                random.NextBytes(input);
            }
            else
            {
                input = (byte[])valid.Clone();
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                }
            }
            Frame frame;
            try
            {
                frame = Frame.Parser.ParseFrom(input);
            }
            catch (InvalidProtocolBufferException)
            {
                continue;
            }
            var entries = frame.BodyCase switch
            {
                Frame.BodyOneofCase.Changes => frame.Changes.Items,
                Frame.BodyOneofCase.Snapshot => frame.Snapshot.Items,
                _ => [],
            };
            foreach (var entry in entries)
            {
                try
                {
                    SiteLinkCodec.Decode(entry);
                    accepted++;
                }
                catch (SiteLinkViolation)
                {
                }
            }
        }
        Assert.True(accepted > 0, "some mutated frames still carry valid entries");
    }
}
