using ActorPresence.Domain;
using ActorPresence.Entities;
using Akka.TestKit.Xunit2;

namespace ActorPresence.Tests.Pipeline;

public sealed class SubscriptionsTests : TestKit
{
    private Subscriber NewSubscriber() => new(CreateTestProbe(), new SubscriptionQueue(10));

    [Fact]
    public void An_entity_is_covered_by_its_own_subscribers_and_by_matching_prefixes_each_subscriber_once()
    {
        var one = NewSubscriber();
        var prefix = NewSubscriber();
        var both = NewSubscriber();
        var table = new Subscriptions(EntityKind.Device);
        table.Add(SubscriptionFilter.Device(new DeviceId("PJSIP/1000")), one, out _);
        table.Add(SubscriptionFilter.WithPrefix(EntityKind.Device, "PJSIP/"), prefix, out _);
        table.Add(SubscriptionFilter.WithPrefix(EntityKind.Device, "PJSIP/1"), both, out _);
        table.Add(SubscriptionFilter.Device(new DeviceId("PJSIP/1000")), both, out _);

        Assert.Equal(new HashSet<Subscriber> { one, prefix, both }, table.For("PJSIP/1000").ToHashSet());
        Assert.Equal(3, table.For("PJSIP/1000").Count);
        Assert.Equal([prefix], table.For("PJSIP/2000"));
        Assert.Empty(table.For("SIP/alice"));
        Assert.True(table.HasAny);
        Assert.Equal(3, table.SubscriberCount);
    }

    [Fact]
    public void Adding_the_same_subscription_twice_registers_it_once_and_says_whether_the_subscriber_is_new()
    {
        var subscriber = NewSubscriber();
        var table = new Subscriptions(EntityKind.Mailbox);
        var filter = SubscriptionFilter.WithPrefix(EntityKind.Mailbox, "1");

        Assert.True(table.Add(filter, subscriber, out var firstIsNew));
        Assert.False(table.Add(filter, subscriber, out var secondIsNew));
        Assert.True(table.Add(SubscriptionFilter.Mailbox(new MailboxId("1000@default")), subscriber, out var thirdIsNew));

        Assert.True(firstIsNew);
        Assert.False(secondIsNew);
        Assert.False(thirdIsNew);
    }

    [Fact]
    public void Removing_a_subscriber_forgets_all_of_its_subscriptions_and_says_what_they_covered()
    {
        var gone = NewSubscriber();
        var stays = NewSubscriber();
        var table = new Subscriptions(EntityKind.Presence);
        table.Add(SubscriptionFilter.Presence(new PresentityId("alice")), gone, out _);
        table.Add(SubscriptionFilter.WithPrefix(EntityKind.Presence, "b"), gone, out _);
        table.Add(SubscriptionFilter.Presence(new PresentityId("alice")), stays, out _);

        var removal = table.RemoveAll(gone.Actor);

        Assert.Equal(["alice"], removal.Ids);
        Assert.True(removal.Covers(EntityKind.Presence, "bob"));
        Assert.False(removal.Covers(EntityKind.Presence, "carol"));
        Assert.Equal([stays], table.For("alice"));
        Assert.Empty(table.For("bob"));
        Assert.Empty(table.RemoveAll(gone.Actor).Ids);
    }

    [Fact]
    public void A_subscriber_that_falls_its_limit_behind_is_ended_with_an_overflow_and_its_actor_stopped()
    {
        var actor = CreateTestProbe();
        Watch(actor);
        var queue = new SubscriptionQueue(changeLimit: 2);
        var subscriber = new Subscriber(actor, queue);
        var change = new MailboxStateEvent(
            new MailboxSnapshot(new MailboxId("1"), new MailboxCounts(1, 0), new NodeName("n1"), DateTimeOffset.UnixEpoch), new NodeName("n1"), IsInitial: false);

        subscriber.Deliver(change);
        subscriber.Deliver(change);
        subscriber.Deliver(change);

        ExpectTerminated(actor);
        Assert.IsType<SubscriptionOverflowException>(queue.Ended.Exception?.InnerException);
        Assert.Equal(2, queue.Reader.Count);
    }
}
