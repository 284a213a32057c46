using System.Text;

namespace ActorPresence.Sip.Tests;

/// <summary>How messages are cut out of a TCP byte stream.</summary>
public sealed class SipStreamFramerTests
{
    private static List<byte[]> Drain(SipStreamFramer framer)
    {
        var messages = new List<byte[]>();
        while (framer.Next(out var error) is { } message)
        {
            Assert.Null(error);
            messages.Add(message);
        }
        return messages;
    }

    private static string? ErrorOf(SipStreamFramer framer)
    {
        Assert.Null(framer.Next(out var error));
        return error;
    }

    [Fact]
    public void Two_messages_in_one_chunk_come_out_as_two()
    {
        var framer = new SipStreamFramer();

        Assert.True(framer.Append([.. SipSamples.Notify(), .. SipSamples.Ok()]));

        Assert.Equal([SipSamples.Notify(), SipSamples.Ok()], Drain(framer));
        Assert.Null(ErrorOf(framer));
    }

    [Fact]
    public void A_message_split_across_many_chunks_comes_out_once_it_is_whole()
    {
        var framer = new SipStreamFramer();
        var notify = SipSamples.Notify();
        var taken = new List<byte[]>();

        for (var i = 0; i < notify.Length; i++)
        {
            Assert.Empty(taken);
            Assert.True(framer.Append(notify.AsSpan(i, 1)));
            taken.AddRange(Drain(framer));
        }

        Assert.Equal([notify], taken);
    }

    [Fact]
    public void A_message_whose_body_is_still_on_the_way_waits_for_it()
    {
        var framer = new SipStreamFramer();
        var notify = SipSamples.Notify();

        framer.Append(notify.AsSpan(0, notify.Length - 1));
        Assert.Empty(Drain(framer));
        Assert.Null(ErrorOf(framer));
        framer.Append(notify.AsSpan(notify.Length - 1));

        Assert.Equal([notify], Drain(framer));
    }

    [Fact]
    public void CRLF_keep_alives_before_between_and_after_messages_are_skipped()
    {
        var framer = new SipStreamFramer();

        framer.Append([.. "\r\n\r\n"u8, .. SipSamples.Subscribe(), .. "\r\n\r\n\r\n"u8, .. SipSamples.CompactPublish(), .. "\r\n"u8]);

        Assert.Equal([SipSamples.Subscribe(), SipSamples.CompactPublish()], Drain(framer));
        Assert.Null(ErrorOf(framer));
    }

    [Fact]
    public void Only_keep_alives_give_nothing_and_no_error()
    {
        var framer = new SipStreamFramer();

        framer.Append("\r\n\r\n\r\n\r\n"u8);

        Assert.Empty(Drain(framer));
        Assert.Null(ErrorOf(framer));
    }

    [Fact]
    public void A_compact_l_header_frames_the_body()
    {
        var framer = new SipStreamFramer();

        framer.Append([.. SipSamples.CompactPublish(), .. SipSamples.Ok()]);

        var messages = Drain(framer);
        Assert.Equal(2, messages.Count);
        Assert.Equal(SipSamples.AsteriskBody, Encoding.UTF8.GetString(SipParser.Parse(messages[0]).Message!.Body));
    }

    [Fact]
    public void A_message_without_Content_Length_breaks_the_stream()
    {
        var framer = new SipStreamFramer();

        framer.Append(SipSamples.Bytes(SipSamples.SubscribeLine, SipSamples.SubscribeHeaders()));

        Assert.Equal("a message on a stream without a valid Content-Length", ErrorOf(framer));
    }

    [Theory]
    [InlineData("Content-Length: -1")]
    [InlineData("Content-Length: abc")]
    [InlineData("Content-Length: 99999999999")]
    [InlineData("Content-Length: 0|l: 0")]
    public void A_malformed_or_doubled_Content_Length_breaks_the_stream(string lengths)
    {
        var framer = new SipStreamFramer();

        framer.Append(SipSamples.Bytes(SipSamples.SubscribeLine, SipSamples.SubscribeHeaders(lengths.Split('|'))));

        Assert.NotNull(ErrorOf(framer));
    }

    [Fact]
    public void A_declared_body_over_MaxBodyBytes_breaks_the_stream_before_the_body_arrives()
    {
        var framer = new SipStreamFramer();

        framer.Append(SipSamples.Bytes(SipSamples.SubscribeLine, SipSamples.SubscribeHeaders($"Content-Length: {SipLimits.MaxBodyBytes + 1}")));

        Assert.Contains("over the limit", ErrorOf(framer), StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_of_exactly_MaxBodyBytes_is_framed()
    {
        var framer = new SipStreamFramer();
        var body = new string('b', SipLimits.MaxBodyBytes);
        var message = SipSamples.Bytes(SipSamples.SubscribeLine, SipSamples.SubscribeHeaders(SipSamples.ContentLength(body)), body);

        framer.Append(message);

        Assert.Equal([message], Drain(framer));
    }

    [Fact]
    public void A_head_with_no_blank_line_within_MaxHeadBytes_breaks_the_stream()
    {
        var framer = new SipStreamFramer();
        var line = Encoding.ASCII.GetBytes("X-Pad: " + new string('p', 1000) + "\r\n");

        framer.Append(Encoding.ASCII.GetBytes(SipSamples.SubscribeLine + "\r\n"));
        while (ErrorOf(framer) is null)
        {
            Assert.True(framer.Append(line));
        }

        Assert.Contains($"headers over {SipLimits.MaxHeadBytes}", ErrorOf(framer), StringComparison.Ordinal);
    }

    [Fact]
    public void Appending_beyond_the_largest_message_is_refused()
    {
        var framer = new SipStreamFramer();

        Assert.True(framer.Append(new byte[SipLimits.MaxMessageBytes]));
        Assert.False(framer.Append(new byte[5]));
    }

    [Fact]
    public void The_framer_frames_where_the_parser_reads_so_a_framed_message_parses_to_its_own_body()
    {
        var framer = new SipStreamFramer();
        var first = SipSamples.Bytes(SipSamples.SubscribeLine, SipSamples.SubscribeHeaders("Content-Length: 3"), "abc");

        framer.Append([.. first, .. SipSamples.Ok()]);

        var messages = Drain(framer);
        Assert.Equal("abc"u8.ToArray(), SipParser.Parse(messages[0]).Message!.Body);
        Assert.Equal(SipParseStatus.Ok, SipParser.Parse(messages[1]).Status);
    }
}
