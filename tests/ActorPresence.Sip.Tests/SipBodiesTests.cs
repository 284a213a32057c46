using System.Text;
using System.Xml;
using ActorPresence.Domain;

namespace ActorPresence.Sip.Tests;

/// <summary>dialog-info, simple-message-summary and PIDF as the edge writes and reads them.</summary>
public sealed class SipBodiesTests
{
    private const string Entity = "sip:1000@pbx.example";

    private static (XmlDocument Doc, XmlNamespaceManager Ns) Load(byte[] body)
    {
        var doc = new XmlDocument { XmlResolver = null };
        using (var reader = XmlReader.Create(new MemoryStream(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null }))
        {
            doc.Load(reader);
        }
        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("d", "urn:ietf:params:xml:ns:dialog-info");
        ns.AddNamespace("p", "urn:ietf:params:xml:ns:pidf");
        ns.AddNamespace("r", "urn:ietf:params:xml:ns:pidf:rpid");
        ns.AddNamespace("dm", "urn:ietf:params:xml:ns:pidf:data-model");
        return (doc, ns);
    }

    private static string? Text(XmlDocument doc, XmlNamespaceManager ns, string xpath) => doc.SelectSingleNode(xpath, ns)?.InnerText;

    private static byte[] PidfOf(string inner, string extraNamespaces = "") => Encoding.UTF8.GetBytes(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" "
        + "xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" " + extraNamespaces + "entity=\"" + Entity + "\">" + inner + "</presence>");

    // ---- the lamp: device state to dialog-info and PIDF ----

    /// <summary>Asterisk's PJSIP presence rendering (res_pjsip_exten_state): dialog state, direction, hold, PIDF basic, on-the-phone.</summary>
    public static TheoryData<DeviceState?, string, bool, bool, string, bool> LampTable => new()
    {
        { DeviceState.NotInUse, "terminated", false, false, "open", false },
        { DeviceState.Unknown, "terminated", false, false, "open", false },
        { null, "terminated", false, false, "open", false },
        { DeviceState.InUse, "confirmed", false, false, "open", true },
        { DeviceState.Busy, "confirmed", false, false, "open", true },
        { DeviceState.Ringing, "early", true, false, "open", false },
        { DeviceState.RingInUse, "confirmed", false, false, "open", true },
        { DeviceState.OnHold, "confirmed", false, true, "open", true },
        { DeviceState.Unavailable, "terminated", false, false, "closed", false },
        { DeviceState.Invalid, "terminated", false, false, "closed", false },
    };

    [Theory]
    [MemberData(nameof(LampTable))]
    public void Each_device_state_shows_as_Asterisk_renders_it_in_dialog_info_and_PIDF(
        DeviceState? state, string dialogState, bool recipient, bool onHold, string basic, bool onThePhone)
    {
        var (dialog, dns) = Load(SipBodies.DialogInfo(Entity, "1000", 4, state));
        var (pidf, pns) = Load(SipBodies.Pidf(Entity, "t1000", state, null));

        Assert.Equal(dialogState, Text(dialog, dns, "/d:dialog-info/d:dialog/d:state"));
        Assert.Equal(recipient ? "recipient" : null, dialog.SelectSingleNode("/d:dialog-info/d:dialog/@direction", dns)?.Value);
        var rendering = (XmlElement?)dialog.SelectSingleNode("/d:dialog-info/d:dialog/d:local/d:target[@uri='" + Entity + "']/d:param", dns);
        Assert.Equal(onHold, rendering is not null);
        if (rendering is not null)
        {
            Assert.Equal(("+sip.rendering", "no"), (rendering.GetAttribute("pname"), rendering.GetAttribute("pvalue")));
        }
        Assert.Equal(basic, Text(pidf, pns, "/p:presence/p:tuple/p:status/p:basic"));
        Assert.Equal(onThePhone, pidf.SelectSingleNode("/p:presence/dm:person/r:activities/r:on-the-phone", pns) is not null);
        Assert.Equal(LampRendering.Of(state).Open, basic == "open");
    }

    [Fact]
    public void Dialog_info_carries_its_version_full_state_the_entity_and_one_dialog_named_by_the_user()
    {
        var (doc, ns) = Load(SipBodies.DialogInfo(Entity, "1000", 17, DeviceState.InUse));

        var root = doc.DocumentElement!;
        Assert.Equal(("dialog-info", "urn:ietf:params:xml:ns:dialog-info"), (root.LocalName, root.NamespaceURI));
        Assert.Equal("17", root.GetAttribute("version"));
        Assert.Equal("full", root.GetAttribute("state"));
        Assert.Equal(Entity, root.GetAttribute("entity"));
        var dialogs = doc.SelectNodes("/d:dialog-info/d:dialog", ns)!;
        Assert.Equal(1, dialogs.Count);
        Assert.Equal("1000", ((XmlElement)dialogs[0]!).GetAttribute("id"));
    }

    [Fact]
    public void Dialog_info_is_UTF_8_without_a_byte_order_mark()
    {
        var body = SipBodies.DialogInfo(Entity, "1000", 0, DeviceState.InUse);

        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?><dialog-info", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
    }

    [Fact]
    public void An_entity_with_XML_characters_is_escaped_not_injected()
    {
        const string hostile = "sip:a\"b<c>&d@x";

        var (doc, _) = Load(SipBodies.DialogInfo(hostile, "1000", 0, DeviceState.OnHold));

        Assert.Equal(hostile, doc.DocumentElement!.GetAttribute("entity"));
    }

    // ---- message-summary ----

    [Fact]
    public void The_message_summary_is_RFC_3842_text_with_the_lamp_account_and_counts()
    {
        var body = SipBodies.MessageSummary("sip:1000@pbx.example", new MailboxCounts(2, 5, 1));

        Assert.Equal("Messages-Waiting: yes\r\nMessage-Account: sip:1000@pbx.example\r\nVoice-Message: 2/5 (1/0)\r\n", Encoding.ASCII.GetString(body));
    }

    [Fact]
    public void A_mailbox_with_only_old_messages_or_no_counts_shows_no_lamp()
    {
        Assert.Equal("Messages-Waiting: no\r\nMessage-Account: sip:1000@pbx.example\r\nVoice-Message: 0/3 (0/0)\r\n",
            Encoding.ASCII.GetString(SipBodies.MessageSummary("sip:1000@pbx.example", new MailboxCounts(0, 3))));
        Assert.Equal("Messages-Waiting: no\r\nMessage-Account: sip:1000@pbx.example\r\nVoice-Message: 0/0 (0/0)\r\n",
            Encoding.ASCII.GetString(SipBodies.MessageSummary("sip:1000@pbx.example", null)));
    }

    // ---- PIDF: presence out and back ----

    [Theory]
    [InlineData(PresenceState.Away)]
    [InlineData(PresenceState.Xa)]
    [InlineData(PresenceState.Dnd)]
    [InlineData(PresenceState.Chat)]
    [InlineData(PresenceState.Available)]
    [InlineData(PresenceState.Unavailable)]
    public void A_presence_written_as_PIDF_reads_back_as_the_same_state_and_message(PresenceState state)
    {
        foreach (var device in (DeviceState?[])[null, DeviceState.NotInUse, DeviceState.InUse, DeviceState.OnHold])
        {
            var written = new Presence(state, null, "Back at 3");

            var read = SipBodies.ReadPidf(SipBodies.Pidf(Entity, "t1", device, written));

            Assert.Equal(written, read);
        }
    }

    [Fact]
    public void A_presence_not_set_is_written_as_open_and_reads_back_as_available()
    {
        var body = SipBodies.Pidf(Entity, "t1", DeviceState.NotInUse, new Presence(PresenceState.NotSet));
        var (doc, ns) = Load(body);

        Assert.Equal("open", Text(doc, ns, "/p:presence/p:tuple/p:status/p:basic"));
        Assert.Null(doc.SelectSingleNode("//r:activities", ns));
        Assert.Equal(new Presence(PresenceState.Available, null, "Ready"), SipBodies.ReadPidf(body));
    }

    [Fact]
    public void An_unavailable_device_closes_the_PIDF_whatever_the_presence_says()
    {
        var body = SipBodies.Pidf(Entity, "t1", DeviceState.Unavailable, new Presence(PresenceState.Chat));
        var (doc, ns) = Load(body);

        Assert.Equal("closed", Text(doc, ns, "/p:presence/p:tuple/p:status/p:basic"));
        Assert.Equal(PresenceState.Unavailable, SipBodies.ReadPidf(body).State);
    }

    [Fact]
    public void The_PIDF_note_is_the_presence_message_else_the_devices_and_the_activities_are_RPID_elements()
    {
        var (doc, ns) = Load(SipBodies.Pidf(Entity, "t1", DeviceState.InUse, new Presence(PresenceState.Dnd, null, "In a meeting")));
        var (quiet, qns) = Load(SipBodies.Pidf(Entity, "t1", DeviceState.Ringing, null));

        Assert.Equal("In a meeting", Text(doc, ns, "/p:presence/p:tuple/p:note"));
        Assert.Equal("In a meeting", Text(doc, ns, "/p:presence/dm:person/dm:note"));
        Assert.Equal(["on-the-phone", "busy"], doc.SelectNodes("/p:presence/dm:person/r:activities/*", ns)!.Cast<XmlNode>().Select(n => n.LocalName));
        Assert.Equal(Entity, Text(doc, ns, "/p:presence/p:tuple/p:contact"));
        Assert.Equal("t1", ((XmlElement)doc.SelectSingleNode("/p:presence/p:tuple", ns)!).GetAttribute("id"));
        Assert.Equal("Ringing", Text(quiet, qns, "/p:presence/p:tuple/p:note"));
    }

    [Theory]
    [InlineData("<rpid:away/>", PresenceState.Away)]
    [InlineData("<rpid:vacation/>", PresenceState.Xa)]
    [InlineData("<rpid:busy/>", PresenceState.Dnd)]
    [InlineData("<rpid:other>Chat</rpid:other>", PresenceState.Chat)]
    [InlineData("<rpid:on-the-phone/>", PresenceState.Available)]
    [InlineData("<rpid:unknown/>", PresenceState.Available)]
    public void A_phones_PIDF_activity_maps_to_a_presence_state(string activity, PresenceState expected)
    {
        var body = PidfOf("<tuple id=\"a\"><status><basic>open</basic></status></tuple><dm:person id=\"p\"><rpid:activities>" + activity + "</rpid:activities></dm:person>");

        var read = SipBodies.ReadPidf(body);

        Assert.Equal(expected, read.State);
        Assert.Equal("", read.Message);
    }

    [Fact]
    public void A_PIDF_with_indentation_comments_and_other_namespaces_reads_the_first_note()
    {
        var body = PidfOf("""

              <!-- a phone's comment -->
              <tuple id="a">
                <status><basic> closed </basic></status>
                <note>  Gone home  </note>
                <x:extra xmlns:x="urn:example">ignored</x:extra>
              </tuple>
              <dm:person id="p"><dm:note>second note</dm:note></dm:person>
            """);

        Assert.Equal(new Presence(PresenceState.Unavailable, null, "Gone home"), SipBodies.ReadPidf(body));
    }

    /// <summary>
    /// ReadPidf reads an element's text with ReadElementContentAsString, which leaves the reader on the next
    /// node, and then calls Read, which steps past it: in compact XML the sibling right after a note, basic
    /// or other is never seen. Here away follows other "chat", and away ranks above chat.
    /// </summary>
    [Fact]
    public void An_activity_right_after_another_in_compact_PIDF_is_not_skipped()
    {
        var body = PidfOf("<tuple id=\"a\"><status><basic>open</basic></status></tuple>"
            + "<dm:person id=\"p\"><rpid:activities><rpid:other>chat</rpid:other><rpid:away/></rpid:activities></dm:person>");

        Assert.Equal(PresenceState.Away, SipBodies.ReadPidf(body).State);
    }

    /// <summary>
    /// A note is valid PIDF whatever its length or line breaks: ReadPidf says it keeps the first
    /// Presence.MaxMessageLength characters. Today a long note whose cut falls inside a surrogate pair, and a
    /// note with a line break, escape as a ValidationException from the Presence constructor and the PUBLISH
    /// gets 400.
    /// </summary>
    [Theory]
    [InlineData("long emoji")]
    [InlineData("two lines")]
    public void A_long_or_multi_line_note_is_read_into_a_valid_presence_message(string which)
    {
        var note = which == "long emoji" ? new string('a', Presence.MaxMessageLength - 1) + "\U0001F600\U0001F600" : "In a meeting\nuntil 3";
        var body = PidfOf("<tuple id=\"a\"><status><basic>open</basic></status><note>" + note + "</note></tuple>");

        var read = SipBodies.ReadPidf(body);

        Assert.Equal(PresenceState.Available, read.State);
        Assert.StartsWith(which == "long emoji" ? "aaaa" : "In a meeting", read.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_note_over_the_limit_is_cut_to_the_limit()
    {
        var body = PidfOf("<tuple id=\"a\"><status><basic>open</basic></status><note>" + new string('n', 2000) + "</note></tuple>");

        Assert.Equal(new string('n', Presence.MaxMessageLength), SipBodies.ReadPidf(body).Message);
    }

    [Fact]
    public void A_PIDF_with_a_DTD_is_refused_before_any_entity_is_expanded()
    {
        var body = Encoding.UTF8.GetBytes("""
            <?xml version="1.0"?>
            <!DOCTYPE presence [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
            <presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple id="t"><status><basic>open</basic></status><note>&lol2;</note></tuple></presence>
            """);

        var e = Assert.Throws<FormatException>(() => SipBodies.ReadPidf(body));

        Assert.IsType<XmlException>(e.InnerException);
    }

    [Fact]
    public void A_PIDF_naming_an_external_entity_is_refused()
    {
        var body = Encoding.UTF8.GetBytes("""
            <?xml version="1.0"?>
            <!DOCTYPE presence [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <presence xmlns="urn:ietf:params:xml:ns:pidf"><tuple id="t"><status><basic>open</basic></status><note>&xxe;</note></tuple></presence>
            """);

        Assert.Throws<FormatException>(() => SipBodies.ReadPidf(body));
    }

    /// <summary>Empty, not XML, unclosed, dialog-info, PIDF without its namespace, without a basic, with a basic
    /// neither open nor closed, with a child in basic, and JSON.</summary>
    public static TheoryData<string> NotPidf =>
    [
        "",
        "Messages-Waiting: yes\r\n",
        "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"><tuple>",
        "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"0\" state=\"full\" entity=\"sip:a@b\"/>",
        "<presence><tuple id=\"t\"><status><basic>open</basic></status></tuple></presence>",
        "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"><tuple id=\"t\"><status/></tuple></presence>",
        "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"><tuple id=\"t\"><status><basic>maybe</basic></status></tuple></presence>",
        "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"><tuple id=\"t\"><status><basic><b>open</b></basic></status></tuple></presence>",
        SipSamples.AsteriskBody,
    ];

    [Theory]
    [MemberData(nameof(NotPidf))]
    public void A_body_that_is_not_PIDF_with_a_basic_status_is_refused(string body)
    {
        Assert.Throws<FormatException>(() => SipBodies.ReadPidf(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void A_PIDF_over_MaxBodyBytes_is_refused_unread()
    {
        var body = PidfOf("<tuple id=\"a\"><status><basic>open</basic></status><note>" + new string('n', SipLimits.MaxBodyBytes) + "</note></tuple>");

        Assert.Throws<FormatException>(() => SipBodies.ReadPidf(body));
    }
}
