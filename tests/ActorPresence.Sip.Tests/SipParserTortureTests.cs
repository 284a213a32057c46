using System.Text;

namespace ActorPresence.Sip.Tests;

/// <summary>
/// Messages in the spirit of RFC 4475's torture tests, written for the methods this edge serves: each
/// gets a definite status and none makes the parser throw.
/// </summary>
public sealed class SipParserTortureTests
{
    private static SipParseResult Parse(string text) => SipParser.Parse(Encoding.UTF8.GetBytes(text));

    private static string Crlf(params string[] lines) => string.Concat(lines.Select(l => l + "\r\n"));

    private static string Headers(params string[] extra) => Crlf(SipSamples.SubscribeHeaders(extra));

    [Fact]
    public void A_short_tortuous_SUBSCRIBE_with_folding_odd_case_and_spacing_is_read()
    {
        var text = Crlf(
            "SUBSCRIBE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0",
            "TO :",
            " <sip:vivekg@chair-dnrc.example.com> ;   tag    = 1918181833n",
            "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>",
            "  ;",
            "  tag = 98asjd8",
            "MaX-fOrWaRdS: 0068",
            "Call-ID: wsinv.ndaksdj@192.0.2.1",
            "Content-Length   : 0",
            "cseq: 0009",
            "  SUBSCRIBE",
            "Via  : SIP  /   2.0",
            " /UDP",
            "    192.0.2.2;branch=390skdjuw",
            "s :",
            "NewFangledHeader:   newfangled value",
            " continued newfangled value",
            "UnknownHeaderWithUnusualValue: ;;,,;;,;",
            "o: presence",
            "m: <sip:vivekg@192.0.2.2>") + "\r\n";

        var result = Parse(text);

        Assert.Equal(SipParseStatus.Ok, result.Status);
        var m = result.Message!;
        Assert.Equal((9L, "SUBSCRIBE"), m.CSeq);
        Assert.Equal("1918181833n", NameAddr.TryParse(m["To"])!.Tag);
        Assert.Equal("98asjd8", NameAddr.TryParse(m["From"])!.Tag);
        Assert.Equal("sip:jdrosen@example.com", NameAddr.TryParse(m["From"])!.Uri);
        var via = Via.TryParse(m["Via"]!)!;
        Assert.Equal(("UDP", "192.0.2.2", "390skdjuw"), (via.Transport, via.Host, via.Branch));
        Assert.Equal("", m["Subject"]);
        Assert.Equal("newfangled value continued newfangled value", m["NewFangledHeader"]);
        Assert.Equal("0068", m["Max-Forwards"]);
    }

    /// <summary>RFC 3261 25.1: SEMI is SWS ";" SWS, so whitespace may stand before a header parameter of an
    /// addr-spec as it may after a name-addr's '>' (RFC 4475 3.1.1.1 has "TO : sip:... ;   tag = ...").</summary>
    [Fact]
    public void An_addr_spec_To_with_whitespace_before_its_tag_parameter_is_read_as_RFC_3261_allows()
    {
        var headers = SipSamples.SubscribeHeaders("Content-Length: 0")
            .Select(h => h.StartsWith("To:", StringComparison.Ordinal) ? "To: sip:1000@127.0.0.1 ;   tag    = 1918181833n" : h);

        var result = SipParser.Parse(SipSamples.Bytes(SipSamples.SubscribeLine, headers));

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Equal("1918181833n", NameAddr.TryParse(result.Message!["To"])!.Tag);
    }

    [Fact]
    public void Escaped_characters_in_the_request_URI_and_display_names_are_kept_as_sent_and_read_by_SipUri()
    {
        var text = Crlf("SUBSCRIBE sip:%31%30%30%30@127.0.0.1;transport=tcp SIP/2.0")
            + Headers("Subject: %20not unescaped%2C", "Content-Length: 0").Replace(
                "From: \"Desk 2000\"", "From: \"Desk \\\"2000\\\" <main>, \\\\ \"", StringComparison.Ordinal) + "\r\n";

        var result = Parse(text);

        Assert.True(result.Status == SipParseStatus.Ok, result.Error);
        Assert.Equal("sip:%31%30%30%30@127.0.0.1;transport=tcp", result.Message!.RequestUri);
        var uri = SipUri.TryParse(result.Message.RequestUri)!;
        Assert.Equal("1000", uri.User);
        Assert.Equal("tcp", uri.Parameters["transport"]);
        Assert.Equal("a1", NameAddr.TryParse(result.Message["From"])!.Tag);
        Assert.Equal("sip:2000@127.0.0.1", NameAddr.TryParse(result.Message["From"])!.Uri);
        Assert.Equal("%20not unescaped%2C", result.Message["Subject"]);
    }

    [Fact]
    public void CRLFs_before_the_start_line_are_ignored()
    {
        Assert.Equal(SipParseStatus.Ok, Parse("\r\n" + Crlf(SipSamples.SubscribeLine) + Headers("Content-Length: 0") + "\r\n").Status);
    }

    [Fact]
    public void Whitespace_before_a_headers_colon_and_tabs_in_its_value_are_allowed()
    {
        var result = Parse(Crlf(SipSamples.SubscribeLine) + Headers("Event\t :\tpresence;\tid=1", "Content-Length: 0") + "\r\n");

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Equal("presence;\tid=1", result.Message!.Values("Event").Last());
    }

    [Fact]
    public void An_unknown_request_URI_scheme_is_for_the_edge_to_answer_not_for_the_parser_to_refuse()
    {
        var result = Parse(Crlf("SUBSCRIBE nobodyknowsthisscheme:totallyopaquecontent SIP/2.0") + Headers("Content-Length: 0") + "\r\n");

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Null(SipUri.TryParse(result.Message!.RequestUri));
    }

    [Fact]
    public void An_unknown_scheme_in_From_is_a_well_formed_name_addr()
    {
        var result = Parse(Crlf(SipSamples.SubscribeLine) + Headers("Content-Length: 0").Replace(
            "<sip:2000@127.0.0.1>", "<urn:service:sos>", StringComparison.Ordinal) + "\r\n");

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Null(SipUri.TryParse(NameAddr.TryParse(result.Message!["From"])!.Uri));
    }

    [Theory]
    [InlineData("Content-Length: 0|Content-Length: 0", "more than one Content-Length")]
    [InlineData("l: 0|Content-Length: 0", "more than one Content-Length")]
    [InlineData("Content-Length: -1", "a malformed Content-Length")]
    [InlineData("Content-Length: +4", "a malformed Content-Length")]
    [InlineData("Content-Length: 4 4", "a malformed Content-Length")]
    [InlineData("Content-Length: 0x4", "a malformed Content-Length")]
    [InlineData("Content-Length: 99999999999999999999", "a malformed Content-Length")]
    [InlineData("Content-Length: 2147483648", "a malformed Content-Length")]
    [InlineData("Content-Length: 65536", "Content-Length 65536 beyond the 4 bytes received")]
    [InlineData("Content-Length: ", "a malformed Content-Length")]
    public void A_Content_Length_that_is_doubled_negative_huge_or_malformed_is_refused(string lengths, string error)
    {
        var result = Parse(Crlf(SipSamples.SubscribeLine) + Headers(lengths.Split('|')) + "\r\nbody");

        Assert.Equal(SipParseStatus.Bad, result.Status);
        Assert.Equal(error, result.Error);
        Assert.True(result.CanAnswer);
    }

    [Theory]
    [InlineData("SUBSCRIBE sip:1000@127.0.0.1 SIP/7.0")]
    [InlineData("SUBSCRIBE sip:1000@127.0.0.1 SIP/2.00")]
    [InlineData("SIP/1.0 200 OK")]
    [InlineData("SIP/2.1 200 OK")]
    public void A_SIP_version_other_than_2_0_is_refused(string startLine)
    {
        var result = Parse(Crlf(startLine) + Headers("Content-Length: 0") + "\r\n");

        Assert.Equal(SipParseStatus.Bad, result.Status);
        Assert.Equal("unsupported SIP version", result.Error);
        Assert.Null(result.Message);
    }

    [Theory]
    [InlineData("SUBSCRIBE  sip:1000@127.0.0.1 SIP/2.0")]
    [InlineData("SUBSCRIBE sip:1000@127.0.0.1  SIP/2.0")]
    [InlineData("SUBSCRIBE sip:1000 @127.0.0.1 SIP/2.0")]
    [InlineData("SUB@SCRIBE sip:1000@127.0.0.1 SIP/2.0")]
    [InlineData("SUBSCRIBE\tsip:1000@127.0.0.1 SIP/2.0")]
    [InlineData("SIP/2.0 99 Too Low")]
    [InlineData("SIP/2.0 700 Too High")]
    [InlineData("SIP/2.0 2000 OK")]
    [InlineData("SIP/2.0 abc OK")]
    [InlineData("SIP/2.0")]
    public void A_malformed_start_line_of_a_SIP_message_is_refused(string startLine)
    {
        var result = Parse(Crlf(startLine) + Headers("Content-Length: 0") + "\r\n");

        Assert.Equal(SipParseStatus.Bad, result.Status);
        Assert.Null(result.Message);
    }

    [Fact]
    public void A_status_line_without_a_reason_phrase_is_read()
    {
        var result = Parse(Crlf("SIP/2.0 200") + Crlf(SipSamples.OkHeaders()) + "\r\n");

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Equal("", result.Message!.Reason);
    }

    /// <summary>The parser refuses control characters in header values; the start line is read into the same
    /// logs and URIs, so a NUL or a bare CR there must be refused too (RFC 3261 25.1 allows neither).</summary>
    [Theory]
    [InlineData("SUBSCRIBE sip:10\u000000@127.0.0.1 SIP/2.0")]
    [InlineData("SUBSCRIBE sip:1000@127.0.0.1\rX-Injected:yes SIP/2.0")]
    [InlineData("SIP/2.0 200 O\u0000K")]
    public void A_control_character_in_the_start_line_is_refused_as_in_a_header(string startLine)
    {
        var headers = startLine.StartsWith("SIP/", StringComparison.Ordinal) ? Crlf(SipSamples.OkHeaders()) : Headers("Content-Length: 0");

        var result = Parse(Crlf(startLine) + headers + "\r\n");

        Assert.Equal(SipParseStatus.Bad, result.Status);
    }

    [Theory]
    [InlineData("Subject: a\u0000b")]
    [InlineData("Subject: a\rb")]
    [InlineData("Subject: a\u007fb")]
    [InlineData("Subject: a\u001bb")]
    public void A_control_character_in_a_header_value_is_refused(string header)
    {
        var result = Parse(Crlf(SipSamples.SubscribeLine) + Headers(header, "Content-Length: 0") + "\r\n");

        Assert.Equal(SipParseStatus.Bad, result.Status);
        Assert.Equal("a control character in header Subject", result.Error);
        Assert.True(result.CanAnswer);
    }

    [Theory]
    [InlineData("Sub\u0000ject: x", "a malformed header name")]
    [InlineData("Bad Name: x", "a malformed header name")]
    [InlineData("Naïve: x", "a malformed header name")]
    [InlineData(": no name", "a header line without a colon")]
    [InlineData("NoColonHere", "a header line without a colon")]
    public void A_header_line_without_a_well_formed_name_is_refused(string header, string error)
    {
        var result = Parse(Crlf(SipSamples.SubscribeLine) + Headers(header, "Content-Length: 0") + "\r\n");

        Assert.Equal(SipParseStatus.Bad, result.Status);
        Assert.Equal(error, result.Error);
    }

    [Fact]
    public void A_continuation_line_before_any_header_is_refused()
    {
        var result = Parse(Crlf(SipSamples.SubscribeLine, " folded onto nothing") + Headers("Content-Length: 0") + "\r\n");

        Assert.Equal(SipParseStatus.Bad, result.Status);
        Assert.Equal("a continuation line before any header", result.Error);
        Assert.False(result.CanAnswer);
    }

    [Fact]
    public void NUL_bytes_and_bytes_that_are_not_UTF_8_in_the_body_are_carried_as_they_are()
    {
        var head = Encoding.UTF8.GetBytes(Crlf(SipSamples.SubscribeLine) + Headers("Content-Length: 5") + "\r\n");
        byte[] body = [0x00, 0xff, 0xfe, 0xc0, 0x00];

        var result = SipParser.Parse([.. head, .. body]);

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Equal(body, result.Message!.Body);
    }

    [Theory]
    [InlineData(new byte[] { 0xff })]
    [InlineData(new byte[] { 0xc0, 0xaf })]
    [InlineData(new byte[] { 0xed, 0xa0, 0x80 })]
    [InlineData(new byte[] { 0xe2, 0x82 })]
    public void Headers_that_are_not_UTF_8_make_a_SIP_message_bad(byte[] invalid)
    {
        var before = Encoding.UTF8.GetBytes(Crlf(SipSamples.SubscribeLine) + "Subject: x");
        var after = Encoding.UTF8.GetBytes("\r\n" + Headers("Content-Length: 0") + "\r\n");

        var result = SipParser.Parse([.. before, .. invalid, .. after]);

        Assert.Equal(SipParseStatus.Bad, result.Status);
        Assert.Equal("headers are not UTF-8", result.Error);
    }

    [Fact]
    public void UTF_8_in_a_display_name_is_read()
    {
        var result = Parse(Crlf(SipSamples.SubscribeLine) + Headers("Content-Length: 0").Replace("Desk 2000", "Bürotelefon 東京", StringComparison.Ordinal) + "\r\n");

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Contains("Bürotelefon 東京", result.Message!["From"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("From: \"Bob <sip:2000@127.0.0.1>;tag=a1")]
    [InlineData("From: <sip:2000@127.0.0.1;tag=a1")]
    [InlineData("From: <>;tag=a1")]
    [InlineData("From: ;tag=a1")]
    public void A_From_with_an_unclosed_quote_or_bracket_or_no_URI_is_refused(string from)
    {
        var headers = SipSamples.SubscribeHeaders("Content-Length: 0").Select(h => h.StartsWith("From:", StringComparison.Ordinal) ? from : h);

        var result = SipParser.Parse(SipSamples.Bytes(SipSamples.SubscribeLine, headers));

        Assert.Equal(SipParseStatus.Bad, result.Status);
        Assert.Equal("a malformed From or To", result.Error);
    }

    [Theory]
    [InlineData("Call-ID: two words@host")]
    [InlineData("Call-ID: ")]
    public void A_Call_ID_with_a_space_or_nothing_is_refused(string callId)
    {
        var headers = SipSamples.SubscribeHeaders("Content-Length: 0").Select(h => h.StartsWith("Call-ID:", StringComparison.Ordinal) ? callId : h);

        var result = SipParser.Parse(SipSamples.Bytes(SipSamples.SubscribeLine, headers));

        Assert.Equal(SipParseStatus.Bad, result.Status);
        Assert.Equal("a malformed Call-ID", result.Error);
    }

    [Fact]
    public void A_Call_ID_over_256_characters_is_refused()
    {
        var headers = SipSamples.SubscribeHeaders("Content-Length: 0").Select(h => h.StartsWith("Call-ID:", StringComparison.Ordinal) ? "Call-ID: " + new string('c', 257) : h);

        Assert.Equal("a malformed Call-ID", SipParser.Parse(SipSamples.Bytes(SipSamples.SubscribeLine, headers)).Error);
    }

    [Theory]
    [InlineData("Expires: 99999999999", 4294967295L)]
    [InlineData("Expires: 0", 0L)]
    [InlineData("Expires: 00060", 60L)]
    public void An_Expires_beyond_32_bits_is_read_as_the_largest_32_bit_value(string expires, long read)
    {
        var headers = SipSamples.SubscribeHeaders("Content-Length: 0").Select(h => h.StartsWith("Expires:", StringComparison.Ordinal) ? expires : h);

        var result = SipParser.Parse(SipSamples.Bytes(SipSamples.SubscribeLine, headers));

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Equal(read, result.Message!.Expires);
    }

    [Fact]
    public void A_Via_with_a_bad_port_or_host_is_refused()
    {
        foreach (var via in (string[])["Via: SIP/2.0/UDP host:99999;branch=z9hG4bK-1", "Via: SIP/2.0/UDP host:0", "Via: SIP/2.0/UDP [::1", "Via: SIP/2.0/UDP", "Via: SIP/2.0 UDP host", "Via: SIP/2.0/UDP ho\"st"])
        {
            var headers = SipSamples.SubscribeHeaders("Content-Length: 0").Select(h => h.StartsWith("Via:", StringComparison.Ordinal) ? via : h);

            var result = SipParser.Parse(SipSamples.Bytes(SipSamples.SubscribeLine, headers));

            Assert.True(result.Status == SipParseStatus.Bad && result.Error == "a malformed Via", $"{via}: {result.Status} {result.Error}");
        }
    }
}
