using System.Xml.Linq;
using static ActorPresence.Xmpp.Tests.XmppSamples;

namespace ActorPresence.Xmpp.Tests;

/// <summary>How one framed element, and a stream header, are parsed: in the stream's namespaces, never with a DTD.</summary>
public sealed class XmppXmlTests : IDisposable
{
    private static readonly XNamespace _client = XmppXml.Client;
    private static readonly XNamespace _streams = XmppXml.Streams;

    private readonly string _dir = Directory.CreateTempSubdirectory("xmpp-xml-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static XElement Parse(string text) => XmppXml.Parse(Bytes(text));

    private static XmppProtocolException Refused(string text) => Assert.Throws<XmppProtocolException>(() => Parse(text));

    [Fact]
    public void A_stanza_without_its_own_namespace_is_in_the_streams_default_namespace_jabber_client()
    {
        var iq = Parse(IqResult);

        Assert.Equal(_client + "iq", iq.Name);
        Assert.Equal("result", (string?)iq.Attribute("type"));
        Assert.Equal("bridge@xmpp.example/actorpresence-local", iq.Element(XName.Get("bind", XmppXml.Bind))!.Element(XName.Get("jid", XmppXml.Bind))!.Value);
        Assert.Equal(_client + "presence", Parse("<presence/>").Name);
    }

    [Fact]
    public void The_stream_prefix_is_bound_to_the_streams_namespace()
    {
        var features = Parse(Features);

        Assert.Equal(_streams + "features", features.Name);
        Assert.Equal(
            ["SCRAM-SHA-256", "SCRAM-SHA-1"],
            features.Element(XName.Get("mechanisms", XmppXml.Sasl))!.Elements(XName.Get("mechanism", XmppXml.Sasl)).Select(m => m.Value));
        Assert.Equal(_streams + "error", Parse("<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>").Name);
    }

    [Fact]
    public void A_pubsub_event_keeps_the_namespaces_it_declares()
    {
        var message = Parse(DeviceEvent);

        var item = message.Element(XName.Get("event", XmppXml.PubsubEvent))!.Element(XName.Get("items", XmppXml.PubsubEvent))!.Element(XName.Get("item", XmppXml.PubsubEvent))!;
        var state = Assert.Single(item.Elements());
        Assert.Equal(XName.Get("state", XmppXml.Asterisk), state.Name);
        Assert.Equal("INUSE", state.Value);
        Assert.Equal(_client + "message", message.Name);
    }

    [Fact]
    public void A_DOCTYPE_with_an_internal_entity_is_refused_as_malformed()
    {
        Assert.Equal("malformed", Refused("<!DOCTYPE iq [<!ENTITY x 'expanded'>]><iq>&x;</iq>").Reason);
    }

    [Fact]
    public void A_DOCTYPE_with_an_external_entity_is_refused_and_the_file_it_names_is_never_read()
    {
        var secret = Path.Combine(_dir, "secret.txt");
        File.WriteAllText(secret, "the-secret-text");
        var uri = new Uri(secret).AbsoluteUri;

        var e = Refused($"<!DOCTYPE iq [<!ENTITY x SYSTEM '{uri}'>]><iq>&x;</iq>");
        var external = Refused($"<!DOCTYPE iq SYSTEM '{uri}'><iq/>");

        Assert.Equal("malformed", e.Reason);
        Assert.Equal("malformed", external.Reason);
        Assert.DoesNotContain("the-secret-text", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("the-secret-text", external.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_entity_that_no_DTD_declares_is_refused_and_the_five_predefined_ones_are_read()
    {
        Assert.Equal("malformed", Refused("<message><body>&nbsp;</body></message>").Reason);
        Assert.Equal("<>&\"'", Parse("<body>&lt;&gt;&amp;&quot;&apos;</body>").Value);
    }

    [Theory]
    [InlineData("<iq><query></iq>")]
    [InlineData("<iq type='result' type='error'/>")]
    [InlineData("<iq type=result/>")]
    [InlineData("<foo:iq/>")]
    [InlineData("<iq>")]
    [InlineData("<message><body>a & b</body></message>")]
    [InlineData("<iq/><iq/>")]
    [InlineData("<iq/>trailing text")]
    [InlineData("<iq/><!-- trailing comment -->")]
    [InlineData("just text")]
    [InlineData("")]
    [InlineData("   ")]
    public void What_is_not_one_well_formed_element_is_refused_as_malformed(string text)
    {
        // Regression: a second element, text or a comment after the first was skipped unseen, and a frame
        // with no element at all threw InvalidCastException or InvalidOperationException.
        Assert.Equal("malformed", Refused(text).Reason);
    }

    [Fact]
    public void Whitespace_after_the_element_is_allowed()
    {
        Assert.Equal(_client + "iq", Parse("<iq type='result' id='a'/>\n \t").Name);
    }

    [Fact]
    public void A_stream_header_is_read_for_its_id_and_version_with_or_without_a_declaration()
    {
        var header = XmppXml.ParseStreamHeader(Bytes(Header));
        var declared = XmppXml.ParseStreamHeader(Bytes(Declaration + "\n" + Header));

        Assert.Equal(_streams + "stream", header.Name);
        Assert.Equal("8127432586312095342", (string?)header.Attribute("id"));
        Assert.Equal("1.0", (string?)header.Attribute("version"));
        Assert.Equal("xmpp.example", (string?)header.Attribute("from"));
        Assert.Equal("8127432586312095342", (string?)declared.Attribute("id"));
        Assert.Equal("1.0", (string?)declared.Attribute("version"));
    }

    [Theory]
    [InlineData("<features xmlns='http://etherx.jabber.org/streams'>")]
    [InlineData("<stream:stream xmlns:stream='urn:not-the-streams-namespace' version='1.0'>")]
    [InlineData("<stream version='1.0'>")]
    [InlineData("<stream:stream version='1.0'")]
    [InlineData("<stream:stream version='1.0>")]
    public void A_stream_header_that_does_not_open_a_stream_stream_is_refused(string text)
    {
        Assert.Equal("malformed", Assert.Throws<XmppProtocolException>(() => XmppXml.ParseStreamHeader(Bytes(text))).Reason);
    }

    [Fact]
    public void Escape_writes_the_five_predefined_entities_and_leaves_other_text_alone()
    {
        Assert.Equal("a&amp;b&lt;c&gt;d&quot;e&apos;f", XmppXml.Escape("a&b<c>d\"e'f"));
        Assert.Equal("PJSIP/1000", XmppXml.Escape("PJSIP/1000"));
    }

    [Theory]
    [InlineData("Asterisk@XMPP.example/AstVoip1", "asterisk@xmpp.example")]
    [InlineData("bridge@xmpp.example", "bridge@xmpp.example")]
    [InlineData("pubsub.xmpp.example", "pubsub.xmpp.example")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Bare_drops_the_resource_and_lower_cases_the_rest(string? jid, string bare)
    {
        Assert.Equal(bare, XmppXml.Bare(jid));
    }
}
