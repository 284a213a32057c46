using ActorPresence.Domain;
using ActorPresence.Entities;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;
using static ActorPresence.Entities.Messages.EntityCommands;
using static ActorPresence.Entities.Messages.EntityQueries;

namespace ActorPresence.Cluster.Tests;

public sealed class SubscriptionTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(10);

    private static readonly DeviceState[] Cycle =
        [DeviceState.Ringing, DeviceState.InUse, DeviceState.OnHold, DeviceState.InUse, DeviceState.NotInUse];

    [Fact]
    public async Task A_subscriber_receives_the_current_state_first_then_every_change_in_order()
    {
        await using var cluster = await TestCluster.StartAsync(3, Output!);
        var lamp = new DeviceId("PJSIP/5000");
        await cluster[0].Api.SetDeviceStateAsync(lamp, DeviceState.NotInUse);
        await AwaitAssertAsync(async () => Assert.NotNull(await cluster[2].Api.GetDeviceAsync(lamp)), Converge);

        await using var one = await Recorder.StartAsync(cluster[2].Api, SubscriptionFilter.Device(lamp));
        await using var prefix = await Recorder.StartAsync(cluster[2].Api, SubscriptionFilter.WithPrefix(EntityKind.Device, "PJSIP/5"));

        var written = new List<DeviceState>();
        for (var round = 0; round < 10; round++)
        {
            foreach (var state in Cycle)
            {
                await cluster[0].Api.SetDeviceStateAsync(lamp, state);
                written.Add(state);
            }
        }

        foreach (var recorder in new[] { one, prefix })
        {
            await AwaitAssertAsync(() => Assert.Equal(written.Count + 1, recorder.Events.Count), Converge);
            var events = recorder.Events.Cast<DeviceStateEvent>().ToList();
            Assert.True(events[0].IsInitial);
            Assert.Equal(DeviceState.NotInUse, events[0].Device.State);
            Assert.All(events.Skip(1), e => Assert.False(e.IsInitial));
            Assert.Equal(written, events.Skip(1).Select(e => e.Device.State));
            Assert.All(events, e => Assert.Equal("node1", e.Origin.Value));
        }
    }

    [Fact]
    public async Task A_subscriber_of_more_entities_than_its_limit_gets_the_whole_current_state_and_is_cut_off_only_by_changes()
    {
        await using var cluster = await TestCluster.StartAsync(1, Output!);
        var api = cluster[0].Api;
        for (var i = 0; i < 300; i++)
        {
            await api.SetMailboxAsync(new MailboxId($"limit{i}@default"), new MailboxCounts(1, 0, 0));
        }

        // A limit of 50 unread changes, and a current state of 300 mailboxes that nobody reads yet.
        await using var subscription = await api.SubscribeAsync(SubscriptionFilter.WithPrefix(EntityKind.Mailbox, "limit"), 50);
        await AwaitAssertAsync(() => Assert.Equal(300, subscription.Events.Count), Converge);

        // 50 changes fit; the 51st ends the subscription.
        for (var i = 0; i < 51; i++)
        {
            await api.SetMailboxAsync(new MailboxId($"limit{i}@default"), new MailboxCounts(2, 0, 0));
        }
        var events = new List<StateEvent>();
        var overflow = await Assert.ThrowsAsync<SubscriptionOverflowException>(async () =>
        {
            await foreach (var e in subscription.Events.ReadAllAsync())
            {
                events.Add(e);
            }
        });
        Assert.Equal(50, overflow.Capacity);
        Assert.Equal(350, events.Count);
        Assert.All(events.Take(300), e => Assert.True(e.IsInitial));
        Assert.All(events.Skip(300), e => Assert.Equal(2, Assert.IsType<MailboxStateEvent>(e).Mailbox.Counts.New));
    }

    [Fact]
    public async Task Every_event_names_its_kind_id_value_and_origin()
    {
        await using var cluster = await TestCluster.StartAsync(2, Output!);
        await using var all = await Recorder.StartAsync(cluster[1].Api, SubscriptionFilter.Everything);

        await cluster[0].Api.SetDeviceStateAsync(new DeviceId("SIP/a"), DeviceState.Busy);
        await cluster[0].Api.SetMailboxAsync(new MailboxId("a@ctx"), new MailboxCounts(1, 2, 1));
        await cluster[1].Api.SetPresenceAsync(new PresentityId("a"), new Presence(PresenceState.Dnd));

        await AwaitAssertAsync(() => Assert.Equal(3, all.Events.Count), Converge);
        var byKind = all.Events.ToDictionary(e => e.Kind);
        var device = Assert.IsType<DeviceStateEvent>(byKind[EntityKind.Device]);
        Assert.Equal(("SIP/a", DeviceState.Busy, "node1"), (device.Id, device.Device.State, device.Origin.Value));
        var mailbox = Assert.IsType<MailboxStateEvent>(byKind[EntityKind.Mailbox]);
        Assert.Equal(("a@ctx", new MailboxCounts(1, 2, 1), "node1"), (mailbox.Id, mailbox.Mailbox.Counts, mailbox.Origin.Value));
        var presence = Assert.IsType<PresenceStateEvent>(byKind[EntityKind.Presence]);
        Assert.Equal(("a", PresenceState.Dnd, "node2"), (presence.Id, presence.Presence.Presence.State, presence.Origin.Value));
    }

    [Fact]
    public async Task Idle_entity_actors_are_stopped_and_come_back_with_their_state()
    {
        await using var cluster = await TestCluster.StartAsync(2, Output!, o => o.PassivateIdleAfter = TimeSpan.FromMilliseconds(300));
        var runtime = ActorPresenceRuntime.Get(cluster[1].System);
        for (var i = 0; i < 10; i++)
        {
            await cluster[0].Api.SetMailboxAsync(new MailboxId($"9{i}"), new MailboxCounts(i, 0));
        }
        // Remote writes and reads create entity actors on node2 ...
        await AwaitAssertAsync(async () => Assert.Equal(10, (await cluster[1].Api.ListIdsAsync(EntityKind.Mailbox)).Count), Converge);
        await using (var sub = await Recorder.StartAsync(cluster[1].Api, SubscriptionFilter.Mailbox(new MailboxId("95"))))
        {
            Assert.True((await Stats(runtime, EntityKind.Mailbox)).LiveEntities >= 1);
        }

        // ... which stop once idle with no subscribers, and the state is still there.
        await AwaitAssertAsync(async () => Assert.Equal(0, (await Stats(runtime, EntityKind.Mailbox)).LiveEntities), Converge);
        Assert.Equal(new MailboxCounts(5, 0), (await cluster[1].Api.GetMailboxAsync(new MailboxId("95")))?.Counts);
        Assert.Equal(10, (await Stats(runtime, EntityKind.Mailbox)).Entities);

        // A device with a view of this node's own stays live.
        await cluster[1].Api.SetDeviceStateAsync(new DeviceId("PJSIP/own"), DeviceState.InUse);
        await cluster[0].Api.SetDeviceStateAsync(new DeviceId("PJSIP/other"), DeviceState.InUse);
        await AwaitAssertAsync(async () => Assert.NotNull(await cluster[1].Api.GetDeviceAsync(new DeviceId("PJSIP/other"))), Converge);
        await AwaitAssertAsync(async () => Assert.Equal(1, (await Stats(runtime, EntityKind.Device)).LiveEntities), Converge);
    }

    [Fact]
    public async Task Subscriptions_do_not_keep_idle_entity_actors_and_a_later_change_still_reaches_every_subscriber()
    {
        await using var cluster = await TestCluster.StartAsync(2, Output!, o => o.PassivateIdleAfter = TimeSpan.FromMilliseconds(300));
        var runtime = ActorPresenceRuntime.Get(cluster[1].System);
        var box = new MailboxId("960");
        await cluster[0].Api.SetMailboxAsync(box, new MailboxCounts(1, 0));
        await AwaitAssertAsync(async () => Assert.NotNull(await cluster[1].Api.GetMailboxAsync(box)), Converge);
        await using var one = await Recorder.StartAsync(cluster[1].Api, SubscriptionFilter.Mailbox(box));
        await using var prefix = await Recorder.StartAsync(cluster[1].Api, SubscriptionFilter.WithPrefix(EntityKind.Mailbox, "96"));
        await AwaitAssertAsync(() => Assert.All(new[] { one, prefix }, r => Assert.Single(r.Events)), Converge);

        // Idle, the actor stops although two subscriptions cover its entity ...
        await AwaitAssertAsync(async () => Assert.Equal(0, (await Stats(runtime, EntityKind.Mailbox)).LiveEntities), Converge);
        Assert.Equal(2, (await Stats(runtime, EntityKind.Mailbox)).Subscribers);

        // ... and the next change still comes to both (from the manager: the entity has no actor).
        await cluster[0].Api.SetMailboxAsync(box, new MailboxCounts(2, 1));
        await AwaitAssertAsync(() => Assert.All(new[] { one, prefix }, r =>
        {
            Assert.Equal(2, r.Events.Count);
            var change = Assert.IsType<MailboxStateEvent>(r.Events[1]);
            Assert.False(change.IsInitial);
            Assert.Equal(new MailboxCounts(2, 1), change.Mailbox.Counts);
        }), Converge);
    }

    [Fact]
    public async Task A_prefix_subscription_gets_every_change_of_many_entities_in_order_without_an_entity_actor_for_each()
    {
        await using var cluster = await TestCluster.StartAsync(2, Output!);
        var runtime = ActorPresenceRuntime.Get(cluster[1].System);
        await using var watcher = await Recorder.StartAsync(cluster[1].Api, SubscriptionFilter.WithPrefix(EntityKind.Device, "PJSIP/"));
        const int Devices = 200;

        foreach (var state in new[] { DeviceState.InUse, DeviceState.Ringing })
        {
            await Task.WhenAll(Enumerable.Range(0, Devices).Select(i => cluster[0].Api.SetDeviceStateAsync(new DeviceId($"PJSIP/{i}"), state)));
        }

        await AwaitAssertAsync(() =>
        {
            var changes = watcher.Events.Where(e => !e.IsInitial).Cast<DeviceStateEvent>().ToList();
            Assert.Equal(2 * Devices, changes.Count);
            foreach (var perDevice in changes.GroupBy(e => e.Id))
            {
                Assert.Equal([DeviceState.InUse, DeviceState.Ringing], perDevice.Select(e => e.Device.State));
                Assert.All(perDevice, e => Assert.Equal("node1", e.Origin.Value));
            }
        }, Converge);
        // Node2 wrote nothing: the subscription alone must not make it run an actor per device.
        Assert.Equal(0, (await Stats(runtime, EntityKind.Device)).LiveEntities);
    }

    private static Task<ManagerStats> Stats(ActorPresenceRuntime runtime, EntityKind kind) =>
        runtime.ManagerFor(kind).Ask<ManagerStats>(GetStats.Instance, TimeSpan.FromSeconds(5));
}
