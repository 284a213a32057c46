using ActorPresence.Domain;

namespace ActorPresence.Domain.Tests;

public sealed class DeviceIdTests
{
    [Theory]
    [InlineData("PJSIP/1000")]
    [InlineData("Custom:lamp1")]
    [InlineData("SIP/alice-0001;x=1")]
    [InlineData("!")]
    [InlineData("~")]
    public void A_printable_ascii_id_is_accepted_as_given(string value)
    {
        Assert.Equal(value, new DeviceId(value).Value);
    }

    [Fact]
    public void An_id_of_128_characters_is_accepted()
    {
        var value = new string('d', 128);

        Assert.Equal(value, new DeviceId(value).Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("PJSIP 1000")]
    [InlineData(" PJSIP/1000")]
    [InlineData("PJSIP/1000\t")]
    [InlineData("PJSIP/\n1000")]
    [InlineData("PJSIP/1000\r")]
    [InlineData("Custom:caf\u00e9")]
    [InlineData("\u00e9")]
    [InlineData("lamp\u007f")]
    [InlineData("lamp\u0000")]
    [InlineData("lamp\u00a0")]
    public void A_malformed_id_is_rejected_on_the_device_field(string value)
    {
        var e = Assert.Throws<ValidationException>(() => new DeviceId(value));

        Assert.Equal("device", e.Field);
    }

    [Fact]
    public void A_missing_id_is_rejected_on_the_device_field()
    {
        var e = Assert.Throws<ValidationException>(() => new DeviceId(null!));

        Assert.Equal("device", e.Field);
    }

    [Fact]
    public void An_id_of_129_characters_is_rejected_on_the_device_field()
    {
        var e = Assert.Throws<ValidationException>(() => new DeviceId(new string('d', 129)));

        Assert.Equal("device", e.Field);
        Assert.Contains("128", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_compare_by_ordinal_value()
    {
        Assert.Equal(new DeviceId("PJSIP/1000"), new DeviceId("PJSIP/1000"));
        Assert.NotEqual(new DeviceId("PJSIP/1000"), new DeviceId("pjsip/1000"));
        Assert.True(new DeviceId("PJSIP/1000").CompareTo(new DeviceId("pjsip/1000")) < 0);
    }
}

public sealed class MailboxIdTests
{
    [Fact]
    public void A_box_with_a_context_keeps_both_parts()
    {
        var id = new MailboxId("1000@default");

        Assert.Equal("1000", id.Box);
        Assert.Equal("default", id.Context);
        Assert.Equal("1000@default", id.Value);
    }

    [Fact]
    public void A_bare_box_gets_the_default_context()
    {
        var id = new MailboxId("1000");

        Assert.Equal("1000", id.Box);
        Assert.Equal("default", id.Context);
        Assert.Equal("1000@default", id.Value);
        Assert.Equal(new MailboxId("1000@default"), id);
    }

    [Fact]
    public void A_box_in_another_context_is_a_different_mailbox()
    {
        Assert.NotEqual(new MailboxId("1000@default"), new MailboxId("1000@sales"));
        Assert.Equal("1000@sales", new MailboxId("1000@sales").Value);
    }

    [Fact]
    public void Parts_of_64_characters_are_accepted()
    {
        var box = new string('b', 64);
        var context = new string('c', 64);

        Assert.Equal($"{box}@{context}", new MailboxId($"{box}@{context}").Value);
    }

    [Theory]
    [InlineData("@ctx")]
    [InlineData("box@")]
    [InlineData("@")]
    [InlineData("")]
    [InlineData("a@b@c")]
    [InlineData("10 00@default")]
    [InlineData("1000@def ault")]
    [InlineData("1000\t@default")]
    [InlineData("1000@default\n")]
    [InlineData("b\u00f6x@default")]
    public void A_malformed_mailbox_is_rejected_on_the_mailbox_field(string value)
    {
        var e = Assert.Throws<ValidationException>(() => new MailboxId(value));

        Assert.Equal("mailbox", e.Field);
    }

    [Fact]
    public void A_missing_mailbox_is_rejected_on_the_mailbox_field()
    {
        var e = Assert.Throws<ValidationException>(() => new MailboxId(null!));

        Assert.Equal("mailbox", e.Field);
    }

    [Fact]
    public void A_box_part_over_64_characters_is_rejected_naming_the_box_part()
    {
        var e = Assert.Throws<ValidationException>(() => new MailboxId(new string('b', 65) + "@default"));

        Assert.Equal("mailbox", e.Field);
        Assert.Contains("box part", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_context_part_over_64_characters_is_rejected_naming_the_context_part()
    {
        var e = Assert.Throws<ValidationException>(() => new MailboxId("1000@" + new string('c', 65)));

        Assert.Equal("mailbox", e.Field);
        Assert.Contains("context part", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bare_box_over_64_characters_is_rejected()
    {
        var e = Assert.Throws<ValidationException>(() => new MailboxId(new string('b', 65)));

        Assert.Equal("mailbox", e.Field);
    }
}

public sealed class PresentityIdTests
{
    [Theory]
    [InlineData("alice")]
    [InlineData("jos\u00e9")]
    [InlineData("Alice Smith")]
    [InlineData("\u4f1a\u8bae\u5ba4")]
    [InlineData("\U0001F600")]
    [InlineData("sip:alice@example.com")]
    public void A_printable_id_in_any_script_is_accepted_as_given(string value)
    {
        Assert.Equal(value, new PresentityId(value).Value);
    }

    [Fact]
    public void An_id_of_128_characters_is_accepted()
    {
        var value = new string('p', 128);

        Assert.Equal(value, new PresentityId(value).Value);
    }

    [Fact]
    public void An_emoji_counts_as_one_character_so_128_emoji_are_accepted()
    {
        var value = string.Concat(Enumerable.Repeat("\U0001F600", 128));
        Assert.Equal(256, value.Length);

        Assert.Equal(value, new PresentityId(value).Value);
    }

    [Fact]
    public void An_id_of_129_characters_is_rejected_on_the_presentity_field()
    {
        var e = Assert.Throws<ValidationException>(() => new PresentityId(new string('p', 129)));

        Assert.Equal("presentity", e.Field);
    }

    [Fact]
    public void An_id_of_129_emoji_is_rejected_on_the_presentity_field()
    {
        var e = Assert.Throws<ValidationException>(() => new PresentityId(string.Concat(Enumerable.Repeat("\U0001F600", 129))));

        Assert.Equal("presentity", e.Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("alice\u0000")]
    [InlineData("ali\nce")]
    [InlineData("\talice")]
    [InlineData("alice\u007f")]
    [InlineData("alice\u0085")]
    public void An_empty_id_or_one_with_control_characters_is_rejected_on_the_presentity_field(string value)
    {
        var e = Assert.Throws<ValidationException>(() => new PresentityId(value));

        Assert.Equal("presentity", e.Field);
    }

    [Fact]
    public void An_id_with_a_lone_surrogate_is_rejected_on_the_presentity_field()
    {
        // Built in code: attribute arguments cannot carry ill-formed UTF-16.
        string[] values = ["alice" + '\ud83d', '\ude00' + "alice", "a" + '\udc00' + '\ud83d' + "b", new string('\ud83d', 1)];

        foreach (var value in values)
        {
            var e = Assert.Throws<ValidationException>(() => new PresentityId(value));
            Assert.Equal("presentity", e.Field);
        }
    }

    [Fact]
    public void A_missing_id_is_rejected_on_the_presentity_field()
    {
        var e = Assert.Throws<ValidationException>(() => new PresentityId(null!));

        Assert.Equal("presentity", e.Field);
    }
}

public sealed class NodeNameTests
{
    [Theory]
    [InlineData("pbx-1")]
    [InlineData("node_2.example")]
    [InlineData("A")]
    [InlineData("0")]
    [InlineData("._-")]
    public void A_name_of_letters_digits_dots_underscores_and_dashes_is_accepted(string value)
    {
        Assert.Equal(value, new NodeName(value).Value);
    }

    [Fact]
    public void A_name_of_64_characters_is_accepted()
    {
        var value = new string('n', 64);

        Assert.Equal(value, new NodeName(value).Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("pbx 1")]
    [InlineData("pbx/1")]
    [InlineData("pbx:1")]
    [InlineData("pbx@1")]
    [InlineData("n\u00f6de")]
    [InlineData("pbx-1\n")]
    [InlineData("ap-node:pbx")]
    public void A_name_with_other_characters_is_rejected_on_the_node_name_field(string value)
    {
        var e = Assert.Throws<ValidationException>(() => new NodeName(value));

        Assert.Equal("node-name", e.Field);
    }

    [Fact]
    public void A_missing_name_is_rejected_on_the_node_name_field()
    {
        var e = Assert.Throws<ValidationException>(() => new NodeName(null!));

        Assert.Equal("node-name", e.Field);
    }

    [Fact]
    public void A_name_of_65_characters_is_rejected_on_the_node_name_field()
    {
        var e = Assert.Throws<ValidationException>(() => new NodeName(new string('n', 65)));

        Assert.Equal("node-name", e.Field);
    }
}

public sealed class SiteIdTests
{
    [Theory]
    [InlineData("berlin")]
    [InlineData("site-2")]
    [InlineData("0")]
    [InlineData("abcdefghijklmnopqrstuvwxyz012345")]
    public void Lower_case_letters_digits_and_dashes_up_to_32_are_a_site_id(string value)
    {
        Assert.Equal(value, new SiteId(value).Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Berlin")]
    [InlineData("new york")]
    [InlineData("a.b")]
    [InlineData("a_b")]
    [InlineData("@berlin")]
    [InlineData("münchen")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")]
    public void Anything_else_is_refused_saying_the_rule(string value)
    {
        var e = Assert.Throws<ValidationException>(() => new SiteId(value));

        Assert.Equal("site", e.Field);
        Assert.Contains("a–z, 0–9 or '-'", e.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void A_site_view_is_named_with_the_at_sign_and_parses_back()
    {
        var berlin = new SiteId("berlin");

        Assert.Equal("@berlin", berlin.ViewName);
        Assert.True(SiteId.TryParseView("@berlin", out var parsed));
        Assert.Equal(berlin, parsed);
    }

    [Theory]
    [InlineData("berlin")]
    [InlineData("@")]
    [InlineData("@Berlin")]
    [InlineData("ast:02:00:00:00:00:01")]
    [InlineData("node1")]
    public void A_node_view_or_a_malformed_name_is_not_a_site_view(string view)
    {
        Assert.False(SiteId.TryParseView(view, out var site));
        Assert.Null(site);
    }
}
