using System.Globalization;
using System.Text;

namespace ActorPresence.Sip.Tests;

/// <summary>Well-formed messages, written line by line, that the tests break in one place at a time.</summary>
internal static class SipSamples
{
    public const string DialogBody =
        "<?xml version=\"1.0\"?><dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"0\" state=\"full\" entity=\"sip:1000@127.0.0.1\"/>";

    public const string AsteriskBody =
        "{\"type\":\"devicestate\",\"device\":\"PJSIP/1000\",\"state\":\"INUSE\",\"cachable\":1,\"eid\":\"02:00:00:00:00:01\"}";

    public const string SubscribeLine = "SUBSCRIBE sip:1000@127.0.0.1 SIP/2.0";

    public static string[] SubscribeHeaders(params string[] extra) =>
    [
        "Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bK-s1;rport",
        "Max-Forwards: 70",
        "From: \"Desk 2000\" <sip:2000@127.0.0.1>;tag=a1",
        "To: <sip:1000@127.0.0.1>",
        "Call-ID: c1@10.0.0.7",
        "CSeq: 1 SUBSCRIBE",
        "Contact: <sip:2000@10.0.0.7:5060>",
        "Event: dialog",
        "Accept: application/dialog-info+xml",
        "Expires: 3600",
        .. extra,
    ];

    public static string[] NotifyHeaders(string body) =>
    [
        "Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-n1",
        "Max-Forwards: 70",
        "From: <sip:1000@127.0.0.1>;tag=srv",
        "To: <sip:2000@127.0.0.1>;tag=a1",
        "Call-ID: c1@10.0.0.7",
        "CSeq: 7 NOTIFY",
        "Event: dialog",
        "Subscription-State: active;expires=3600",
        "Content-Type: application/dialog-info+xml",
        ContentLength(body),
    ];

    public static string[] OkHeaders() =>
    [
        "Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bK-s1;received=10.0.0.7;rport=5060",
        "From: \"Desk 2000\" <sip:2000@127.0.0.1>;tag=a1",
        "To: <sip:1000@127.0.0.1>;tag=srv",
        "Call-ID: c1@10.0.0.7",
        "CSeq: 1 SUBSCRIBE",
        "Expires: 3600",
        "Content-Length: 0",
    ];

    public static string ContentLength(string body) =>
        "Content-Length: " + Encoding.UTF8.GetByteCount(body).ToString(CultureInfo.InvariantCulture);

    /// <summary>Start line, headers, the blank line and the body, every line ended by CRLF.</summary>
    public static string Text(string startLine, IEnumerable<string> headers, string body = "") =>
        startLine + "\r\n" + string.Concat(headers.Select(h => h + "\r\n")) + "\r\n" + body;

    public static byte[] Bytes(string startLine, IEnumerable<string> headers, string body = "") =>
        Encoding.UTF8.GetBytes(Text(startLine, headers, body));

    public static byte[] Subscribe(params string[] extra) => Bytes(SubscribeLine, SubscribeHeaders([.. extra, "Content-Length: 0"]));

    public static byte[] Notify() => Bytes("NOTIFY sip:2000@10.0.0.7:5060 SIP/2.0", NotifyHeaders(DialogBody), DialogBody);

    public static byte[] Ok() => Bytes("SIP/2.0 200 OK", OkHeaders());

    /// <summary>An Asterisk PUBLISH with compact header names and a folded Via.</summary>
    public static byte[] CompactPublish() => Bytes(
        "PUBLISH sip:ast@127.0.0.1 SIP/2.0",
        [
            "v: SIP/2.0/UDP 10.0.0.5:5060",
            " ;branch=z9hG4bK-p1",
            "f: <sip:ast@10.0.0.5>;tag=p",
            "t: <sip:ast@127.0.0.1>",
            "i: p1@10.0.0.5",
            "CSeq: 3 PUBLISH",
            "o: asterisk-devicestate",
            "c: application/json",
            "Expires: 3600",
            "l: " + Encoding.UTF8.GetByteCount(AsteriskBody).ToString(CultureInfo.InvariantCulture),
        ],
        AsteriskBody);

    /// <summary>The valid messages the fuzz tests start their mutations from.</summary>
    public static IReadOnlyList<byte[]> Seeds() => [Subscribe(), Notify(), Ok(), CompactPublish()];
}
