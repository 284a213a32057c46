using System.Text;

namespace ActorPresence.Sip.Tests;

/// <summary>What the parser accepts, how it reads it, and each rule and limit it refuses on.</summary>
public sealed class SipParserTests
{
    private static SipParseResult Parse(byte[] data) => SipParser.Parse(data);

    private static SipParseResult Parse(string text) => SipParser.Parse(Encoding.UTF8.GetBytes(text));

    private static SipParseResult Bad(SipParseResult result)
    {
        Assert.True(result.Status == SipParseStatus.Bad, $"expected Bad, got {result.Status} ({result.Error})");
        Assert.NotNull(result.Error);
        return result;
    }

    // ---- well-formed messages ----

    [Fact]
    public void A_well_formed_SUBSCRIBE_is_read_with_its_start_line_headers_and_empty_body()
    {
        var result = Parse(SipSamples.Subscribe());

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Null(result.Error);
        var m = result.Message!;
        Assert.True(m.IsRequest);
        Assert.Equal("SUBSCRIBE", m.Method);
        Assert.Equal("sip:1000@127.0.0.1", m.RequestUri);
        Assert.Equal(0, m.Status);
        Assert.Equal((1L, "SUBSCRIBE"), m.CSeq);
        Assert.Equal(3600L, m.Expires);
        Assert.Equal("dialog", m["Event"]);
        Assert.Equal("c1@10.0.0.7", m["call-id"]);
        Assert.Equal("z9hG4bK-s1", Via.TryParse(m["Via"]!)!.Branch);
        Assert.Equal("a1", NameAddr.TryParse(m["From"])!.Tag);
        Assert.Null(NameAddr.TryParse(m["To"])!.Tag);
        Assert.Equal(11, m.Headers.Count);
        Assert.Empty(m.Body);
    }

    [Fact]
    public void A_well_formed_NOTIFY_carries_exactly_the_body_its_Content_Length_declares()
    {
        var result = Parse(SipSamples.Notify());

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Equal("NOTIFY", result.Message!.Method);
        Assert.Equal(SipSamples.DialogBody, Encoding.UTF8.GetString(result.Message.Body));
        Assert.Equal("application/dialog-info+xml", result.Message["Content-Type"]);
    }

    [Fact]
    public void A_well_formed_response_is_read_with_its_status_and_reason()
    {
        var result = Parse(SipSamples.Ok());

        Assert.Equal(SipParseStatus.Ok, result.Status);
        var m = result.Message!;
        Assert.False(m.IsRequest);
        Assert.Null(m.Method);
        Assert.Equal(200, m.Status);
        Assert.Equal("OK", m.Reason);
        Assert.Equal((1L, "SUBSCRIBE"), m.CSeq);
        Assert.Equal("srv", NameAddr.TryParse(m["To"])!.Tag);
    }

    [Fact]
    public void A_reason_phrase_with_spaces_is_kept_whole()
    {
        var headers = SipSamples.OkHeaders();

        var result = Parse(SipSamples.Bytes("SIP/2.0 489 Bad Event Package", headers));

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Equal(489, result.Message!.Status);
        Assert.Equal("Bad Event Package", result.Message.Reason);
    }

    [Fact]
    public void What_the_parser_reads_is_written_back_by_ToBytes_and_reads_the_same_again()
    {
        var first = Parse(SipSamples.Notify()).Message!;

        var again = Parse(first.ToBytes());

        Assert.Equal(SipParseStatus.Ok, again.Status);
        Assert.Equal(first.Headers, again.Message!.Headers);
        Assert.Equal(first.Body, again.Message.Body);
    }

    [Fact]
    public void Compact_header_names_are_expanded_to_their_long_forms()
    {
        var result = Parse(SipSamples.Bytes(
            "SUBSCRIBE sip:1000@127.0.0.1 SIP/2.0",
            [
                "v: SIP/2.0/UDP 10.0.0.7;branch=z9hG4bK-c",
                "f: <sip:2000@127.0.0.1>;tag=a1",
                "t: <sip:1000@127.0.0.1>",
                "i: compact@10.0.0.7",
                "CSeq: 1 SUBSCRIBE",
                "m: <sip:2000@10.0.0.7>",
                "o: presence",
                "u: dialog, presence",
                "c: text/plain",
                "l: 2",
            ],
            "hi"));

        Assert.Equal(SipParseStatus.Ok, result.Status);
        var names = result.Message!.Headers.Select(h => h.Name).ToArray();
        Assert.Equal(["Via", "From", "To", "Call-ID", "CSeq", "Contact", "Event", "Allow-Events", "Content-Type", "Content-Length"], names);
        Assert.Equal(["dialog", "presence"], result.Message.Values("Allow-Events"));
        Assert.Equal("hi"u8.ToArray(), result.Message.Body);
    }

    [Fact]
    public void Header_names_in_any_case_are_written_in_their_usual_spelling()
    {
        var result = Parse(SipSamples.Bytes(
            "SUBSCRIBE sip:1000@127.0.0.1 SIP/2.0",
            ["VIA: SIP/2.0/UDP 10.0.0.7;branch=z9hG4bK-x", "from: <sip:2000@h>;tag=1", "TO: <sip:1000@h>", "call-id: x@y", "cseq: 1 SUBSCRIBE", "content-length: 0"]));

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Equal(["Via", "From", "To", "Call-ID", "CSeq", "Content-Length"], result.Message!.Headers.Select(h => h.Name));
    }

    [Fact]
    public void Folded_header_lines_are_joined_with_one_space()
    {
        var result = Parse(SipSamples.Bytes(
            SipSamples.SubscribeLine,
            SipSamples.SubscribeHeaders("Subject: I know you're there,", "     pick up the phone", "\tand talk to me!", "Content-Length: 0")));

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Equal("I know you're there, pick up the phone and talk to me!", result.Message!["Subject"]);
    }

    [Fact]
    public void A_Via_list_in_one_header_and_Vias_in_several_are_all_read()
    {
        var result = Parse(SipSamples.Bytes(
            SipSamples.SubscribeLine,
            SipSamples.SubscribeHeaders("Via: SIP/2.0/TCP proxy1:5060;branch=z9hG4bK-2, SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK-3", "Content-Length: 0")));

        Assert.Equal(SipParseStatus.Ok, result.Status);
        var vias = result.Message!.Values("Via").Select(v => Via.TryParse(v)!).ToList();
        Assert.Equal(["10.0.0.7", "proxy1", "2001:db8::1"], vias.Select(v => v.Host));
        Assert.Equal([5060, 5060, 5070], vias.Select(v => v.Port));
        Assert.Equal(["UDP", "TCP", "UDP"], vias.Select(v => v.Transport));
    }

    // ---- framing by Content-Length ----

    [Fact]
    public void Bytes_after_the_declared_Content_Length_are_dropped_on_UDP()
    {
        var result = Parse(SipSamples.Bytes(SipSamples.SubscribeLine, SipSamples.SubscribeHeaders("Content-Length: 4"), "abcdEXTRA BYTES"));

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Equal("abcd"u8.ToArray(), result.Message!.Body);
    }

    [Fact]
    public void A_datagram_without_Content_Length_takes_the_rest_as_its_body()
    {
        var result = Parse(SipSamples.Bytes(SipSamples.SubscribeLine, SipSamples.SubscribeHeaders(), "rest of it"));

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Equal("rest of it"u8.ToArray(), result.Message!.Body);
    }

    [Fact]
    public void A_body_shorter_than_its_Content_Length_is_refused_and_answerable()
    {
        var result = Bad(Parse(SipSamples.Bytes(SipSamples.SubscribeLine, SipSamples.SubscribeHeaders("Content-Length: 50"), "short")));

        Assert.Contains("Content-Length 50", result.Error, StringComparison.Ordinal);
        Assert.True(result.CanAnswer);
    }

    [Fact]
    public void A_head_ended_by_bare_line_feeds_is_read_too()
    {
        var text = SipSamples.Text(SipSamples.SubscribeLine, SipSamples.SubscribeHeaders("Content-Length: 2"), "ok").Replace("\r\n", "\n", StringComparison.Ordinal);

        var result = Parse(text);

        Assert.Equal(SipParseStatus.Ok, result.Status);
        Assert.Equal("ok"u8.ToArray(), result.Message!.Body);
    }

    // ---- hard limits ----

    [Fact]
    public void A_message_over_the_UDP_maximum_is_refused_unread()
    {
        var data = new byte[SipLimits.MaxMessageBytes + 1];
        SipSamples.Subscribe().CopyTo(data, 0);

        var result = Parse(data);

        Assert.Equal(SipParseStatus.Garbage, result.Status);
        Assert.Null(result.Message);
    }

    /// <summary>A SUBSCRIBE whose head (up to the blank line, as the parser measures it) is exactly <paramref name="headBytes"/> long.</summary>
    private static byte[] WithHeadOf(int headBytes)
    {
        static int HeadOf(List<string> extra)
        {
            var text = SipSamples.Text(SipSamples.SubscribeLine, SipSamples.SubscribeHeaders([.. extra, "Content-Length: 0"]));
            return text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 1;
        }
        var padding = new List<string>();
        while (headBytes - HeadOf(padding) > 4000)
        {
            padding.Add($"X-Pad-{padding.Count}: {new string('p', 3980)}");
        }
        // "X-Last: " and CRLF take 10 bytes.
        padding.Add("X-Last: " + new string('q', headBytes - HeadOf(padding) - 10));
        var bytes = SipSamples.Bytes(SipSamples.SubscribeLine, SipSamples.SubscribeHeaders([.. padding, "Content-Length: 0"]));
        Assert.Equal(headBytes, HeadOf(padding));
        return bytes;
    }

    [Fact]
    public void A_head_over_MaxHeadBytes_is_refused_and_one_of_exactly_that_size_is_not()
    {
        var exactly = Parse(WithHeadOf(SipLimits.MaxHeadBytes));
        var over = Bad(Parse(WithHeadOf(SipLimits.MaxHeadBytes + 1)));

        Assert.Equal(SipParseStatus.Ok, exactly.Status);
        Assert.Contains($"over {SipLimits.MaxHeadBytes}", over.Error, StringComparison.Ordinal);
        Assert.Null(over.Message);
        Assert.False(over.CanAnswer);
    }

    [Fact]
    public void A_head_with_no_blank_line_within_MaxHeadBytes_is_refused_without_waiting_for_one()
    {
        var text = SipSamples.SubscribeLine + "\r\n" + string.Concat(Enumerable.Range(0, 10).Select(i => $"X-Pad-{i}: {new string('p', 2000)}\r\n"));

        var result = Bad(Parse(text));

        Assert.Null(result.Message);
    }

    [Fact]
    public void More_than_MaxHeaders_headers_are_refused_and_exactly_MaxHeaders_are_not()
    {
        static byte[] WithHeaders(int total) => SipSamples.Bytes(SipSamples.SubscribeLine, SipSamples.SubscribeHeaders(
            [.. Enumerable.Range(0, total - 11).Select(i => $"X-N{i}: {i}"), "Content-Length: 0"]));

        var exactly = Parse(WithHeaders(SipLimits.MaxHeaders));
        var over = Bad(Parse(WithHeaders(SipLimits.MaxHeaders + 1)));

        Assert.Equal(SipParseStatus.Ok, exactly.Status);
        Assert.Equal(SipLimits.MaxHeaders, exactly.Message!.Headers.Count);
        Assert.Contains($"more than {SipLimits.MaxHeaders} headers", over.Error, StringComparison.Ordinal);
        Assert.True(over.CanAnswer);
    }

    [Fact]
    public void A_header_longer_than_MaxHeaderLength_is_refused_and_one_of_exactly_that_length_is_not()
    {
        var exactly = Parse(SipSamples.Subscribe("Subject: " + new string('s', SipLimits.MaxHeaderLength)));
        var over = Bad(Parse(SipSamples.Subscribe("Subject: " + new string('s', SipLimits.MaxHeaderLength + 1))));

        Assert.Equal(SipParseStatus.Ok, exactly.Status);
        Assert.Contains("Subject", over.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_that_grows_over_MaxHeaderLength_by_folding_is_refused()
    {
        var half = new string('s', SipLimits.MaxHeaderLength / 2 + 10);

        var result = Bad(Parse(SipSamples.Subscribe("Subject: " + half, " " + half)));

        Assert.Contains("Subject", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_URI_longer_than_MaxHeaderLength_is_refused()
    {
        var uri = "sip:" + new string('u', SipLimits.MaxHeaderLength) + "@127.0.0.1";

        var result = Bad(Parse(SipSamples.Bytes($"SUBSCRIBE {uri} SIP/2.0", SipSamples.SubscribeHeaders("Content-Length: 0"))));

        Assert.Null(result.Message);
    }

    [Fact]
    public void More_than_MaxVias_Via_values_are_refused_whether_in_one_header_or_several()
    {
        var vias = Enumerable.Range(1, SipLimits.MaxVias).Select(i => $"SIP/2.0/UDP proxy{i};branch=z9hG4bK-{i}").ToList();
        // The sample brings one Via of its own.
        var fifteenMore = vias.Take(SipLimits.MaxVias - 1).Select(v => "Via: " + v).ToArray();

        var exactly = Parse(SipSamples.Subscribe(fifteenMore));
        var severalOver = Bad(Parse(SipSamples.Subscribe([.. fifteenMore, "Via: SIP/2.0/UDP last;branch=z9hG4bK-last"])));
        var oneHeaderOver = Bad(Parse(SipSamples.Subscribe("Via: " + string.Join(", ", vias))));

        Assert.Equal(SipParseStatus.Ok, exactly.Status);
        Assert.Equal(SipLimits.MaxVias, exactly.Message!.Values("Via").Count());
        Assert.Contains($"more than {SipLimits.MaxVias} Via", severalOver.Error, StringComparison.Ordinal);
        Assert.Contains($"more than {SipLimits.MaxVias} Via", oneHeaderOver.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_over_MaxBodyBytes_is_refused_with_or_without_Content_Length_and_one_of_exactly_that_size_is_not()
    {
        var exactBody = new string('b', SipLimits.MaxBodyBytes);
        var overBody = new string('b', SipLimits.MaxBodyBytes + 1);

        var exactly = Parse(SipSamples.Bytes(SipSamples.SubscribeLine, SipSamples.SubscribeHeaders(SipSamples.ContentLength(exactBody)), exactBody));
        var declared = Bad(Parse(SipSamples.Bytes(SipSamples.SubscribeLine, SipSamples.SubscribeHeaders(SipSamples.ContentLength(overBody)), overBody)));
        var undeclared = Bad(Parse(SipSamples.Bytes(SipSamples.SubscribeLine, SipSamples.SubscribeHeaders(), overBody)));

        Assert.Equal(SipParseStatus.Ok, exactly.Status);
        Assert.Equal(SipLimits.MaxBodyBytes, exactly.Message!.Body.Length);
        Assert.Contains("body", declared.Error, StringComparison.Ordinal);
        Assert.Contains("body", undeclared.Error, StringComparison.Ordinal);
        Assert.True(declared.CanAnswer);
    }

    // ---- required headers and CSeq ----

    public static TheoryData<string, string> MissingRequired => new()
    {
        { "Via: ", "no Via" },
        { "From: ", "no From" },
        { "To: ", "no To" },
        { "Call-ID: ", "no Call-ID" },
        { "CSeq: ", "no CSeq" },
    };

    [Theory]
    [MemberData(nameof(MissingRequired))]
    public void A_request_without_a_required_header_is_refused_and_cannot_be_answered(string prefix, string error)
    {
        var headers = SipSamples.SubscribeHeaders("Content-Length: 0").Where(h => !h.StartsWith(prefix, StringComparison.Ordinal));

        var result = Bad(Parse(SipSamples.Bytes(SipSamples.SubscribeLine, headers)));

        Assert.Equal(error, result.Error);
        Assert.NotNull(result.Message);
        Assert.False(result.CanAnswer);
    }

    [Fact]
    public void A_CSeq_method_other_than_the_requests_is_refused_and_answerable()
    {
        var headers = SipSamples.SubscribeHeaders("Content-Length: 0").Select(h => h.StartsWith("CSeq:", StringComparison.Ordinal) ? "CSeq: 1 NOTIFY" : h);

        var result = Bad(Parse(SipSamples.Bytes(SipSamples.SubscribeLine, headers)));

        Assert.Equal("the CSeq method differs from the request's", result.Error);
        Assert.True(result.CanAnswer);
    }

    [Fact]
    public void A_CSeq_method_in_another_case_is_a_different_method()
    {
        var headers = SipSamples.SubscribeHeaders("Content-Length: 0").Select(h => h.StartsWith("CSeq:", StringComparison.Ordinal) ? "CSeq: 1 subscribe" : h);

        Bad(Parse(SipSamples.Bytes(SipSamples.SubscribeLine, headers)));
    }

    [Theory]
    [InlineData("CSeq: abc SUBSCRIBE")]
    [InlineData("CSeq: 0 SUBSCRIBE")]
    [InlineData("CSeq: -1 SUBSCRIBE")]
    [InlineData("CSeq: 1")]
    [InlineData("CSeq: 1 SUBSCRIBE extra")]
    [InlineData("CSeq: ")]
    public void A_malformed_CSeq_is_refused_and_cannot_be_answered(string cseq)
    {
        var headers = SipSamples.SubscribeHeaders("Content-Length: 0").Select(h => h.StartsWith("CSeq:", StringComparison.Ordinal) ? cseq : h);

        var result = Bad(Parse(SipSamples.Bytes(SipSamples.SubscribeLine, headers)));

        Assert.Equal("a malformed CSeq", result.Error);
        Assert.False(result.CanAnswer);
    }

    [Fact]
    public void A_CSeq_over_32_bits_is_refused()
    {
        var headers = SipSamples.SubscribeHeaders("Content-Length: 0").Select(h => h.StartsWith("CSeq:", StringComparison.Ordinal) ? "CSeq: 4294967296 SUBSCRIBE" : h);

        var result = Bad(Parse(SipSamples.Bytes(SipSamples.SubscribeLine, headers)));

        Assert.Equal("a malformed CSeq", result.Error);
    }

    [Theory]
    [InlineData("From", "From: <sip:2000@127.0.0.1", "a malformed From or To")]
    [InlineData("To", "To: sip:1000 @127.0.0.1", "a malformed From or To")]
    [InlineData("Call-ID", "Call-ID: has\u00e9accent", "a malformed Call-ID")]
    [InlineData("Max-Forwards", "Max-Forwards: seventy", "a malformed Max-Forwards")]
    [InlineData("Expires", "Expires: -1", "a malformed Expires")]
    public void A_malformed_header_the_edge_relies_on_is_refused_and_answerable(string name, string replacement, string error)
    {
        var headers = SipSamples.SubscribeHeaders("Content-Length: 0").Select(h => h.StartsWith(name + ":", StringComparison.Ordinal) ? replacement : h);

        var result = Bad(Parse(SipSamples.Bytes(SipSamples.SubscribeLine, headers)));

        Assert.Equal(error, result.Error);
        Assert.True(result.CanAnswer);
    }

    [Fact]
    public void Two_From_headers_are_refused()
    {
        var result = Bad(Parse(SipSamples.Subscribe("From: <sip:3000@127.0.0.1>;tag=b2")));

        Assert.Equal("more than one From", result.Error);
    }

    [Fact]
    public void A_bad_ACK_is_never_answered()
    {
        var headers = SipSamples.SubscribeHeaders("Content-Length: 0").Select(h => h.StartsWith("CSeq:", StringComparison.Ordinal) ? "CSeq: 1 INVITE" : h);

        var result = Bad(Parse(SipSamples.Bytes("ACK sip:1000@127.0.0.1 SIP/2.0", headers)));

        Assert.Equal("ACK", result.Message!.Method);
        Assert.False(result.CanAnswer);
    }

    [Fact]
    public void A_bad_response_is_never_answered()
    {
        var headers = SipSamples.OkHeaders().Where(h => !h.StartsWith("Call-ID", StringComparison.Ordinal));

        var result = Bad(Parse(SipSamples.Bytes("SIP/2.0 200 OK", headers)));

        Assert.False(result.CanAnswer);
    }

    [Fact]
    public void A_malformed_Via_is_refused_and_without_a_readable_Via_there_is_no_answer()
    {
        var headers = SipSamples.SubscribeHeaders("Content-Length: 0").Select(h => h.StartsWith("Via:", StringComparison.Ordinal) ? "Via: SIP/3.0/UDP 10.0.0.7" : h);

        var result = Bad(Parse(SipSamples.Bytes(SipSamples.SubscribeLine, headers)));

        Assert.Equal("a malformed Via", result.Error);
        Assert.False(result.CanAnswer);
    }

    // ---- not SIP ----

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")]
    [InlineData("hello")]
    [InlineData("\r\n\r\n")]
    [InlineData("")]
    [InlineData("{\"type\":\"devicestate\"}\r\n\r\n")]
    public void Bytes_that_are_not_SIP_are_garbage(string text)
    {
        var result = Parse(text);

        Assert.Equal(SipParseStatus.Garbage, result.Status);
        Assert.Null(result.Message);
        Assert.False(result.CanAnswer);
    }

    [Fact]
    public void Binary_bytes_that_are_not_UTF_8_are_garbage()
    {
        byte[] data = [0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0xff, 0xfe, (byte)'\n', (byte)'\n', 0xc3];

        Assert.Equal(SipParseStatus.Garbage, Parse(data).Status);
    }

    [Fact]
    public void A_SIP_message_cut_before_its_blank_line_is_bad_but_a_cut_stranger_is_garbage()
    {
        var cut = Encoding.UTF8.GetString(SipSamples.Subscribe())[..200];

        Assert.Equal(SipParseStatus.Bad, Parse(cut).Status);
        Assert.Equal(SipParseStatus.Garbage, Parse("GET / HTTP/1.1\r\nHost: x\r\n").Status);
    }
}
