using System.Xml.Linq;
using ActorPresence.Domain;
using Akka.Configuration;

namespace ActorPresence.Xmpp.Tests;

/// <summary>res_xmpp's pubsub payloads: written byte for byte as Asterisk writes them, and read strictly.</summary>
public sealed class AsteriskItemsTests
{
    private const string Eid = "02:00:00:00:00:01";
    private static readonly XmppSettings _settings = SettingsOver("");

    private static XmppSettings SettingsOver(string hocon) =>
        XmppSettings.FromConfig(ConfigurationFactory.ParseString(hocon).WithFallback(ActorPresenceConfig.Defaults));

    /// <summary>An &lt;item&gt; as it arrives in an event: parsed from text, in the pubsub#event namespace.</summary>
    private static XElement Item(string attributes, string payload) =>
        XElement.Parse($"<item xmlns='{XmppXml.PubsubEvent}' {attributes}>{payload}</item>");

    private static XElement DeviceItem(string text, string eid = Eid, string cachable = " cachable='1'", string id = "PJSIP/1000") =>
        Item($"id='{id}' publisher='asterisk@xmpp.example/astvoip1'", $"<state xmlns='http://asterisk.org' eid='{eid}'{cachable}>{text}</state>");

    private static XElement MailboxItem(string counts, string id = "1000@default") =>
        Item($"id='{id}'", $"<mailbox xmlns='http://asterisk.org' eid='{Eid}'>{counts}</mailbox>");

    private static AsteriskItemException Refused(XElement item, string node) =>
        Assert.Throws<AsteriskItemException>(() => AsteriskItems.Read(item, node, _settings));

    // ---- writing ----

    [Fact]
    public void A_device_state_payload_is_res_xmpps_compact_text()
    {
        Assert.Equal(
            "<state xmlns=\"http://asterisk.org\" eid=\"02:00:00:00:00:01\" cachable=\"1\">INUSE</state>",
            AsteriskItems.DevicePayload(DeviceState.InUse, new AsteriskEid(Eid)));
        Assert.Equal(
            "<state xmlns=\"http://asterisk.org\" eid=\"02:ab:00:00:00:01\" cachable=\"1\">NOT_INUSE</state>",
            AsteriskItems.DevicePayload(DeviceState.NotInUse, new AsteriskEid("02:AB:00:00:00:01")));
    }

    [Fact]
    public void A_mailbox_payload_is_res_xmpps_compact_text()
    {
        Assert.Equal(
            "<mailbox xmlns=\"http://asterisk.org\" eid=\"02:00:00:00:00:01\"><NEWMSGS>2</NEWMSGS><OLDMSGS>5</OLDMSGS></mailbox>",
            AsteriskItems.MailboxPayload(new MailboxCounts(2, 5), new AsteriskEid(Eid)));
        Assert.Equal(
            "<mailbox xmlns=\"http://asterisk.org\" eid=\"02:00:00:00:00:01\"><NEWMSGS>1000000</NEWMSGS><OLDMSGS>0</OLDMSGS></mailbox>",
            AsteriskItems.MailboxPayload(new MailboxCounts(1_000_000, 0), new AsteriskEid(Eid)));
    }

    [Fact]
    public void A_publish_IQ_carries_one_item_with_its_id_service_and_node_escaped()
    {
        var payload = AsteriskItems.DevicePayload(DeviceState.Busy, new AsteriskEid(Eid));

        var text = AsteriskItems.PublishIq("p1", "pubsub.xmpp.example", "device_state", "Custom:a&b<'\">", payload);

        Assert.Equal(
            "<iq type=\"set\" to=\"pubsub.xmpp.example\" id=\"p1\"><pubsub xmlns=\"http://jabber.org/protocol/pubsub\"><publish node=\"device_state\">"
            + "<item id=\"Custom:a&amp;b&lt;&apos;&quot;&gt;\">" + payload + "</item></publish></pubsub></iq>",
            text);
        var item = XmppXml.Parse(XmppSamples.Bytes(text)).Descendants(XName.Get("item", XmppXml.Pubsub)).Single();
        Assert.Equal("Custom:a&b<'\">", (string?)item.Attribute("id"));
    }

    [Fact]
    public void Every_state_and_counts_written_are_read_back_the_same()
    {
        var eid = new AsteriskEid(Eid);
        foreach (var state in DeviceStateNames.All)
        {
            var item = Item("id='PJSIP/1000'", AsteriskItems.DevicePayload(state, eid));

            var read = Assert.IsType<AsteriskDeviceItem>(AsteriskItems.Read(item, "device_state", _settings));

            Assert.Equal(state, read.State);
        }
        var mailbox = Item("id='1000@default'", AsteriskItems.MailboxPayload(new MailboxCounts(7, 3), eid));
        Assert.Equal(new MailboxCounts(7, 3), Assert.IsType<AsteriskMailboxItem>(AsteriskItems.Read(mailbox, "message_waiting", _settings)).Counts);
    }

    // ---- reading: device_state ----

    [Fact]
    public void A_device_state_item_is_read_with_its_eid_publisher_device_state_and_cachable_flag()
    {
        var item = Item(
            "id='PJSIP/1000' publisher='Asterisk@XMPP.Example/AstVoip1'",
            "<state xmlns='http://asterisk.org' eid='02:00:00:00:00:AB' cachable='1'>INUSE</state>");

        var read = AsteriskItems.Read(item, "device_state", _settings);

        Assert.Equal(
            new AsteriskDeviceItem(new AsteriskEid("02:00:00:00:00:ab"), "asterisk@xmpp.example", new DeviceId("PJSIP/1000"), DeviceState.InUse, true),
            read);
    }

    [Theory]
    [InlineData("not_inuse", DeviceState.NotInUse)]
    [InlineData("RingInUse", DeviceState.RingInUse)]
    [InlineData(" ONHOLD\n", DeviceState.OnHold)]
    [InlineData("unavailable", DeviceState.Unavailable)]
    public void The_device_state_is_read_whatever_its_case_and_surrounding_blanks(string text, DeviceState state)
    {
        Assert.Equal(state, Assert.IsType<AsteriskDeviceItem>(AsteriskItems.Read(DeviceItem(text), "device_state", _settings)).State);
    }

    [Theory]
    [InlineData(" cachable='1'", true)]
    [InlineData(" cachable='0'", false)]
    [InlineData("", true)]
    public void Cachable_is_read_as_1_or_0_and_a_missing_flag_counts_as_cachable(string attribute, bool cachable)
    {
        Assert.Equal(cachable, Assert.IsType<AsteriskDeviceItem>(AsteriskItems.Read(DeviceItem("BUSY", cachable: attribute), "device_state", _settings)).Cachable);
    }

    [Fact]
    public void An_item_without_a_publisher_is_read_with_an_empty_one()
    {
        var item = Item("id='PJSIP/1000'", $"<state xmlns='http://asterisk.org' eid='{Eid}'>BUSY</state>");

        Assert.Equal("", AsteriskItems.Read(item, "device_state", _settings).Publisher);
    }

    [Theory]
    [InlineData("SLEEPING")]
    [InlineData("")]
    [InlineData("IN USE")]
    [InlineData("2")]
    public void An_unknown_device_state_is_refused(string text)
    {
        Assert.Equal("state", Refused(DeviceItem(text), "device_state").Reason);
    }

    [Theory]
    [InlineData("02:00:00:00:00")]
    [InlineData("02:00:00:00:00:01:02")]
    [InlineData("zz:00:00:00:00:01")]
    [InlineData("02-00-00-00-00-01")]
    [InlineData("")]
    public void A_bad_eid_is_refused(string eid)
    {
        Assert.Equal("eid", Refused(DeviceItem("INUSE", eid: eid), "device_state").Reason);
        Assert.Equal("eid", Refused(Item("id='1000'", $"<mailbox xmlns='http://asterisk.org' eid='{eid}'><NEWMSGS>1</NEWMSGS><OLDMSGS>0</OLDMSGS></mailbox>"), "message_waiting").Reason);
    }

    [Fact]
    public void A_payload_without_an_eid_is_refused()
    {
        Assert.Equal("eid", Refused(Item("id='PJSIP/1000'", "<state xmlns='http://asterisk.org'>INUSE</state>"), "device_state").Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("id=''")]
    public void An_item_without_an_id_is_refused(string attributes)
    {
        Assert.Equal("id", Refused(Item(attributes, $"<state xmlns='http://asterisk.org' eid='{Eid}'>INUSE</state>"), "device_state").Reason);
    }

    [Fact]
    public void A_device_id_longer_than_128_characters_or_with_a_blank_is_refused()
    {
        Assert.IsType<AsteriskDeviceItem>(AsteriskItems.Read(DeviceItem("INUSE", id: new string('d', 128)), "device_state", _settings));

        Assert.Equal("id", Refused(DeviceItem("INUSE", id: new string('d', 129)), "device_state").Reason);
        Assert.Equal("id", Refused(DeviceItem("INUSE", id: "PJSIP 1000"), "device_state").Reason);
    }

    [Theory]
    [InlineData("<state xmlns='http://asterisk.org' eid='02:00:00:00:00:01'>INUSE</state><state xmlns='http://asterisk.org' eid='02:00:00:00:00:01'>BUSY</state>")]
    [InlineData("")]
    [InlineData("<state eid='02:00:00:00:00:01'>INUSE</state>")]
    [InlineData("<state xmlns='http://asterisk.org/other' eid='02:00:00:00:00:01'>INUSE</state>")]
    [InlineData("<status xmlns='http://asterisk.org' eid='02:00:00:00:00:01'>INUSE</status>")]
    [InlineData("<mailbox xmlns='http://asterisk.org' eid='02:00:00:00:00:01'><NEWMSGS>1</NEWMSGS><OLDMSGS>0</OLDMSGS></mailbox>")]
    [InlineData("<state xmlns='http://asterisk.org' eid='02:00:00:00:00:01'><b>INUSE</b></state>")]
    public void An_item_of_device_state_with_other_than_one_state_element_in_Asterisks_namespace_is_refused(string payload)
    {
        Assert.Equal("payload", Refused(Item("id='PJSIP/1000'", payload), "device_state").Reason);
    }

    // ---- reading: message_waiting ----

    [Fact]
    public void A_mailbox_item_is_read_with_its_eid_mailbox_and_counts()
    {
        var item = Item(
            "id='1000@default' publisher='asterisk@xmpp.example/astvoip1'",
            "<mailbox xmlns='http://asterisk.org' eid='02:00:00:00:00:01'><NEWMSGS>2</NEWMSGS><OLDMSGS>5</OLDMSGS></mailbox>");

        var read = AsteriskItems.Read(item, "message_waiting", _settings);

        Assert.Equal(
            new AsteriskMailboxItem(new AsteriskEid(Eid), "asterisk@xmpp.example", new MailboxId("1000@default"), new MailboxCounts(2, 5)),
            read);
    }

    [Fact]
    public void A_mailbox_without_a_context_is_in_the_default_context_and_blanks_around_counts_are_ignored()
    {
        var read = Assert.IsType<AsteriskMailboxItem>(AsteriskItems.Read(MailboxItem("<OLDMSGS> 0 </OLDMSGS><NEWMSGS>\n1000000\n</NEWMSGS>", id: "1000"), "message_waiting", _settings));

        Assert.Equal("1000@default", read.Mailbox.Value);
        Assert.Equal(new MailboxCounts(1_000_000, 0), read.Counts);
    }

    [Theory]
    [InlineData("<OLDMSGS>5</OLDMSGS>")]
    [InlineData("<NEWMSGS>2</NEWMSGS>")]
    [InlineData("<NEWMSGS>2</NEWMSGS><NEWMSGS>3</NEWMSGS><OLDMSGS>5</OLDMSGS>")]
    [InlineData("<NEWMSGS>2</NEWMSGS><OLDMSGS>5</OLDMSGS><OLDMSGS>5</OLDMSGS>")]
    [InlineData("<NEWMSGS>-1</NEWMSGS><OLDMSGS>5</OLDMSGS>")]
    [InlineData("<NEWMSGS>+1</NEWMSGS><OLDMSGS>5</OLDMSGS>")]
    [InlineData("<NEWMSGS>two</NEWMSGS><OLDMSGS>5</OLDMSGS>")]
    [InlineData("<NEWMSGS></NEWMSGS><OLDMSGS>5</OLDMSGS>")]
    [InlineData("<NEWMSGS>1.5</NEWMSGS><OLDMSGS>5</OLDMSGS>")]
    [InlineData("<NEWMSGS>1000001</NEWMSGS><OLDMSGS>5</OLDMSGS>")]
    [InlineData("<NEWMSGS>2</NEWMSGS><OLDMSGS>99999999999</OLDMSGS>")]
    [InlineData("<NEWMSGS xmlns='urn:other'>2</NEWMSGS><OLDMSGS>5</OLDMSGS>")]
    [InlineData("<newmsgs>2</newmsgs><OLDMSGS>5</OLDMSGS>")]
    public void Counts_that_are_missing_repeated_negative_not_numbers_or_over_a_million_are_refused(string counts)
    {
        Assert.Equal("counts", Refused(MailboxItem(counts), "message_waiting").Reason);
    }

    [Theory]
    [InlineData("1000@a@b")]
    [InlineData("@default")]
    [InlineData("1000 @default")]
    public void A_bad_mailbox_id_is_refused(string id)
    {
        Assert.Equal("id", Refused(MailboxItem("<NEWMSGS>1</NEWMSGS><OLDMSGS>0</OLDMSGS>", id: id), "message_waiting").Reason);
    }

    [Theory]
    [InlineData("<state xmlns='http://asterisk.org' eid='02:00:00:00:00:01'>INUSE</state>")]
    [InlineData("<mailbox xmlns='urn:other' eid='02:00:00:00:00:01'><NEWMSGS>1</NEWMSGS><OLDMSGS>0</OLDMSGS></mailbox>")]
    [InlineData("<mailbox xmlns='http://asterisk.org' eid='02:00:00:00:00:01'/><mailbox xmlns='http://asterisk.org' eid='02:00:00:00:00:01'/>")]
    public void An_item_of_message_waiting_without_one_mailbox_element_is_refused(string payload)
    {
        Assert.Equal("payload", Refused(Item("id='1000@default'", payload), "message_waiting").Reason);
    }

    // ---- nodes ----

    [Theory]
    [InlineData("pubsub_presence")]
    [InlineData("Device_State")]
    [InlineData("")]
    public void An_item_of_a_node_the_bridge_does_not_follow_is_refused(string node)
    {
        Assert.Equal("node", Refused(DeviceItem("INUSE"), node).Reason);
    }

    [Fact]
    public void The_node_names_are_the_configured_ones()
    {
        var settings = SettingsOver("actorpresence.xmpp { device-node = \"site1/ds\", mailbox-node = \"site1/mwi\" }");

        Assert.IsType<AsteriskDeviceItem>(AsteriskItems.Read(DeviceItem("INUSE"), "site1/ds", settings));
        Assert.IsType<AsteriskMailboxItem>(AsteriskItems.Read(MailboxItem("<NEWMSGS>1</NEWMSGS><OLDMSGS>0</OLDMSGS>"), "site1/mwi", settings));
        Assert.Equal("node", Assert.Throws<AsteriskItemException>(() => AsteriskItems.Read(DeviceItem("INUSE"), "device_state", settings)).Reason);
    }

    [Fact]
    public void An_item_taken_from_a_parsed_event_message_is_read()
    {
        var message = XmppXml.Parse(XmppSamples.Bytes(XmppSamples.DeviceEvent));
        var items = message.Element(XName.Get("event", XmppXml.PubsubEvent))!.Element(XName.Get("items", XmppXml.PubsubEvent))!;

        var read = AsteriskItems.Read(items.Element(XName.Get("item", XmppXml.PubsubEvent))!, (string)items.Attribute("node")!, _settings);

        Assert.Equal(
            new AsteriskDeviceItem(new AsteriskEid(Eid), "asterisk@xmpp.example", new DeviceId("PJSIP/1000"), DeviceState.InUse, true),
            read);
    }
}
