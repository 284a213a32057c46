using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ActorPresence.Domain;
using Akka.Configuration;

namespace ActorPresence;

/// <summary>
/// The <c>actorpresence.xmpp</c> section, read once and validated: the site's bridge to Asterisk servers
/// that distribute their state over XMPP PubSub (res_xmpp's <c>distribute_events</c>; docs/xmpp.md).
/// Off by default.
/// </summary>
/// <param name="Jid">The bridge's account, <c>user@domain</c>.</param>
/// <param name="Password">Read from <c>password-file</c> (its first line); never from the configuration itself.</param>
/// <param name="PubsubService">The JID of the pubsub service (default <c>pubsub.&lt;domain&gt;</c>).</param>
/// <param name="TlsServerName">The name the server's certificate must carry (default the JID's domain).</param>
/// <param name="CaPath">PEM file of the CA(s) the server's certificate must chain to; null: the system's store.</param>
public sealed record XmppSettings(
    bool Enabled,
    string Server,
    int Port,
    string Jid,
    string Password,
    string Resource,
    string PubsubService,
    string DeviceNode,
    string MailboxNode,
    AsteriskEid Eid,
    string TlsServerName,
    string? CaPath,
    TimeSpan ExpireAfter,
    TimeSpan RepublishInterval,
    int PublishRate,
    int PublishWindow,
    int MaxStanzaBytes,
    TimeSpan PingInterval,
    TimeSpan RequestTimeout,
    TimeSpan ReconnectMin,
    TimeSpan ReconnectMax,
    TimeSpan ViewRenewInterval)
{
    public const string Section = "actorpresence.xmpp";

    public string Domain => Jid[(Jid.IndexOf('@', StringComparison.Ordinal) + 1)..];

    public string User => Jid[..Jid.IndexOf('@', StringComparison.Ordinal)];

    public static XmppSettings FromConfig(Config config)
    {
        var section = new SettingsReader(config, Section);
        var enabled = section.Flag("enabled");
        var site = ActorPresenceSettings.SiteOf(config);
        var eidText = section.Optional("eid");
        AsteriskEid eid;
        if (eidText is null)
        {
            // One bridge per site: derived from the site id, so the EID survives the singleton's moves.
            eid = AsteriskEid.FromBytes(SHA256.HashData(Encoding.UTF8.GetBytes("xmpp:" + site.Value)));
        }
        else if (!AsteriskEid.TryParse(eidText, out var parsed))
        {
            throw section.Invalid("eid", $"must be six hex bytes separated by ':', e.g. 02:00:00:00:00:01 (got '{eidText}')");
        }
        else
        {
            eid = parsed!;
        }
        var server = section.String("server").Trim();
        var jid = section.String("jid").Trim();
        var passwordFile = section.Optional("password-file");
        var pubsub = section.Optional("pubsub-service");
        var resource = section.Optional("resource") ?? "actorpresence-" + site.Value;
        var port = section.Int("port", 1, 65535);
        var deviceNode = section.NonEmpty("device-node");
        var mailboxNode = section.NonEmpty("mailbox-node");
        foreach (var (key, node) in new[] { ("device-node", deviceNode), ("mailbox-node", mailboxNode) })
        {
            if (!IsNodeName(node))
            {
                throw section.Invalid(key, $"must be a pubsub node name of letters, digits and _.-/ (got '{node}')");
            }
        }
        var expireAfter = section.Positive("expire-after");
        var republish = section.Positive("republish-interval");
        var publishRate = section.Int("publish-rate", 1, 100_000);
        var publishWindow = section.Int("publish-window", 1, 1_000);
        var maxStanza = section.Int("max-stanza-bytes", 4096, 16 * 1024 * 1024);
        var ping = section.Positive("ping-interval");
        var timeout = section.Positive("request-timeout");
        var reconnectMin = section.Positive("reconnect-min");
        var reconnectMax = section.Positive("reconnect-max");
        if (reconnectMax < reconnectMin)
        {
            throw section.Invalid("reconnect-max", $"must be at least reconnect-min ({reconnectMin.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s)");
        }
        var caPath = section.Optional("ca");
        // Asterisk views live on a lease that every SIP edge enforces (2 x its max-expires, docs/sip.md):
        // the bridge rewrites the views of the servers it follows at half of max-expires, as the SIP edge does.
        var renew = TimeSpan.FromSeconds(new SettingsReader(config, SipSettings.Section).Int("max-expires", 1, 86_400) / 2.0);
        if (!enabled)
        {
            return new XmppSettings(false, server, port, jid, "", resource, pubsub ?? "", deviceNode, mailboxNode, eid, "", caPath,
                expireAfter, republish, publishRate, publishWindow, maxStanza, ping, timeout, reconnectMin, reconnectMax, renew);
        }

        // Only an enabled bridge needs an account; its parts are checked then.
        if (server.Length == 0 || server.Any(c => c is <= ' ' or > '~' or '/' or '@'))
        {
            throw section.Invalid("server", $"must be the XMPP server's host name or address (got '{server}')");
        }
        if (!IsBareJid(jid))
        {
            throw section.Invalid("jid", $"must be the bridge's account as user@domain, e.g. bridge@xmpp.example.net (got '{jid}')");
        }
        if (!IsResource(resource))
        {
            throw section.Invalid("resource", $"must be 1–64 letters, digits or -_. (got '{resource}')");
        }
        var domain = jid[(jid.IndexOf('@', StringComparison.Ordinal) + 1)..];
        pubsub ??= "pubsub." + domain;
        if (!IsDomain(pubsub))
        {
            throw section.Invalid("pubsub-service", $"must be the pubsub service's domain, e.g. pubsub.{domain} (got '{pubsub}')");
        }
        if (passwordFile is null)
        {
            throw section.Invalid("password-file", "must name the file holding the account's password (its first line)");
        }
        string password;
        try
        {
            password = File.ReadLines(passwordFile).FirstOrDefault()?.TrimEnd('\r') ?? "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw section.Invalid("password-file", $"cannot read '{passwordFile}': {e.Message}");
        }
        if (password.Length == 0 || password.Length > 1024 || password.Any(char.IsControl))
        {
            throw section.Invalid("password-file", $"the first line of '{passwordFile}' must be the password (1–1024 characters, no control characters)");
        }
        if (caPath is not null && !File.Exists(caPath))
        {
            throw section.Invalid("ca", $"'{caPath}' does not exist");
        }
        var tlsName = section.Optional("tls-server-name") ?? domain;
        return new XmppSettings(true, server, port, jid, password, resource, pubsub, deviceNode, mailboxNode, eid, tlsName, caPath,
            expireAfter, republish, publishRate, publishWindow, maxStanza, ping, timeout, reconnectMin, reconnectMax, renew);
    }

    /// <summary>A bare JID as this bridge accepts it: an ASCII local part and domain (no resource).</summary>
    public static bool IsBareJid(string jid)
    {
        var at = jid.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at <= 64 && jid.IndexOf('@', at + 1) < 0
            && jid[..at].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '+')
            && IsDomain(jid[(at + 1)..]);
    }

    public static bool IsDomain(string domain) =>
        domain.Length is > 0 and <= 253 && domain.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.')
        && !domain.StartsWith('.') && !domain.EndsWith('.') && !domain.Contains("..", StringComparison.Ordinal);

    private static bool IsResource(string resource) =>
        resource.Length is > 0 and <= 64 && resource.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static bool IsNodeName(string node) =>
        node.Length is > 0 and <= 256 && node.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/');

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"XmppSettings {{ Enabled = {Enabled}, Server = {Server}:{Port}, Jid = {Jid}/{Resource}, Pubsub = {PubsubService}, Eid = {Eid} }}");
}
