using ActorPresence.Domain;

namespace ActorPresence.Sip.Tests;

/// <summary>An Asterisk server's entity id: six hex bytes, always held in lower case.</summary>
public sealed class AsteriskEidTests
{
    [Theory]
    [InlineData("02:00:00:00:00:01", "02:00:00:00:00:01")]
    [InlineData("02:AB:cd:EF:99:0F", "02:ab:cd:ef:99:0f")]
    [InlineData("FF:FF:FF:FF:FF:FF", "ff:ff:ff:ff:ff:ff")]
    public void An_EID_is_read_and_held_in_lower_case(string text, string value)
    {
        Assert.True(AsteriskEid.TryParse(text, out var eid));
        Assert.Equal(value, eid!.Value);
        Assert.Equal(value, new AsteriskEid(text).Value);
        Assert.Equal(value, eid.ToString());
        Assert.Equal(new AsteriskEid(value), eid);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("02:00:00:00:00")]
    [InlineData("02:00:00:00:00:01:")]
    [InlineData(" 02:00:00:00:00:01")]
    [InlineData("02:00:00:00:00:0g")]
    [InlineData("02-00-00-00-00-01")]
    [InlineData("0200:00:00:00:001")]
    [InlineData("02:00:00:00:00:1")]
    [InlineData("020000000001")]
    [InlineData("02:00:00:00:00:0\u0661")]
    [InlineData("02:00:00:00:00:0\uff11")]
    public void A_malformed_EID_is_refused(string? text)
    {
        Assert.False(AsteriskEid.TryParse(text, out var eid));
        Assert.Null(eid);
        var e = Assert.Throws<ValidationException>(() => new AsteriskEid(text!));
        Assert.Contains("eid", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_view_of_an_EID_is_ast_and_the_EID_and_reads_back()
    {
        var eid = new AsteriskEid("02:AB:00:00:00:01");

        Assert.Equal("ast:02:ab:00:00:00:01", eid.ViewName);
        Assert.True(AsteriskEid.TryParseView(eid.ViewName, out var back));
        Assert.Equal(eid, back);
        Assert.False(AsteriskEid.TryParseView("pbx-1", out _));
        Assert.False(AsteriskEid.TryParseView("ast:pbx-1", out _));
        Assert.False(AsteriskEid.TryParseView("AST:02:ab:00:00:00:01", out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 1, 2, 3, 4, 5 }, "02:01:02:03:04:05")]
    [InlineData(new byte[] { 0x01, 1, 2, 3, 4, 5 }, "02:01:02:03:04:05")]
    [InlineData(new byte[] { 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99 }, "fe:ee:dd:cc:bb:aa")]
    [InlineData(new byte[] { 0xa9, 0, 0, 0, 0, 0 }, "aa:00:00:00:00:00")]
    public void An_EID_from_bytes_is_a_locally_administered_unicast_address(byte[] bytes, string value)
    {
        var eid = AsteriskEid.FromBytes(bytes);

        Assert.Equal(value, eid.Value);
        var first = Convert.ToByte(eid.Value[..2], 16);
        Assert.Equal(0x02, first & 0x02);
        Assert.Equal(0x00, first & 0x01);
    }

    [Fact]
    public void Fewer_than_six_bytes_make_no_EID()
    {
        Assert.Throws<ArgumentException>(() => AsteriskEid.FromBytes([1, 2, 3, 4, 5]));
    }
}
