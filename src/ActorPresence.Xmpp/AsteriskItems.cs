using System.Globalization;
using System.Xml.Linq;
using ActorPresence.Domain;

namespace ActorPresence.Xmpp;

/// <summary>What one pubsub item from an Asterisk server (res_xmpp) says.</summary>
internal abstract record AsteriskItem(AsteriskEid Eid, string Publisher);

/// <summary>Node device_state, item id = the device: its state as that server sees it.</summary>
internal sealed record AsteriskDeviceItem(AsteriskEid Eid, string Publisher, DeviceId Device, DeviceState State, bool Cachable) : AsteriskItem(Eid, Publisher);

/// <summary>Node message_waiting, item id = mailbox@context: new and old counts (no urgent on this wire).</summary>
internal sealed record AsteriskMailboxItem(AsteriskEid Eid, string Publisher, MailboxId Mailbox, MailboxCounts Counts) : AsteriskItem(Eid, Publisher);

/// <summary>An item the bridge will not take, and why (a label for metrics, and a sentence for the log).</summary>
internal sealed class AsteriskItemException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}

/// <summary>
/// res_xmpp's pubsub payloads, both ways. Written as res_xmpp writes them (iksemel's compact form,
/// double quotes, no whitespace), so an Asterisk server that reads only the first child of the first
/// item reads ours; read strictly, every field checked by the domain's rules.
/// </summary>
internal static class AsteriskItems
{
    /// <summary>Counts above this are refused as nonsense (Asterisk reads them with %10d).</summary>
    public const int MaxCount = 1_000_000;

    private static readonly XNamespace Ns = XmppXml.Asterisk;

    public static string DevicePayload(DeviceState state, AsteriskEid eid) =>
        $"<state xmlns=\"{XmppXml.Asterisk}\" eid=\"{eid.Value}\" cachable=\"1\">{state.ToName()}</state>";

    public static string MailboxPayload(MailboxCounts counts, AsteriskEid eid) =>
        string.Create(CultureInfo.InvariantCulture,
            $"<mailbox xmlns=\"{XmppXml.Asterisk}\" eid=\"{eid.Value}\"><NEWMSGS>{counts.New}</NEWMSGS><OLDMSGS>{counts.Old}</OLDMSGS></mailbox>");

    /// <summary>The publish IQ of one item, one item per request as res_xmpp sends them.</summary>
    public static string PublishIq(string id, string service, string node, string itemId, string payload) =>
        $"<iq type=\"set\" to=\"{XmppXml.Escape(service)}\" id=\"{id}\"><pubsub xmlns=\"{XmppXml.Pubsub}\"><publish node=\"{XmppXml.Escape(node)}\"><item id=\"{XmppXml.Escape(itemId)}\">{payload}</item></publish></pubsub></iq>";

    /// <summary>
    /// Reads one <c>&lt;item&gt;</c> of an event from <paramref name="node"/>. Throws
    /// <see cref="AsteriskItemException"/> for an item that breaks a rule.
    /// </summary>
    public static AsteriskItem Read(XElement item, string node, XmppSettings settings)
    {
        var id = (string?)item.Attribute("id");
        if (string.IsNullOrEmpty(id))
        {
            throw new AsteriskItemException("id", "an item without an id");
        }
        var publisher = XmppXml.Bare((string?)item.Attribute("publisher"));
        var payloads = item.Elements().ToList();
        if (payloads.Count != 1)
        {
            throw new AsteriskItemException("payload", $"item '{id}' carries {payloads.Count} elements, not one");
        }
        var payload = payloads[0];
        var eidText = (string?)payload.Attribute("eid");
        if (!AsteriskEid.TryParse(eidText ?? "", out var eid))
        {
            throw new AsteriskItemException("eid", $"item '{id}': eid '{eidText}' is not six hex bytes separated by ':'");
        }
        try
        {
            if (node == settings.DeviceNode)
            {
                if (payload.Name != Ns + "state")
                {
                    throw new AsteriskItemException("payload", $"item '{id}' of {node} holds <{payload.Name.LocalName}>, not <state xmlns='{XmppXml.Asterisk}'>");
                }
                if (payload.HasElements)
                {
                    throw new AsteriskItemException("payload", $"item '{id}': <state> holds elements");
                }
                if (!DeviceStateNames.TryParse(payload.Value.Trim(), out var state))
                {
                    throw new AsteriskItemException("state", $"item '{id}': '{Shorten(payload.Value)}' is not a device state");
                }
                var cachable = (string?)payload.Attribute("cachable") is not { } c || c.Trim() == "1";
                return new AsteriskDeviceItem(eid!, publisher, new DeviceId(id), state, cachable);
            }
            if (node == settings.MailboxNode)
            {
                if (payload.Name != Ns + "mailbox")
                {
                    throw new AsteriskItemException("payload", $"item '{id}' of {node} holds <{payload.Name.LocalName}>, not <mailbox xmlns='{XmppXml.Asterisk}'>");
                }
                var counts = new MailboxCounts(Count(payload, "NEWMSGS", id), Count(payload, "OLDMSGS", id));
                return new AsteriskMailboxItem(eid!, publisher, new MailboxId(id), counts);
            }
        }
        catch (ValidationException e)
        {
            throw new AsteriskItemException("id", $"item '{Shorten(id)}': {e.Message}");
        }
        throw new AsteriskItemException("node", $"an item of node '{node}', which the bridge does not follow");
    }

    private static int Count(XElement mailbox, string name, string id)
    {
        var elements = mailbox.Elements(Ns + name).ToList();
        if (elements.Count != 1)
        {
            throw new AsteriskItemException("counts", $"item '{id}': <{name}> appears {elements.Count} times, not once");
        }
        return int.TryParse(elements[0].Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count <= MaxCount
            ? count
            : throw new AsteriskItemException("counts", $"item '{id}': <{name}> is '{Shorten(elements[0].Value)}', not a count 0–{MaxCount}");
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
