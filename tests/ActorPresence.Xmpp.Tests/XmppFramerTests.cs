using static ActorPresence.Xmpp.Tests.XmppSamples;

namespace ActorPresence.Xmpp.Tests;

/// <summary>How the bytes of an XMPP stream are cut into its header, its top-level elements and its close.</summary>
public sealed class XmppFramerTests
{
    private const XmppFrameKind Open = XmppFrameKind.StreamOpen;
    private const XmppFrameKind Element = XmppFrameKind.Element;
    private const XmppFrameKind Closed = XmppFrameKind.StreamClose;

    private static List<(XmppFrameKind Kind, string Text)> Drain(XmppFramer framer)
    {
        var frames = new List<(XmppFrameKind, string)>();
        while (framer.TryRead(out var frame))
        {
            frames.Add((frame.Kind, Text(frame.Bytes)));
        }
        return frames;
    }

    /// <summary>Feeds <paramref name="input"/> in pieces of the sizes <paramref name="chunk"/> gives, taking every frame after each.</summary>
    private static List<(XmppFrameKind Kind, string Text)> Feed(XmppFramer framer, byte[] input, Func<int> chunk)
    {
        var frames = new List<(XmppFrameKind, string)>();
        for (var at = 0; at < input.Length;)
        {
            var length = Math.Min(chunk(), input.Length - at);
            framer.Append(input.AsSpan(at, length));
            at += length;
            frames.AddRange(Drain(framer));
        }
        return frames;
    }

    private static List<(XmppFrameKind Kind, string Text)> Frames(string input, int maxElementBytes = 65536, int maxDepth = 32)
    {
        var framer = new XmppFramer(maxElementBytes, maxDepth);
        framer.Append(Bytes(input));
        return Drain(framer);
    }

    private static XmppProtocolException Refused(string input, int maxElementBytes = 65536, int maxDepth = 32) =>
        Assert.Throws<XmppProtocolException>(() => Frames(input, maxElementBytes, maxDepth));

    [Fact]
    public void The_stream_header_after_an_XML_declaration_comes_first_then_each_element_then_the_close()
    {
        var frames = Frames(Declaration + Header + Features + DeviceEvent + Close);

        Assert.Equal([(Open, Header), (Element, Features), (Element, DeviceEvent), (Closed, "")], frames);
    }

    [Fact]
    public void A_stream_header_without_an_XML_declaration_is_the_first_frame_too()
    {
        var frames = Frames(Header + IqResult + Close);

        Assert.Equal([(Open, Header), (Element, IqResult), (Closed, "")], frames);
    }

    [Fact]
    public void Whitespace_keepalives_before_between_and_after_stanzas_are_skipped()
    {
        var frames = Frames(Declaration + "\n" + Header + " \n" + Features + " " + "\r\n\t " + Presence + "\n\n " + Close + " ");

        Assert.Equal([(Open, Header), (Element, Features), (Element, Presence), (Closed, "")], frames);
    }

    [Fact]
    public void Self_closing_stanzas_are_elements_of_their_own()
    {
        var frames = Frames(Header + "<presence/>" + PublishResult + "<iq type='get' id='ping1'><ping xmlns='urn:xmpp:ping'/></iq>");

        Assert.Equal(
            [(Open, Header), (Element, "<presence/>"), (Element, PublishResult), (Element, "<iq type='get' id='ping1'><ping xmlns='urn:xmpp:ping'/></iq>")],
            frames);
    }

    [Fact]
    public void Greater_than_signs_and_slashes_in_quoted_attribute_values_do_not_end_a_tag()
    {
        const string Tricky = "<message to='a@b/c>d' type=\"x/>y\" id='/'><body a=\"'>\" b='\"/>'>1 &gt; 0 and 2 > 1</body></message>";
        const string SelfClosing = "<presence to='x@y/z' status=\"/>\"/>";

        var frames = Frames(Header + Tricky + SelfClosing);

        Assert.Equal([(Open, Header), (Element, Tricky), (Element, SelfClosing)], frames);
    }

    [Fact]
    public void CDATA_in_a_stanza_may_hold_angle_brackets_end_tags_and_stray_brackets()
    {
        const string Message = "<message><body><![CDATA[a <b> </body></message> ]] ] ]]]></body><x/></message>";

        var frames = Frames(Header + Message + Presence);

        Assert.Equal([(Open, Header), (Element, Message), (Element, Presence)], frames);
        Assert.Equal("a <b> </body></message> ]] ] ]", XmppXml.Parse(Bytes(Message)).Element(XmppXml.ClientNs + "body")!.Value);
    }

    [Fact]
    public void Nothing_comes_out_until_an_element_is_complete()
    {
        var framer = new XmppFramer(65536);
        var stanza = Bytes(DeviceEvent);

        framer.Append(Bytes(Header));
        Assert.Equal([(Open, Header)], Drain(framer));
        framer.Append(stanza.AsSpan(0, stanza.Length - 1));
        Assert.Empty(Drain(framer));
        framer.Append(stanza.AsSpan(stanza.Length - 1));

        Assert.Equal([(Element, DeviceEvent)], Drain(framer));
    }

    [Fact]
    public void The_same_stream_fed_one_byte_at_a_time_or_in_random_chunks_gives_the_same_frames()
    {
        var stream = Bytes(Declaration + Header + "\n" + string.Join(" ", Stanzas)
            + "<message><body><![CDATA[<x>]]></body></message>" + Close);
        var whole = Feed(new XmppFramer(65536), stream, () => stream.Length);
        var random = new Random(20260601);

        var byteByByte = Feed(new XmppFramer(65536), stream, () => 1);

        Assert.Equal(Stanzas.Length + 3, whole.Count);
        Assert.Equal(whole, byteByByte);
        for (var run = 0; run < 200; run++)
        {
            var maxChunk = random.Next(2, 64);
            Assert.Equal(whole, Feed(new XmppFramer(65536), stream, () => random.Next(1, maxChunk)));
        }
    }

    [Fact]
    public void Text_outside_any_element_ends_the_stream()
    {
        Assert.Equal("malformed", Refused(Header + Presence + "hello").Reason);
        Assert.Equal("malformed", Refused("hello" + Header).Reason);
    }

    [Theory]
    [InlineData(Header + "<!-- a comment -->")]
    [InlineData(Header + "<message><!-- a comment --></message>")]
    [InlineData("<!-- before the stream -->" + Header)]
    [InlineData("<!DOCTYPE stream:stream [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>" + Header)]
    [InlineData(Header + "<!DOCTYPE message [<!ENTITY x 'y'>]><message>&x;</message>")]
    [InlineData(Header + "<![CDATA[at the top level]]>")]
    [InlineData(Header + "<?xml-stylesheet href='a'?>")]
    [InlineData(Header + "<message><?php echo 1 ?></message>")]
    [InlineData(Header + "<message><body <a='1'/></message>")]
    [InlineData("</stream:stream>")]
    [InlineData("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'/>")]
    public void Comments_DTDs_processing_instructions_and_broken_tags_end_the_stream_as_malformed(string input)
    {
        Assert.Equal("malformed", Refused(input).Reason);
    }

    [Fact]
    public void An_XML_declaration_before_the_stream_header_is_allowed_but_not_one_inside_the_stream()
    {
        Assert.Equal([(Open, Header)], Frames(Declaration + Header));
        Assert.Equal("malformed", Refused(Header + Declaration).Reason);
    }

    [Fact]
    public void An_element_of_exactly_the_limit_is_taken_and_one_byte_more_is_refused_as_oversized()
    {
        // Regression: the size was checked after each byte except the '>' that completes a frame, so an
        // element of limit + 1 bytes ending there was handed out.
        var atLimit = "<message><body>" + new string('x', 1000 - "<message><body></body></message>".Length) + "</body></message>";
        var overLimit = atLimit.Replace("<body>", "<body>y", StringComparison.Ordinal);
        Assert.Equal(1000, atLimit.Length);

        Assert.Equal([(Open, Header), (Element, atLimit)], Frames(Header + atLimit, maxElementBytes: 1000));
        Assert.Equal("oversized", Refused(Header + overLimit, maxElementBytes: 1000).Reason);
    }

    [Fact]
    public void An_element_larger_than_the_limit_is_refused_before_it_is_complete()
    {
        var framer = new XmppFramer(1000);
        framer.Append(Bytes(Header + "<message><body>"));
        Assert.Single(Drain(framer));

        framer.Append(Bytes(new string('x', 2000)));

        Assert.Equal("oversized", Assert.Throws<XmppProtocolException>(() => Drain(framer)).Reason);
    }

    [Fact]
    public void A_self_closing_element_over_the_limit_is_refused()
    {
        var big = "<presence status='" + new string('s', 1200) + "'/>";

        Assert.Equal("oversized", Refused(Header + big, maxElementBytes: 1000).Reason);
    }

    [Fact]
    public void Nesting_down_to_the_maximum_depth_is_taken_and_one_level_deeper_is_refused()
    {
        const string Three = "<a><b><c><d/></c></b></a>";
        const string Four = "<a><b><c><d></d></c></b></a>";

        Assert.Equal([(Open, Header), (Element, Three)], Frames(Header + Three, maxDepth: 3));
        Assert.Equal("oversized", Refused(Header + Four, maxDepth: 3).Reason);
        Assert.Equal("oversized", Refused(Header + string.Concat(Enumerable.Repeat("<x>", 33)), maxDepth: 32).Reason);
    }

    [Fact]
    public void A_stream_header_larger_than_4_KiB_is_refused_as_oversized()
    {
        var big = Header.Replace("id='", "id='" + new string('i', XmppFramer.MaxStreamHeaderBytes), StringComparison.Ordinal);
        var unfinished = "<stream:stream id='" + new string('i', XmppFramer.MaxStreamHeaderBytes + 10);

        Assert.Equal("oversized", Refused(big, maxElementBytes: 1_000_000).Reason);
        Assert.Equal("oversized", Refused(unfinished, maxElementBytes: 1_000_000).Reason);
    }

    [Fact]
    public void A_stream_header_of_exactly_4_KiB_is_taken_and_one_byte_more_is_refused()
    {
        var padding = new string('i', XmppFramer.MaxStreamHeaderBytes - Header.Length);
        var atLimit = Header.Replace("id='", "id='" + padding, StringComparison.Ordinal);
        var overLimit = Header.Replace("id='", "id='i" + padding, StringComparison.Ordinal);
        Assert.Equal(XmppFramer.MaxStreamHeaderBytes, atLimit.Length);

        Assert.Equal([(Open, atLimit)], Frames(atLimit, maxElementBytes: 1_000_000));
        Assert.Equal("oversized", Refused(overLimit, maxElementBytes: 1_000_000).Reason);
    }

    [Fact]
    public void An_XML_declaration_larger_than_4_KiB_is_refused_as_oversized()
    {
        Assert.Equal("oversized", Refused("<?xml version='1.0' " + new string(' ', XmppFramer.MaxStreamHeaderBytes) + "?>" + Header).Reason);
    }

    [Fact]
    public void An_end_tag_larger_than_4_KiB_is_refused_as_oversized()
    {
        Assert.Equal("oversized", Refused(Header + "</stream:stream" + new string(' ', XmppFramer.MaxStreamHeaderBytes + 10) + ">").Reason);
    }

    [Fact]
    public void After_a_restart_a_new_stream_header_comes_first_again()
    {
        var framer = new XmppFramer(65536);
        framer.Append(Bytes(Declaration + Header + StartTlsFeatures));
        Assert.Equal([(Open, Header), (Element, StartTlsFeatures)], Drain(framer));

        framer.Restart();
        var second = Header.Replace("8127432586312095342", "second", StringComparison.Ordinal);
        framer.Append(Bytes(Declaration + second + Features + IqResult));

        Assert.Equal([(Open, second), (Element, Features), (Element, IqResult)], Drain(framer));
    }

    [Fact]
    public void Without_a_restart_a_second_XML_declaration_is_refused()
    {
        var framer = new XmppFramer(65536);
        framer.Append(Bytes(Header + Features));
        Drain(framer);

        framer.Append(Bytes(Declaration + Header));

        Assert.Equal("malformed", Assert.Throws<XmppProtocolException>(() => Drain(framer)).Reason);
    }
}
