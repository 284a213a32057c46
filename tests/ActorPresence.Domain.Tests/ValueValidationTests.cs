using ActorPresence.Domain;

namespace ActorPresence.Domain.Tests;

public sealed class MailboxCountsTests
{
    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(2, 5, 1)]
    [InlineData(3, 0, 3)]
    [InlineData(int.MaxValue, int.MaxValue, int.MaxValue)]
    public void Counts_with_urgent_at_most_new_are_accepted(int @new, int old, int urgent)
    {
        var counts = new MailboxCounts(@new, old, urgent);

        Assert.Equal(@new, counts.New);
        Assert.Equal(old, counts.Old);
        Assert.Equal(urgent, counts.Urgent);
    }

    [Fact]
    public void Urgent_defaults_to_zero()
    {
        Assert.Equal(0, new MailboxCounts(4, 1).Urgent);
    }

    [Theory]
    [InlineData(-1, 0, 0, "new")]
    [InlineData(int.MinValue, 0, 0, "new")]
    [InlineData(0, -1, 0, "old")]
    [InlineData(5, -3, 0, "old")]
    [InlineData(0, 0, -1, "urgent")]
    [InlineData(5, 5, -1, "urgent")]
    public void A_negative_count_is_rejected_naming_its_field(int @new, int old, int urgent, string field)
    {
        var e = Assert.Throws<ValidationException>(() => new MailboxCounts(@new, old, urgent));

        Assert.Equal(field, e.Field);
        Assert.Contains("negative", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(1, 9, 2)]
    public void More_urgent_than_new_messages_is_rejected_on_the_urgent_field(int @new, int old, int urgent)
    {
        var e = Assert.Throws<ValidationException>(() => new MailboxCounts(@new, old, urgent));

        Assert.Equal("urgent", e.Field);
        Assert.Contains("new", e.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void The_lamp_is_on_while_there_is_a_new_message()
    {
        Assert.True(new MailboxCounts(1, 0).MessageWaiting);
        Assert.False(new MailboxCounts(0, 7).MessageWaiting);
    }

    [Fact]
    public void Counts_are_equal_by_value()
    {
        Assert.Equal(new MailboxCounts(2, 5, 1), new MailboxCounts(2, 5, 1));
        Assert.NotEqual(new MailboxCounts(2, 5, 1), new MailboxCounts(2, 5, 0));
    }
}

public sealed class PresenceTests
{
    [Fact]
    public void Subtype_and_message_default_to_empty()
    {
        var presence = new Presence(PresenceState.Available);

        Assert.Equal("", presence.Subtype);
        Assert.Equal("", presence.Message);
    }

    [Fact]
    public void A_subtype_of_64_and_a_message_of_512_characters_are_accepted()
    {
        var presence = new Presence(PresenceState.Away, new string('s', 64), new string('m', 512));

        Assert.Equal(64, presence.Subtype.Length);
        Assert.Equal(512, presence.Message.Length);
    }

    [Fact]
    public void A_message_of_512_emoji_is_accepted_because_each_counts_as_one_character()
    {
        var message = string.Concat(Enumerable.Repeat("\U0001F4DE", 512));

        Assert.Equal(message, new Presence(PresenceState.Dnd, "on-the-phone", message).Message);
    }

    [Fact]
    public void A_unicode_message_with_spaces_is_accepted_as_given()
    {
        var presence = new Presence(PresenceState.Away, "lunch", "en r\u00e9union \U0001F4DE \u4f1a\u8bae\u4e2d");

        Assert.Equal("en r\u00e9union \U0001F4DE \u4f1a\u8bae\u4e2d", presence.Message);
    }

    [Fact]
    public void A_subtype_of_65_characters_is_rejected_on_the_subtype_field()
    {
        var e = Assert.Throws<ValidationException>(() => new Presence(PresenceState.Away, new string('s', 65)));

        Assert.Equal("subtype", e.Field);
    }

    [Fact]
    public void A_message_of_513_characters_is_rejected_on_the_message_field()
    {
        var e = Assert.Throws<ValidationException>(() => new Presence(PresenceState.Away, "", new string('m', 513)));

        Assert.Equal("message", e.Field);
    }

    [Theory]
    [InlineData("on\nthe phone")]
    [InlineData("bell\u0007")]
    [InlineData("\u001b[31m")]
    [InlineData("tab\there")]
    public void A_subtype_with_control_characters_is_rejected_on_the_subtype_field(string subtype)
    {
        var e = Assert.Throws<ValidationException>(() => new Presence(PresenceState.Away, subtype, "fine"));

        Assert.Equal("subtype", e.Field);
    }

    [Theory]
    [InlineData("back at\n2pm")]
    [InlineData("bell\u0007")]
    [InlineData("nul\u0000")]
    [InlineData("c1\u009b")]
    public void A_message_with_control_characters_is_rejected_on_the_message_field(string message)
    {
        var e = Assert.Throws<ValidationException>(() => new Presence(PresenceState.Away, "fine", message));

        Assert.Equal("message", e.Field);
    }

    [Fact]
    public void A_message_with_a_lone_surrogate_is_rejected_on_the_message_field()
    {
        var e = Assert.Throws<ValidationException>(() => new Presence(PresenceState.Away, "", "broken " + '\ud83d'));

        Assert.Equal("message", e.Field);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(-1)]
    [InlineData(255)]
    public void An_undefined_presence_state_is_rejected_on_the_state_field(int raw)
    {
        var e = Assert.Throws<ValidationException>(() => new Presence((PresenceState)raw));

        Assert.Equal("state", e.Field);
    }

    [Fact]
    public void Presences_are_equal_by_value()
    {
        Assert.Equal(new Presence(PresenceState.Away, "x", "lunch"), new Presence(PresenceState.Away, "x", "lunch"));
        Assert.NotEqual(new Presence(PresenceState.Away, "x", "lunch"), new Presence(PresenceState.Away, "x", "Lunch"));
        Assert.Equal(new Presence(PresenceState.Chat), new Presence(PresenceState.Chat, "", ""));
    }
}
