using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;
using ActorPresence.Domain;

namespace ActorPresence.Sip;

/// <summary>How a device state shows on a phone, as Asterisk's PJSIP presence renders it.</summary>
/// <param name="DialogState">dialog-info's state: terminated, early or confirmed.</param>
/// <param name="Recipient">Whether the dialog is an incoming call (direction="recipient").</param>
/// <param name="OnHold">Whether the local side is on hold (+sip.rendering=no).</param>
/// <param name="Open">PIDF's basic status.</param>
/// <param name="OnThePhone">Whether RPID shows on-the-phone.</param>
public sealed record LampRendering(string DialogState, bool Recipient, bool OnHold, bool Open, bool OnThePhone, string Note)
{
    public static LampRendering Of(DeviceState? state) => state switch
    {
        DeviceState.InUse or DeviceState.Busy => new("confirmed", false, false, true, true, "On the phone"),
        DeviceState.Ringing => new("early", true, false, true, false, "Ringing"),
        DeviceState.RingInUse => new("confirmed", false, false, true, true, "Ringing"),
        DeviceState.OnHold => new("confirmed", false, true, true, true, "On hold"),
        DeviceState.Unavailable or DeviceState.Invalid => new("terminated", false, false, false, false, "Unavailable"),
        // NOT_INUSE, UNKNOWN, and a device nobody has a view of.
        _ => new("terminated", false, false, true, false, "Ready"),
    };
}

/// <summary>
/// The bodies the edge writes and reads: dialog-info (RFC 4235), simple-message-summary (RFC 3842),
/// PIDF with RPID (RFC 3863, 4480) and Asterisk's JSON of res_pjsip_publish_asterisk. XML is read
/// through System.Xml with DTD processing prohibited and a size limit. It is written from fixed
/// templates with every value escaped: an <see cref="XmlWriter"/> cost 8 KB of garbage per NOTIFY,
/// a third of what the edge allocated per change (docs/benchmarks/README.md, issue 12); the tests
/// read every body back with System.Xml.
/// </summary>
public static class SipBodies
{
    public const string DialogInfoType = "application/dialog-info+xml";
    public const string MessageSummaryType = "application/simple-message-summary";
    public const string PidfType = "application/pidf+xml";
    public const string JsonType = "application/json";

    private const string DialogNs = "urn:ietf:params:xml:ns:dialog-info";
    private const string PidfNs = "urn:ietf:params:xml:ns:pidf";
    private const string RpidNs = "urn:ietf:params:xml:ns:pidf:rpid";
    private const string DataModelNs = "urn:ietf:params:xml:ns:pidf:data-model";


    /// <summary>dialog-info with one dialog for the device's state; <paramref name="version"/> counts this subscription's NOTIFYs.</summary>
    public static byte[] DialogInfo(string entity, string user, long version, DeviceState? state)
    {
        var lamp = LampRendering.Of(state);
        var xml = new StringBuilder(400)
            .Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
            .Append("<dialog-info xmlns=\"").Append(DialogNs).Append("\" version=\"").Append(version.ToString(CultureInfo.InvariantCulture))
            .Append("\" state=\"full\" entity=\"").Append(Escape(entity)).Append("\">")
            .Append("<dialog id=\"").Append(Escape(user)).Append('"').Append(lamp.Recipient ? " direction=\"recipient\">" : ">")
            .Append("<state>").Append(lamp.DialogState).Append("</state>");
        if (lamp.OnHold)
        {
            xml.Append("<local><target uri=\"").Append(Escape(entity)).Append("\"><param pname=\"+sip.rendering\" pvalue=\"no\"/></target></local>");
        }
        xml.Append("</dialog></dialog-info>");
        return Encoding.UTF8.GetBytes(xml.ToString());
    }

    /// <summary>RFC 3842's body: the lamp (new messages waiting), the account, and new/old (urgent new/urgent old).</summary>
    public static byte[] MessageSummary(string account, MailboxCounts? counts)
    {
        counts ??= new MailboxCounts(0, 0);
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Messages-Waiting: {(counts.MessageWaiting ? "yes" : "no")}\r\nMessage-Account: {account}\r\nVoice-Message: {counts.New}/{counts.Old} ({counts.Urgent}/0)\r\n");
        return Encoding.ASCII.GetBytes(text);
    }

    /// <summary>The RPID activity of a presence state, and back (<see cref="ReadPidf"/>).</summary>
    private static string? ActivityOf(PresenceState state) => state switch
    {
        PresenceState.Away => "away",
        PresenceState.Xa => "vacation",
        PresenceState.Dnd => "busy",
        _ => null,
    };

    /// <summary>
    /// PIDF for a user: the basic status is closed when the device is unavailable or the presence is
    /// unavailable; RPID activities carry on-the-phone (the device) and away/vacation/busy (the presence);
    /// chat is RPID's other activity "chat". The note is the presence message, else the device's.
    /// </summary>
    public static byte[] Pidf(string entity, string tupleId, DeviceState? device, Presence? presence)
    {
        var lamp = LampRendering.Of(device);
        var state = presence?.State ?? PresenceState.NotSet;
        var open = lamp.Open && state != PresenceState.Unavailable;
        var note = presence is { Message.Length: > 0 } ? presence.Message : lamp.Note;
        var activities = new List<string>();
        if (lamp.OnThePhone)
        {
            activities.Add("on-the-phone");
        }
        if (ActivityOf(state) is { } activity)
        {
            activities.Add(activity);
        }
        var xml = new StringBuilder(700)
            .Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
            .Append("<presence xmlns=\"").Append(PidfNs).Append("\" xmlns:rpid=\"").Append(RpidNs).Append("\" xmlns:dm=\"").Append(DataModelNs)
            .Append("\" entity=\"").Append(Escape(entity)).Append("\">")
            .Append("<tuple id=\"").Append(Escape(tupleId)).Append("\"><status><basic>").Append(open ? "open" : "closed").Append("</basic></status>")
            .Append("<contact>").Append(Escape(entity)).Append("</contact><note>").Append(Escape(note)).Append("</note></tuple>")
            .Append("<dm:person id=\"p-").Append(Escape(tupleId)).Append("\">");
        if (activities.Count > 0 || state == PresenceState.Chat)
        {
            xml.Append("<rpid:activities>");
            foreach (var a in activities)
            {
                xml.Append("<rpid:").Append(a).Append("/>");
            }
            if (state == PresenceState.Chat)
            {
                xml.Append("<rpid:other>chat</rpid:other>");
            }
            xml.Append("</rpid:activities>");
        }
        xml.Append("<dm:note>").Append(Escape(note)).Append("</dm:note></dm:person></presence>");
        return Encoding.UTF8.GetBytes(xml.ToString());
    }

    /// <summary>
    /// A presence read from PIDF (a phone's PUBLISH): closed → unavailable; RPID away → away, vacation → xa,
    /// busy → dnd, other "chat" → chat; open otherwise → available. The first note is the message.
    /// Throws <see cref="FormatException"/> for anything that is not PIDF.
    /// </summary>
    public static Presence ReadPidf(byte[] body)
    {
        string? basic = null;
        string? note = null;
        var activities = new HashSet<string>(StringComparer.Ordinal);
        string? other = null;
        var sawPresence = false;
        using (var reader = SafeReader(body))
        {
            try
            {
                reader.Read();
                while (!reader.EOF)
                {
                    if (reader.NodeType != XmlNodeType.Element)
                    {
                        reader.Read();
                        continue;
                    }
                    // ReadElementContentAsString moves past the element it reads: no Read() after it.
                    switch (reader.NamespaceURI, reader.LocalName)
                    {
                        case (PidfNs, "basic"):
                            var status = reader.ReadElementContentAsString().Trim();
                            basic ??= status;
                            break;
                        case (PidfNs, "note") or (DataModelNs, "note"):
                            var text = reader.ReadElementContentAsString().Trim();
                            note ??= text.Length > 0 ? text : null;
                            break;
                        case (RpidNs, "other"):
                            var activity = reader.ReadElementContentAsString().Trim();
                            other ??= activity;
                            break;
                        case (PidfNs, "presence"):
                            sawPresence = true;
                            reader.Read();
                            break;
                        case (RpidNs, var name) when name is not "activities":
                            activities.Add(name);
                            reader.Read();
                            break;
                        default:
                            reader.Read();
                            break;
                    }
                }
            }
            catch (XmlException e)
            {
                throw new FormatException($"not well-formed XML: {e.Message}", e);
            }
        }
        if (!sawPresence || basic is not ("open" or "closed"))
        {
            throw new FormatException("not a PIDF document with a basic status");
        }
        var state = basic == "closed" ? PresenceState.Unavailable
            : activities.Contains("away") ? PresenceState.Away
            : activities.Contains("vacation") ? PresenceState.Xa
            : activities.Contains("busy") ? PresenceState.Dnd
            : string.Equals(other, "chat", StringComparison.OrdinalIgnoreCase) ? PresenceState.Chat
            : PresenceState.Available;
        return new Presence(state, null, note is null ? null : Message(note));
    }

    /// <summary>A note as a presence message: control characters (line breaks among them) become spaces, and it is
    /// cut to the longest message allowed, counted in characters, never inside one.</summary>
    private static string Message(string note)
    {
        var builder = new StringBuilder(Math.Min(note.Length, Presence.MaxMessageLength * 2));
        var count = 0;
        foreach (var rune in note.EnumerateRunes())
        {
            if (count == Presence.MaxMessageLength)
            {
                break;
            }
            builder.Append(Rune.IsControl(rune) ? " " : rune.ToString());
            count++;
        }
        return builder.ToString();
    }

    private static XmlReader SafeReader(byte[] body)
    {
        if (body.Length > SipLimits.MaxBodyBytes)
        {
            throw new FormatException($"a body of {body.Length} bytes over {SipLimits.MaxBodyBytes}");
        }
        return XmlReader.Create(new MemoryStream(body), new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = SipLimits.MaxBodyBytes,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        });
    }

    /// <summary>A value for XML text or a quoted attribute: the five markup characters as entities. The values
    /// are ids, URIs and presence messages, already free of control characters by the domain's rules.</summary>
    private static string Escape(string value)
    {
        if (value.AsSpan().IndexOfAny("<>&\"'") < 0)
        {
            return value;
        }
        var escaped = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            escaped.Append(c switch
            {
                '<' => "&lt;",
                '>' => "&gt;",
                '&' => "&amp;",
                '"' => "&quot;",
                '\'' => "&apos;",
                _ => c.ToString(),
            });
        }
        return escaped.ToString();
    }

    // ----- Asterisk's JSON (res_pjsip_publish_asterisk) -----

    /// <summary>A device state as an Asterisk server publishes it.</summary>
    public static byte[] AsteriskDeviceState(DeviceId device, DeviceState state, AsteriskEid eid) =>
        JsonSerializer.SerializeToUtf8Bytes(new AsteriskDeviceStateDoc("devicestate", device.Value, state.ToName(), 1, eid.Value), AsteriskJson.Default.AsteriskDeviceStateDoc);

    /// <summary>Mailbox counts as an Asterisk server publishes them (no urgent count on this wire).</summary>
    public static byte[] AsteriskMailbox(MailboxId mailbox, MailboxCounts counts, AsteriskEid eid) =>
        JsonSerializer.SerializeToUtf8Bytes(new AsteriskMailboxDoc("mailboxstate", mailbox.Value, counts.Old, counts.New, eid.Value), AsteriskJson.Default.AsteriskMailboxDoc);

    /// <summary>
    /// Reads an Asterisk publication body: devicestate, mailboxstate or refresh, every field checked by
    /// the domain's rules. Throws <see cref="FormatException"/> naming what is wrong.
    /// </summary>
    public static AsteriskEvent ReadAsterisk(byte[] body)
    {
        if (body.Length > SipLimits.MaxBodyBytes)
        {
            throw new FormatException($"a body of {body.Length} bytes over {SipLimits.MaxBodyBytes}");
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException e)
        {
            throw new FormatException($"not JSON: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("not a JSON object");
            }
            var type = Text(root, "type");
            if (!AsteriskEid.TryParse(Text(root, "eid"), out var eid))
            {
                throw new FormatException("eid: must be six hex bytes separated by ':'");
            }
            try
            {
                return type switch
                {
                    "devicestate" => new AsteriskDeviceEvent(eid!, new DeviceId(Text(root, "device")),
                        DeviceStateNames.TryParse(Text(root, "state"), out var state) ? state : throw new FormatException("state: not an Asterisk device state")),
                    "mailboxstate" => new AsteriskMailboxEvent(eid!, new MailboxId(Text(root, "uniqueid")),
                        new MailboxCounts(Number(root, "new"), Number(root, "old"))),
                    "refresh" => new AsteriskRefreshEvent(eid!),
                    _ => throw new FormatException($"type: must be devicestate, mailboxstate or refresh (got '{type}')"),
                };
            }
            catch (ValidationException e)
            {
                throw new FormatException(e.Message, e);
            }
        }
    }

    private static string Text(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            throw new FormatException($"{name}: must be a string");
        }
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            // A string whose bytes are not UTF-8.
            throw new FormatException($"{name}: {e.Message}", e);
        }
    }

    private static int Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= 0
            ? n
            : throw new FormatException($"{name}: must be a whole number from 0");
}

public abstract record AsteriskEvent(AsteriskEid Eid);

public sealed record AsteriskDeviceEvent(AsteriskEid Eid, DeviceId Device, DeviceState State) : AsteriskEvent(Eid);

public sealed record AsteriskMailboxEvent(AsteriskEid Eid, MailboxId Mailbox, MailboxCounts Counts) : AsteriskEvent(Eid);

public sealed record AsteriskRefreshEvent(AsteriskEid Eid) : AsteriskEvent(Eid);

internal sealed record AsteriskDeviceStateDoc(string type, string device, string state, int cachable, string eid);

internal sealed record AsteriskMailboxDoc(string type, string uniqueid, int old, int @new, string eid);

[System.Text.Json.Serialization.JsonSerializable(typeof(AsteriskDeviceStateDoc))]
[System.Text.Json.Serialization.JsonSerializable(typeof(AsteriskMailboxDoc))]
internal sealed partial class AsteriskJson : System.Text.Json.Serialization.JsonSerializerContext;
