namespace ActorPresence.Sip.Tests;

/// <summary>SIP URIs, name-addrs and Via values as the edge reads them out of parsed headers.</summary>
public sealed class SipTextTests
{
    [Fact]
    public void A_SIP_URI_is_read_into_scheme_user_host_port_and_parameters()
    {
        var uri = SipUri.TryParse("SIPS:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?Subject=hi")!;

        Assert.Equal(("sips", "alice", "2001:db8::1", (int?)5061), (uri.Scheme, uri.User, uri.Host, uri.Port));
        Assert.Equal("tcp", uri.Parameters["transport"]);
        Assert.Equal("", uri.Parameters["lr"]);
        Assert.Equal("[2001:db8::1]", uri.HostText);
        Assert.Equal("sips:alice@[2001:db8::1]:5061;transport=tcp;lr", uri.ToString());
    }

    [Fact]
    public void A_user_part_may_hold_a_semicolon_and_escapes_which_are_unescaped()
    {
        var uri = SipUri.TryParse("sip:1000;phone-context=x%40y@pbx.example;user=phone")!;

        Assert.Equal("1000;phone-context=x@y", uri.User);
        Assert.Equal("pbx.example", uri.Host);
        Assert.Equal("phone", uri.Parameters["user"]);
    }

    /// <summary>RFC 3261 25.1 lets a user part hold '?' (user-unreserved), and SipSettings.IsSipUser accepts it,
    /// but SipUri.TryParse cuts the URI at the first '?' as if the headers began there.</summary>
    [Fact]
    public void A_question_mark_in_the_user_part_stays_in_the_user()
    {
        var uri = SipUri.TryParse("sip:a?b@pbx.example");

        Assert.NotNull(uri);
        Assert.Equal(("a?b", "pbx.example"), (uri.User, uri.Host));
        Assert.True(SipSettings.IsSipUser(uri.User!));
    }

    [Theory]
    [InlineData("tel:+15551234")]
    [InlineData("sip:")]
    [InlineData("sip:@host")]
    [InlineData("sip:user@")]
    [InlineData("sip:user@host:0")]
    [InlineData("sip:user@host:65536")]
    [InlineData("sip:user@ho st")]
    [InlineData("sip:user@[::1")]
    [InlineData("sip:user@[::1]x")]
    [InlineData("nocolon")]
    [InlineData("")]
    public void A_URI_that_is_not_a_usable_SIP_URI_is_refused(string text)
    {
        Assert.Null(SipUri.TryParse(text));
    }

    [Fact]
    public void A_name_addr_with_a_quoted_display_name_holding_brackets_and_escapes_is_read()
    {
        var value = NameAddr.TryParse("\"Bob \\\"<the builder>\\\" \" <sip:bob@pbx.example;transport=tcp> ; tag = 7x ;expires=60")!;

        Assert.Equal("sip:bob@pbx.example;transport=tcp", value.Uri);
        Assert.Equal("7x", value.Tag);
        Assert.Equal("60", value.Parameters["expires"]);
    }

    [Fact]
    public void An_addr_spec_gives_its_parameters_to_the_header()
    {
        var value = NameAddr.TryParse("sip:bob@pbx.example;tag=9")!;

        Assert.Equal("sip:bob@pbx.example", value.Uri);
        Assert.Equal("9", value.Tag);
    }

    [Fact]
    public void A_Via_is_read_with_its_transport_sent_by_and_parameters()
    {
        var via = Via.TryParse("SIP / 2.0 / tcp [2001:db8::9]:5070 ;branch=z9hG4bK-1;received=192.0.2.1;rport")!;

        Assert.Equal(("TCP", "2001:db8::9", (int?)5070), (via.Transport, via.Host, via.Port));
        Assert.Equal("z9hG4bK-1", via.Branch);
        Assert.Equal("192.0.2.1", via.Parameters["received"]);
        Assert.Equal("", via.Parameters["rport"]);
    }

    [Fact]
    public void A_list_is_split_at_commas_outside_quotes_and_angle_brackets()
    {
        Assert.Equal(
            ["\"Doe, John\" <sip:j@x;a=1,2>", "<sip:k@y>", "sip:l@z"],
            SipText.SplitList("\"Doe, John\" <sip:j@x;a=1,2> , <sip:k@y>,, sip:l@z ,"));
    }

    [Fact]
    public void A_quoted_digest_value_escapes_backslashes_and_quotes()
    {
        Assert.Equal("\"a\\\\b\\\"c\"", SipText.Quote("a\\b\"c"));
    }
}
