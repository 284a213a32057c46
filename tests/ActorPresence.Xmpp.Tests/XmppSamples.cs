using System.Text;

namespace ActorPresence.Xmpp.Tests;

/// <summary>What an XMPP server (ejabberd, Prosody) and res_xmpp put on the wire, as bytes.</summary>
internal static class XmppSamples
{
    public const string Declaration = "<?xml version='1.0'?>";

    public const string Header =
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='8127432586312095342' from='xmpp.example' version='1.0' xml:lang='en'>";

    public const string Features =
        "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-256</mechanism><mechanism>SCRAM-SHA-1</mechanism></mechanisms>"
        + "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>";

    public const string StartTlsFeatures =
        "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>";

    public const string DeviceEvent =
        "<message from='pubsub.xmpp.example' to='bridge@xmpp.example/actorpresence-local' id='ev-1'>"
        + "<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='device_state'>"
        + "<item id='PJSIP/1000' publisher='asterisk@xmpp.example/astvoip1'><state xmlns=\"http://asterisk.org\" eid=\"02:00:00:00:00:01\" cachable=\"1\">INUSE</state></item>"
        + "</items></event></message>";

    public const string MailboxEvent =
        "<message from='pubsub.xmpp.example' to='bridge@xmpp.example/actorpresence-local'>"
        + "<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='message_waiting'>"
        + "<item id='1000@default'><mailbox xmlns=\"http://asterisk.org\" eid=\"02:00:00:00:00:01\"><NEWMSGS>2</NEWMSGS><OLDMSGS>5</OLDMSGS></mailbox></item>"
        + "</items></event></message>";

    public const string IqResult =
        "<iq type='result' id='bind_1' to='bridge@xmpp.example/actorpresence-local'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>bridge@xmpp.example/actorpresence-local</jid></bind></iq>";

    public const string PublishResult =
        "<iq xmlns='jabber:client' type=\"result\" from='pubsub.xmpp.example' id='p17'/>";

    public const string Presence =
        "<presence from='asterisk@xmpp.example/astvoip1' to='bridge@xmpp.example'><priority>1</priority><c xmlns='http://jabber.org/protocol/caps' node='http://www.asterisk.org/xmpp/client/caps' ver='asterisk-xmpp' ext='voice-v1 video-v1 camera-v1'/></presence>";

    public const string Close = "</stream:stream>";

    /// <summary>The top-level elements a server sends after its stream header.</summary>
    public static readonly string[] Stanzas = [Features, DeviceEvent, MailboxEvent, IqResult, PublishResult, Presence];

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
