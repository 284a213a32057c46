using ActorPresence.Domain;
using ActorPresence.Entities;
using Akka.TestKit.Xunit2;

namespace ActorPresence.Tests.Pipeline;

public sealed class SubscriptionsTests : TestKit
{
    [Fact]
    public void An_entity_is_covered_by_its_own_subscribers_and_by_matching_prefixes_each_subscriber_once()
    {
        var one = CreateTestProbe();
        var prefix = CreateTestProbe();
        var both = CreateTestProbe();
        var table = new Subscriptions(EntityKind.Device);
        table.Add(SubscriptionFilter.Device(new DeviceId("PJSIP/1000")), one, out _);
        table.Add(SubscriptionFilter.WithPrefix(EntityKind.Device, "PJSIP/"), prefix, out _);
        table.Add(SubscriptionFilter.WithPrefix(EntityKind.Device, "PJSIP/1"), both, out _);
        table.Add(SubscriptionFilter.Device(new DeviceId("PJSIP/1000")), both, out _);

        Assert.Equal([one.Ref, both.Ref, prefix.Ref], table.For("PJSIP/1000").OrderBy(r => r == one.Ref ? 0 : r == both.Ref ? 1 : 2));
        Assert.Equal(3, table.For("PJSIP/1000").Count);
        Assert.Equal([prefix.Ref], table.For("PJSIP/2000"));
        Assert.True(table.Covers("PJSIP/2000"));
        Assert.False(table.Covers("SIP/alice"));
        Assert.Equal(3, table.SubscriberCount);
    }

    [Fact]
    public void Adding_the_same_subscription_twice_registers_it_once_and_says_whether_the_subscriber_is_new()
    {
        var subscriber = CreateTestProbe();
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
        var gone = CreateTestProbe();
        var stays = CreateTestProbe();
        var table = new Subscriptions(EntityKind.Presence);
        table.Add(SubscriptionFilter.Presence(new PresentityId("alice")), gone, out _);
        table.Add(SubscriptionFilter.WithPrefix(EntityKind.Presence, "b"), gone, out _);
        table.Add(SubscriptionFilter.Presence(new PresentityId("alice")), stays, out _);

        var removal = table.RemoveAll(gone);

        Assert.Equal(["alice"], removal.Ids);
        Assert.True(removal.Covers(EntityKind.Presence, "bob"));
        Assert.False(removal.Covers(EntityKind.Presence, "carol"));
        Assert.Equal([stays.Ref], table.For("alice"));
        Assert.False(table.Covers("bob"));
        Assert.Empty(table.RemoveAll(gone).Ids);
    }
}
