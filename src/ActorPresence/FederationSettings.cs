using System.Globalization;
using System.Text;
using ActorPresence.Domain;
using Akka.Configuration;

namespace ActorPresence;

/// <summary>One address where a peer site's gateway may be listening.</summary>
public sealed record PeerAddress(string Host, int Port)
{
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>A peer site and the addresses of the nodes that may run its gateway, tried in order.</summary>
public sealed record FederationPeer(SiteId Site, IReadOnlyList<PeerAddress> Addresses)
{
    public bool Equals(FederationPeer? other) =>
        other is not null && Site.Equals(other.Site) && Addresses.SequenceEqual(other.Addresses);

    public override int GetHashCode() => Site.GetHashCode();
}

/// <summary>
/// The <c>actorpresence.federation</c> section, read once and validated: the site links of this
/// node's cluster (docs/federation.md). Off (no port) by default; when on, the certificate and the
/// federation CA are required and at least one peer must be named.
/// </summary>
/// <param name="Port">The federation port; 0 when site links are off.</param>
/// <param name="CertificatePassword">Password of the PKCS#12 file; empty for none.</param>
public sealed record FederationSettings(
    int Port,
    string Hostname,
    IReadOnlyList<FederationPeer> Peers,
    string? CertificatePath,
    string CertificatePassword,
    string? CaPath,
    TimeSpan StaleAfter,
    TimeSpan ExpireAfter,
    TimeSpan HeartbeatInterval,
    TimeSpan ReconnectAfter,
    int MaxFrameBytes,
    int SnapshotChunk,
    int MaxPending)
{
    public const string Section = "actorpresence.federation";

    /// <summary>Largest frame anyone may configure: a frame is held whole in memory.</summary>
    public const int FrameBytesLimit = 16 * 1024 * 1024;

    internal const string RequiredWhenOn = "is required when actorpresence.federation.port is not 0";

    public bool Enabled => Port > 0;

    /// <summary>How often HTTP/2 pings go over a quiet link: the heartbeat interval, at least 1 s (HTTP/2 stacks refuse less).</summary>
    public TimeSpan PingInterval => HeartbeatInterval < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : HeartbeatInterval;

    /// <summary>How long a ping may go unanswered before the connection is dropped: stale-after, at least 1 s.</summary>
    public TimeSpan PingTimeout => StaleAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : StaleAfter;

    public static FederationSettings FromConfig(Config config)
    {
        var section = new SettingsReader(config, Section);
        var site = ActorPresenceSettings.SiteOf(config);
        var port = section.Int("port", 0, 65535);
        var peers = ParsePeers(section, site);
        var certificate = section.Optional("certificate-path");
        var ca = section.Optional("ca-path");
        var staleAfter = section.Positive("stale-after");
        var expireAfter = section.Positive("expire-after");
        var heartbeat = section.Positive("heartbeat-interval");
        if (expireAfter <= staleAfter)
        {
            throw section.Invalid("expire-after", $"must be longer than stale-after ({Seconds(staleAfter)}; got {Seconds(expireAfter)})");
        }
        if (heartbeat >= staleAfter)
        {
            throw section.Invalid("heartbeat-interval", $"must be shorter than stale-after ({Seconds(staleAfter)}; got {Seconds(heartbeat)})");
        }
        if (port > 0)
        {
            if (certificate is null)
            {
                throw section.Invalid("certificate-path", RequiredWhenOn);
            }
            if (ca is null)
            {
                throw section.Invalid("ca-path", RequiredWhenOn);
            }
            if (peers.Count == 0)
            {
                throw section.Invalid("peers", $"{RequiredWhenOn}: name at least one peer site as site=host:port");
            }
        }
        return new FederationSettings(
            port,
            section.NonEmpty("hostname"),
            peers,
            certificate,
            section.String("certificate-password"),
            ca,
            staleAfter,
            expireAfter,
            heartbeat,
            section.Positive("reconnect-after"),
            section.Int("max-frame-bytes", 4096, FrameBytesLimit),
            section.Int("snapshot-chunk", 1, 100_000),
            section.Int("max-pending", 1, 10_000_000));
    }

    /// <summary>Reads <c>peers</c>: <c>site=host:port</c> items, the same site possibly several times.</summary>
    private static List<FederationPeer> ParsePeers(SettingsReader section, SiteId self)
    {
        var bySite = new Dictionary<SiteId, List<PeerAddress>>();
        var order = new List<SiteId>();
        foreach (var raw in section.Strings("peers").SelectMany(p => p.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            var (site, address) = ParsePeer(section, raw);
            if (site.Equals(self))
            {
                throw section.Invalid("peers", $"'{raw}' names this node's own site ({self}); peers are other sites");
            }
            if (!bySite.TryGetValue(site, out var addresses))
            {
                bySite[site] = addresses = [];
                order.Add(site);
            }
            if (!addresses.Contains(address))
            {
                addresses.Add(address);
            }
        }
        return order.Select(s => new FederationPeer(s, bySite[s])).ToList();
    }

    private static (SiteId Site, PeerAddress Address) ParsePeer(SettingsReader section, string raw)
    {
        const string Form = "must be site=host:port, e.g. berlin=10.0.0.1:7443 or berlin=[::1]:7443";
        var eq = raw.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw section.Invalid("peers", $"'{raw}' {Form}");
        }
        SiteId site;
        try
        {
            site = new SiteId(raw[..eq].Trim());
        }
        catch (ValidationException e)
        {
            throw section.Invalid("peers", $"'{raw}': the site {e.Rule}");
        }
        var endpoint = raw[(eq + 1)..].Trim();
        string host;
        string portText;
        if (endpoint.StartsWith('['))
        {
            var close = endpoint.IndexOf(']', StringComparison.Ordinal);
            if (close < 2 || close + 1 >= endpoint.Length || endpoint[close + 1] != ':')
            {
                throw section.Invalid("peers", $"'{raw}' {Form}");
            }
            host = endpoint[1..close];
            portText = endpoint[(close + 2)..];
        }
        else
        {
            var colon = endpoint.LastIndexOf(':');
            if (colon <= 0 || endpoint.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                throw section.Invalid("peers", $"'{raw}' {Form}");
            }
            host = endpoint[..colon];
            portText = endpoint[(colon + 1)..];
        }
        if (host.Length == 0 || host.Any(c => c is <= ' ' or > '~' or '/' or '@' or '?' or '#')
            || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw section.Invalid("peers", $"'{raw}' {Form} (port 1–65535)");
        }
        return (site, new PeerAddress(host, port));
    }

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";

    // Keeps the password out of logs and messages that print the record.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Port = {Port}, Hostname = {Hostname}, Peers = [{string.Join(", ", Peers.Select(p => $"{p.Site}={string.Join("|", p.Addresses)}"))}], ")
            .Append($"CertificatePath = {CertificatePath}, CertificatePassword = ***, CaPath = {CaPath}, ")
            .Append($"StaleAfter = {StaleAfter}, ExpireAfter = {ExpireAfter}, HeartbeatInterval = {HeartbeatInterval}, ReconnectAfter = {ReconnectAfter}, ")
            .Append($"MaxFrameBytes = {MaxFrameBytes}, SnapshotChunk = {SnapshotChunk}, MaxPending = {MaxPending}");
        return true;
    }
}
