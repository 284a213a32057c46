using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using ActorPresence.Domain;
using Akka.Configuration;

namespace ActorPresence;

/// <summary>An Asterisk server this node publishes device state and MWI to: its EID (what came from it
/// is never sent back) and the SIP URI its PUBLISHes go to.</summary>
public sealed record AsteriskPeer(AsteriskEid Eid, string Uri);

/// <summary>
/// The <c>actorpresence.sip</c> section, read once and validated: the node's SIP edge (docs/sip.md).
/// Off (no port) by default.
/// </summary>
/// <param name="Port">UDP and TCP port; 0 when the edge is off.</param>
/// <param name="Domain">The domain of the edge's URIs and the digest realm.</param>
/// <param name="Hints">Explicit user → device entries that win over <paramref name="DeviceTemplate"/>.</param>
/// <param name="Users">Digest users and their passwords; empty when no authentication is asked.</param>
public sealed record SipSettings(
    int Port,
    string Hostname,
    string Domain,
    string DeviceTemplate,
    string MailboxTemplate,
    string PresentityTemplate,
    IReadOnlyDictionary<string, DeviceId> Hints,
    IReadOnlyList<IPNetwork> Allow,
    IReadOnlyDictionary<string, string> Users,
    int MinExpires,
    int MaxExpires,
    int DefaultExpires,
    int PerSourceRate,
    int PerSourceBurst,
    int MaxSubscriptions,
    int MaxPublications,
    TimeSpan T1,
    int MaxTcpConnections,
    TimeSpan TcpIdleTimeout,
    AsteriskEid Eid,
    IReadOnlyList<AsteriskPeer> AsteriskPeers,
    int PublishExpires)
{
    public const string Section = "actorpresence.sip";

    /// <summary>The placeholder of the templates.</summary>
    public const string UserPlaceholder = "{user}";

    public bool Enabled => Port > 0;

    public static SipSettings FromConfig(Config config)
    {
        var section = new SettingsReader(config, Section);
        var asterisk = new SettingsReader(config, Section + ".asterisk");
        var port = section.Int("port", 0, 65535);
        var hostname = section.NonEmpty("hostname");
        if (!IPAddress.TryParse(hostname, out _))
        {
            throw section.Invalid("hostname", $"must be an IP address to bind to, e.g. 127.0.0.1 or :: (got '{hostname}')");
        }
        var domain = section.Optional("domain") ?? hostname;
        if (domain.Any(c => c is <= ' ' or > '~' or '<' or '>' or '"' or '@' or ';' or ',' or '?'))
        {
            throw section.Invalid("domain", $"must be a host name or address without spaces or SIP delimiters (got '{domain}')");
        }
        var minExpires = section.Int("min-expires", 1, 86_400);
        var maxExpires = section.Int("max-expires", 1, 86_400);
        if (maxExpires < minExpires)
        {
            throw section.Invalid("max-expires", $"must be at least min-expires ({minExpires}; got {maxExpires})");
        }
        var defaultExpires = section.Int("default-expires", 1, 86_400);
        if (defaultExpires < minExpires || defaultExpires > maxExpires)
        {
            throw section.Invalid("default-expires", $"must be from min-expires to max-expires ({minExpires}–{maxExpires}; got {defaultExpires})");
        }
        var nodeName = ActorPresenceSettings.NodeNameOf(config);
        var eidText = asterisk.Optional("eid");
        AsteriskEid eid;
        if (eidText is null)
        {
            eid = AsteriskEid.FromBytes(SHA256.HashData(Encoding.UTF8.GetBytes(nodeName.Value)));
        }
        else if (!AsteriskEid.TryParse(eidText, out var parsed))
        {
            throw asterisk.Invalid("eid", $"must be six hex bytes separated by ':', e.g. 02:00:00:00:00:01 (got '{eidText}')");
        }
        else
        {
            eid = parsed!;
        }
        return new SipSettings(
            port,
            hostname,
            domain,
            Template(section, "device-template", v => new DeviceId(v)),
            Template(section, "mailbox-template", v => new MailboxId(v)),
            Template(section, "presentity-template", v => new PresentityId(v)),
            ReadHints(config, section),
            ReadAllow(section),
            ReadUsers(section),
            minExpires,
            maxExpires,
            defaultExpires,
            section.Int("per-source-rate", 1, 1_000_000),
            section.Int("per-source-burst", 1, 10_000_000),
            section.Int("max-subscriptions", 1, 10_000_000),
            section.Int("max-publications", 1, 1_000_000),
            section.Positive("t1"),
            section.Int("max-tcp-connections", 1, 100_000),
            section.Positive("tcp-idle-timeout"),
            eid,
            ReadPeers(asterisk, eid),
            asterisk.Int("publish-expires", 60, 86_400));
    }

    /// <summary>A template with exactly one {user}; checked by building the id of a sample user.</summary>
    private static string Template(SettingsReader section, string key, Func<string, object> validate)
    {
        var template = section.NonEmpty(key);
        var at = template.IndexOf(UserPlaceholder, StringComparison.Ordinal);
        if (at < 0 || template.IndexOf(UserPlaceholder, at + 1, StringComparison.Ordinal) >= 0)
        {
            throw section.Invalid(key, $"must contain {UserPlaceholder} exactly once (got '{template}')");
        }
        try
        {
            validate(template.Replace(UserPlaceholder, "1000", StringComparison.Ordinal));
        }
        catch (ValidationException e)
        {
            throw section.Invalid(key, $"does not make a valid id for user 1000: {e.Message}");
        }
        return template;
    }

    private static Dictionary<string, DeviceId> ReadHints(Config config, SettingsReader section)
    {
        var path = section.PathOf("hints");
        var hints = new Dictionary<string, DeviceId>(StringComparer.Ordinal);
        if (!config.HasPath(path))
        {
            return hints;
        }
        var value = config.GetValue(path);
        if (value is null || value.IsEmpty)
        {
            return hints;
        }
        if (!value.IsObject())
        {
            throw section.Invalid("hints", "must be an object of user = device entries, e.g. { \"2000\" = \"Custom:lamp1\" }");
        }
        foreach (var (user, item) in value.GetObject().Items)
        {
            if (!IsSipUser(user))
            {
                throw section.Invalid("hints", $"'{user}' is not a SIP user part (letters, digits and -_.!~*'()&=+$,;?/ only)");
            }
            if (!item.IsString())
            {
                throw section.Invalid("hints", $"the device of '{user}' must be a string");
            }
            try
            {
                hints[user] = new DeviceId(item.GetString());
            }
            catch (ValidationException e)
            {
                throw section.Invalid("hints", $"the device of '{user}': {e.Message}");
            }
        }
        return hints;
    }

    private static List<IPNetwork> ReadAllow(SettingsReader section)
    {
        var allow = new List<IPNetwork>();
        foreach (var raw in section.Strings("allow"))
        {
            if (!IPNetwork.TryParse(raw.Trim(), out var network))
            {
                throw section.Invalid("allow", $"'{raw}' is not a CIDR block such as 10.0.0.0/8 or ::1/128");
            }
            allow.Add(network);
        }
        return allow;
    }

    private static Dictionary<string, string> ReadUsers(SettingsReader section)
    {
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        var path = section.Optional("users-file");
        if (path is null)
        {
            return users;
        }
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw section.Invalid("users-file", $"cannot read '{path}': {e.Message}");
        }
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var user = colon > 0 ? line[..colon] : "";
            var password = colon > 0 ? line[(colon + 1)..] : "";
            if (!IsSipUser(user) || password.Length == 0 || password.Any(char.IsControl))
            {
                throw section.Invalid("users-file", $"line {i + 1} of '{path}' must be user:password");
            }
            if (!users.TryAdd(user, password))
            {
                throw section.Invalid("users-file", $"line {i + 1} of '{path}' names user '{user}' a second time");
            }
        }
        if (users.Count == 0)
        {
            throw section.Invalid("users-file", $"'{path}' names no user; leave users-file empty for no authentication");
        }
        return users;
    }

    private static List<AsteriskPeer> ReadPeers(SettingsReader asterisk, AsteriskEid own)
    {
        const string Form = "must be <eid>=<sip uri>, e.g. 02:00:00:00:00:01=sip:asterisk@10.0.0.5:5060";
        var peers = new List<AsteriskPeer>();
        foreach (var raw in asterisk.Strings("peers"))
        {
            var eq = raw.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !AsteriskEid.TryParse(raw[..eq].Trim(), out var eid))
            {
                throw asterisk.Invalid("peers", $"'{raw}' {Form}");
            }
            var uri = raw[(eq + 1)..].Trim();
            if (!uri.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || uri.Length < 5 || uri.Any(c => c is <= ' ' or > '~' or '<' or '>' or '"'))
            {
                throw asterisk.Invalid("peers", $"'{raw}' {Form}");
            }
            if (eid!.Equals(own))
            {
                throw asterisk.Invalid("peers", $"'{raw}' names this node's own EID ({own})");
            }
            if (peers.Any(p => p.Eid.Equals(eid)))
            {
                throw asterisk.Invalid("peers", $"'{raw}' names EID {eid} a second time");
            }
            peers.Add(new AsteriskPeer(eid, uri));
        }
        return peers;
    }

    /// <summary>RFC 3261's user part, unescaped characters only (no '%' escapes here: a user names an entity).</summary>
    public static bool IsSipUser(string user) =>
        user.Length is > 0 and <= 64 && user.All(c => char.IsAsciiLetterOrDigit(c) || "-_.!~*'()&=+$,;?/".Contains(c));

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"SipSettings {{ Port = {Port}, Hostname = {Hostname}, Domain = {Domain}, Users = {Users.Count}, Peers = [{string.Join(", ", AsteriskPeers.Select(p => $"{p.Eid}={p.Uri}"))}] }}");
}
