using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace ActorPresence.Xmpp;

/// <summary>The namespaces the bridge speaks, and the parsing of one framed element.</summary>
internal static class XmppXml
{
    public const string Client = "jabber:client";
    public const string Streams = "http://etherx.jabber.org/streams";
    public const string Tls = "urn:ietf:params:xml:ns:xmpp-tls";
    public const string Sasl = "urn:ietf:params:xml:ns:xmpp-sasl";
    public const string Bind = "urn:ietf:params:xml:ns:xmpp-bind";
    public const string Session = "urn:ietf:params:xml:ns:xmpp-session";
    public const string Stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
    public const string Ping = "urn:xmpp:ping";
    public const string Pubsub = "http://jabber.org/protocol/pubsub";
    public const string PubsubEvent = "http://jabber.org/protocol/pubsub#event";
    public const string Data = "jabber:x:data";
    public const string Asterisk = "http://asterisk.org";

    public static readonly XNamespace ClientNs = Client;
    public static readonly XNamespace StreamsNs = Streams;

    /// <summary>
    /// Parses one element cut by <see cref="XmppFramer"/>, in the scope of the stream's opening tag (its
    /// default namespace jabber:client and the prefix "stream"). DTDs are prohibited and no external
    /// resource is ever resolved; anything that is not well-formed throws.
    /// </summary>
    public static XElement Parse(byte[] element)
    {
        var names = new XmlNamespaceManager(new NameTable());
        names.AddNamespace("", Client);
        names.AddNamespace("stream", Streams);
        var context = new XmlParserContext(null, names, null, XmlSpace.None, Encoding.UTF8);
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            ConformanceLevel = ConformanceLevel.Fragment,
            IgnoreComments = false,
            IgnoreProcessingInstructions = false,
            MaxCharactersInDocument = element.Length,
            CloseInput = true,
        };
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(element, writable: false), settings, context);
            if (reader.MoveToContent() != XmlNodeType.Element)
            {
                throw new XmppProtocolException("malformed", "a frame that holds no element");
            }
            var parsed = (XElement)XNode.ReadFrom(reader);
            // ReadFrom leaves the reader on the node after the element (not before it): only whitespace may follow.
            while (reader.NodeType == XmlNodeType.Whitespace && reader.Read())
            {
            }
            if (!reader.EOF)
            {
                throw new XmppProtocolException("malformed", "more than one element in one frame");
            }
            return parsed;
        }
        catch (XmlException e)
        {
            throw new XmppProtocolException("malformed", $"a stanza that is not well-formed XML: {e.Message}");
        }
    }

    /// <summary>The attributes of a stream's opening tag (parsed as if it closed at once).</summary>
    public static XElement ParseStreamHeader(byte[] header)
    {
        // "<stream:stream …>" → "<stream:stream …/>", then parsed like any element.
        var text = Encoding.UTF8.GetString(header);
        var declarationEnd = text.IndexOf("?>", StringComparison.Ordinal);
        if (text.StartsWith("<?", StringComparison.Ordinal) && declarationEnd > 0)
        {
            text = text[(declarationEnd + 2)..].TrimStart();
        }
        if (!text.EndsWith('>'))
        {
            throw new XmppProtocolException("malformed", "a stream header that does not end with '>'");
        }
        var header2 = Parse(Encoding.UTF8.GetBytes(text[..^1] + "/>"));
        if (header2.Name != StreamsNs + "stream")
        {
            throw new XmppProtocolException("malformed", $"the stream opened with <{header2.Name.LocalName}>, not <stream:stream>");
        }
        return header2;
    }

    /// <summary>Text or an attribute value escaped for XML (the five predefined entities).</summary>
    public static string Escape(string value)
    {
        if (value.AsSpan().IndexOfAny("&<>\"'") < 0)
        {
            return value;
        }
        var builder = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&apos;",
                _ => c.ToString(),
            });
        }
        return builder.ToString();
    }

    /// <summary>The bare part (user@domain) of a JID.</summary>
    public static string Bare(string? jid)
    {
        if (string.IsNullOrEmpty(jid))
        {
            return "";
        }
        var slash = jid.IndexOf('/', StringComparison.Ordinal);
        return (slash < 0 ? jid : jid[..slash]).ToLowerInvariant();
    }
}
