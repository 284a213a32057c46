using ActorPresence.Domain;

namespace ActorPresence.Domain.Tests;

public sealed class SubscriptionFilterTests
{
    [Fact]
    public void An_exact_device_filter_matches_only_that_device()
    {
        var filter = SubscriptionFilter.Device(new DeviceId("PJSIP/1000"));

        Assert.True(filter.Matches(EntityKind.Device, "PJSIP/1000"));
        Assert.False(filter.Matches(EntityKind.Device, "PJSIP/10000"));
        Assert.False(filter.Matches(EntityKind.Device, "PJSIP/100"));
        Assert.False(filter.Matches(EntityKind.Device, "pjsip/1000"));
    }

    [Fact]
    public void An_exact_filter_does_not_match_the_same_id_of_another_kind()
    {
        var filter = SubscriptionFilter.Presence(new PresentityId("1000"));

        Assert.True(filter.Matches(EntityKind.Presence, "1000"));
        Assert.False(filter.Matches(EntityKind.Device, "1000"));
        Assert.False(filter.Matches(EntityKind.Mailbox, "1000"));
    }

    [Fact]
    public void A_mailbox_filter_matches_the_canonical_id_with_its_context()
    {
        var filter = SubscriptionFilter.Mailbox(new MailboxId("1000"));

        Assert.True(filter.Matches(EntityKind.Mailbox, "1000@default"));
        Assert.False(filter.Matches(EntityKind.Mailbox, "1000@sales"));
        Assert.False(filter.Matches(EntityKind.Mailbox, "1000"));
    }

    [Fact]
    public void A_prefix_filter_matches_ids_that_start_with_the_prefix_ordinally()
    {
        var filter = SubscriptionFilter.WithPrefix(EntityKind.Device, "PJSIP/");

        Assert.True(filter.Matches(EntityKind.Device, "PJSIP/1000"));
        Assert.True(filter.Matches(EntityKind.Device, "PJSIP/"));
        Assert.False(filter.Matches(EntityKind.Device, "pjsip/1000"));
        Assert.False(filter.Matches(EntityKind.Device, "SIP/1000"));
        Assert.False(filter.Matches(EntityKind.Device, "PJSIP"));
        Assert.False(filter.Matches(EntityKind.Mailbox, "PJSIP/1000"));
    }

    [Fact]
    public void An_empty_prefix_matches_every_id_of_its_kind_only()
    {
        var filter = SubscriptionFilter.WithPrefix(EntityKind.Mailbox, "");

        Assert.True(filter.Matches(EntityKind.Mailbox, "1000@default"));
        Assert.False(filter.Matches(EntityKind.Presence, "alice"));
    }

    [Fact]
    public void A_null_prefix_is_refused()
    {
        Assert.Throws<ArgumentNullException>(() => SubscriptionFilter.WithPrefix(EntityKind.Device, null!));
    }

    [Theory]
    [InlineData(EntityKind.Device, "PJSIP/1000")]
    [InlineData(EntityKind.Mailbox, "1000@default")]
    [InlineData(EntityKind.Presence, "alice")]
    public void A_kind_filter_matches_every_id_of_that_kind_and_nothing_of_the_others(EntityKind kind, string id)
    {
        var filter = SubscriptionFilter.AllOf(kind);

        Assert.True(filter.Matches(kind, id));
        Assert.True(filter.Matches(kind, "anything-else"));
        foreach (var other in Enum.GetValues<EntityKind>().Where(k => k != kind))
        {
            Assert.False(filter.Matches(other, id));
        }
    }

    [Fact]
    public void Everything_matches_every_kind_and_id()
    {
        var filter = SubscriptionFilter.Everything;

        Assert.True(filter.Matches(EntityKind.Device, "PJSIP/1000"));
        Assert.True(filter.Matches(EntityKind.Mailbox, "1000@default"));
        Assert.True(filter.Matches(EntityKind.Presence, "jos\u00e9"));
        Assert.Null(filter.ExactId);
        Assert.Null(filter.Prefix);
    }
}
