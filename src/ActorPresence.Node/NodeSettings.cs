using System.Collections;
using System.CommandLine;
using System.Globalization;
using ActorPresence.Domain;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Node;

/// <summary>A bad option or file: the node does not start, and says which one.</summary>
public sealed class NodeOptionsException(string message) : Exception(message);

/// <summary>
/// Everything a node process is told, resolved once at start. Each option can be given on the
/// command line, in an environment variable or in a HOCON file (<c>--config</c>); the command line
/// wins over the environment, which wins over the file, which wins over the embedded defaults.
/// </summary>
public sealed record NodeSettings(
    Config Config,
    NodeName NodeName,
    string Hostname,
    int Port,
    string HttpHostname,
    int HttpPort,
    IReadOnlyList<string> Seeds,
    string DataDir,
    bool SeedOnly,
    string? ApiToken,
    bool OpenReads,
    LogLevel LogLevel,
    NodeLogFormat LogFormat,
    SiteId Site,
    FederationSettings Federation,
    SipSettings Sip,
    XmppSettings Xmpp)
{
    /// <summary>One option: its command-line name, environment variable and HOCON path.</summary>
    /// <param name="EnvOnly">A secret: read from the environment (or the file), never from the command line, where
    /// other users of the machine could see it.</param>
    internal sealed record OptionSpec(string Name, string Env, string Path, string Help, bool IsList = false, bool IsFlag = false, bool EnvOnly = false);

    internal static readonly OptionSpec[] Specs =
    [
        new("--node-name", "ACTORPRESENCE_NODE_NAME", "actorpresence.node-name", "this node's stable name (letters, digits, . _ -)"),
        new("--hostname", "ACTORPRESENCE_HOSTNAME", "akka.remote.dot-netty.tcp.hostname", "address remoting binds to and advertises"),
        new("--port", "ACTORPRESENCE_PORT", "akka.remote.dot-netty.tcp.port", "remoting port"),
        new("--http-hostname", "ACTORPRESENCE_HTTP_HOSTNAME", "actorpresence.node.http-hostname", "address the HTTP API binds to"),
        new("--http-port", "ACTORPRESENCE_HTTP_PORT", "actorpresence.node.http-port", "HTTP API port"),
        new("--seeds", "ACTORPRESENCE_SEEDS", "akka.cluster.seed-nodes", "comma-separated seed addresses, e.g. akka.tcp://actorpresence@127.0.0.1:4053", IsList: true),
        new("--data-dir", "ACTORPRESENCE_DATA_DIR", "actorpresence.node.data-dir", "directory for the node's files"),
        new("--seed-only", "ACTORPRESENCE_SEED_ONLY", "actorpresence.seed-only", "run as a dedicated seed that holds no telephony state", IsFlag: true),
        new("--api-token", "ACTORPRESENCE_API_TOKEN", "actorpresence.node.api-token", "bearer token required for writes, cluster administration and (unless --open-reads) reads; prefer the environment or the file"),
        new("--open-reads", "ACTORPRESENCE_OPEN_READS", "actorpresence.node.open-reads", "with an API token, let reads (GET, the event stream) through without it", IsFlag: true),
        new("--log-level", "ACTORPRESENCE_LOG_LEVEL", "akka.loglevel", "least severe log level written: DEBUG, INFO, WARNING, ERROR or OFF"),
        new("--log-format", "ACTORPRESENCE_LOG_FORMAT", "actorpresence.node.log-format", "console log format: simple (one line per event) or json (one JSON object per line)"),
        new("--site", "ACTORPRESENCE_SITE", "actorpresence.site", "this node's site: the same on every node of the cluster (a-z, 0-9, -)"),
        new("--federation-port", "ACTORPRESENCE_FEDERATION_PORT", "actorpresence.federation.port", "port peer sites' gateways link to; 0 (the default) turns site links off"),
        new("--federation-hostname", "ACTORPRESENCE_FEDERATION_HOSTNAME", "actorpresence.federation.hostname", "address the federation port binds to"),
        new("--federation-peers", "ACTORPRESENCE_FEDERATION_PEERS", "actorpresence.federation.peers", "comma-separated peer sites, site=host:port (a site once per node that may run its gateway)", IsList: true),
        new("--federation-certificate", "ACTORPRESENCE_FEDERATION_CERTIFICATE", "actorpresence.federation.certificate-path", "this site's gateway certificate and key, PKCS#12; its common name is the site id"),
        new("--federation-ca", "ACTORPRESENCE_FEDERATION_CA", "actorpresence.federation.ca-path", "the federation CA certificate(s), PEM (not the cluster's CA)"),
        new("--sip-port", "ACTORPRESENCE_SIP_PORT", "actorpresence.sip.port", "UDP and TCP port of the SIP edge (phones, Asterisk servers); 0 (the default) turns it off"),
        new("--sip-hostname", "ACTORPRESENCE_SIP_HOSTNAME", "actorpresence.sip.hostname", "address the SIP edge binds to"),
        new("--sip-domain", "ACTORPRESENCE_SIP_DOMAIN", "actorpresence.sip.domain", "domain of the SIP edge's URIs and digest realm (default: the SIP hostname)"),
        new("--xmpp", "ACTORPRESENCE_XMPP", "actorpresence.xmpp.enabled", "run the site's XMPP bridge to Asterisk servers' res_xmpp distributed events (on one node at a time)", IsFlag: true),
        new("--xmpp-server", "ACTORPRESENCE_XMPP_SERVER", "actorpresence.xmpp.server", "the XMPP server's host name or address"),
        new("--xmpp-port", "ACTORPRESENCE_XMPP_PORT", "actorpresence.xmpp.port", "the XMPP server's client port (STARTTLS is required)"),
        new("--xmpp-jid", "ACTORPRESENCE_XMPP_JID", "actorpresence.xmpp.jid", "the bridge's account, user@domain"),
        new("--xmpp-password-file", "ACTORPRESENCE_XMPP_PASSWORD_FILE", "actorpresence.xmpp.password-file", "file whose first line is the bridge account's password"),
        new("--xmpp-pubsub-service", "ACTORPRESENCE_XMPP_PUBSUB_SERVICE", "actorpresence.xmpp.pubsub-service", "the pubsub service's JID (default pubsub.<the jid's domain>)"),
        new("--xmpp-eid", "ACTORPRESENCE_XMPP_EID", "actorpresence.xmpp.eid", "the bridge's EID, six hex bytes (default: derived from the site id)"),
        new("--xmpp-ca", "ACTORPRESENCE_XMPP_CA", "actorpresence.xmpp.ca", "PEM file of the CA(s) the XMPP server's certificate must chain to (default: the system's roots)"),
        new("--xmpp-expire-after", "ACTORPRESENCE_XMPP_EXPIRE_AFTER", "actorpresence.xmpp.expire-after", "how long an unavailable Asterisk account's device views stay before they are withdrawn, e.g. 30s"),
        new("--xmpp-republish-interval", "ACTORPRESENCE_XMPP_REPUBLISH_INTERVAL", "actorpresence.xmpp.republish-interval", "the period of the bridge's safety-net republish of everything, e.g. 1h"),
        new("--federation-certificate-password", "ACTORPRESENCE_FEDERATION_CERTIFICATE_PASSWORD", "actorpresence.federation.certificate-password", "password of the federation certificate", EnvOnly: true),
    ];

    internal const string ConfigOption = "--config";
    internal const string ConfigEnv = "ACTORPRESENCE_CONFIG";

    /// <summary>Resolves the settings from the command line, the environment and the files they name.</summary>
    public static NodeSettings Resolve(string[] args, IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var root = BuildCommand();
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            throw new NodeOptionsException(string.Join("; ", parsed.Errors.Select(e => e.Message)));
        }

        string? FromEnv(string name) => environment[name] is string v && v.Length > 0 ? v : null;

        var configPath = parsed.GetValue<string?>(ConfigOption) ?? FromEnv(ConfigEnv);
        var file = configPath is null ? Config.Empty : ReadFile(configPath, parsed.GetValue<string?>(ConfigOption) is null ? ConfigEnv : ConfigOption);

        // Command line over environment over file.
        var overrides = new List<string>();
        foreach (var spec in Specs)
        {
            string? value;
            if (spec.EnvOnly)
            {
                value = FromEnv(spec.Env);
            }
            else if (spec.IsFlag)
            {
                // Given on the command line (bare, or with true/false), it wins; otherwise the environment.
                value = parsed.GetResult(spec.Name) is System.CommandLine.Parsing.OptionResult { Implicit: false }
                    ? (parsed.GetValue<bool>(spec.Name) ? "on" : "off")
                    : FromEnv(spec.Env);
            }
            else
            {
                value = parsed.GetValue<string?>(spec.Name) ?? FromEnv(spec.Env);
            }
            if (value is not null)
            {
                overrides.Add($"{spec.Path} = {Hocon(spec, value)}");
            }
        }
        var user = ConfigurationFactory.ParseString(string.Join("\n", overrides)).WithFallback(file);
        // The settings records read what user leaves unset from the embedded defaults.
        var node = Checked(() => NodeProcessSettings.FromConfig(user));
        var dataDir = Path.GetFullPath(node.DataDir);
        var seedOnly = Checked(() => ActorPresenceConfig.IsSeedOnly(user));
        // The durable store lives in the data directory unless the file names another place.
        if (!seedOnly && !Checked(() => DurableSettings.FromConfig(user)).Enabled)
        {
            var store = Path.Combine(dataDir, "ddata.sqlite");
            user = ConfigurationFactory.ParseString($"actorpresence.durable.path = {ActorPresenceConfig.Quote(store)}").WithFallback(user);
        }
        var config = Checked(() => ActorPresenceConfig.Build(new ActorPresenceOptions(), user));
        // Settings of the library itself (key-count, timeouts…) are checked here too, so a bad file stops the start.
        Checked(() => seedOnly ? null : ActorPresenceSettings.FromConfig(config));
        var site = Checked(() => ActorPresenceSettings.SiteOf(config));
        var federation = Checked(() => FederationSettings.FromConfig(config));
        if (seedOnly && federation.Enabled)
        {
            throw new NodeOptionsException(Describe("--federation-port", "a dedicated seed holds no state and runs no gateway; give the federation port to the telephony nodes"));
        }
        var sip = Checked(() => SipSettings.FromConfig(config));
        if (seedOnly && sip.Enabled)
        {
            throw new NodeOptionsException(Describe("--sip-port", "a dedicated seed holds no state to show phones; give the SIP port to the telephony nodes"));
        }
        var xmpp = Checked(() => XmppSettings.FromConfig(config));
        if (seedOnly && xmpp.Enabled)
        {
            throw new NodeOptionsException(Describe("--xmpp", "a dedicated seed holds no state and runs no bridge; turn the XMPP bridge on for the telephony nodes"));
        }

        var remoting = new SettingsReader(config, "akka.remote.dot-netty.tcp");
        var hostname = Checked(() => remoting.NonEmpty("hostname"));
        var port = Checked(() => remoting.Int("port", 0, 65535));
        var seeds = config.GetStringList("akka.cluster.seed-nodes") ?? [];
        foreach (var seed in seeds)
        {
            if (!Address.TryParse(seed, out var address) || address.Host is null || address.Port is null)
            {
                throw new NodeOptionsException(Describe("--seeds", $"'{seed}' is not an Akka address like akka.tcp://actorpresence@127.0.0.1:4053"));
            }
            if (address.System != Hosting.ActorPresenceHostingExtensions.ActorSystemName)
            {
                throw new NodeOptionsException(Describe("--seeds", $"'{seed}' names actor system '{address.System}'; every node's is '{Hosting.ActorPresenceHostingExtensions.ActorSystemName}'"));
            }
        }
        var akkaLevel = Checked(() => new SettingsReader(config, "akka").String("loglevel"));
        var logLevel = akkaLevel.ToUpperInvariant() switch
        {
            "DEBUG" => LogLevel.Debug,
            "INFO" => LogLevel.Information,
            "WARNING" => LogLevel.Warning,
            "ERROR" => LogLevel.Error,
            "OFF" => LogLevel.None,
            _ => throw new NodeOptionsException(Describe("--log-level", $"must be DEBUG, INFO, WARNING, ERROR or OFF (got '{akkaLevel}')")),
        };
        return new NodeSettings(config, ActorPresenceSettings.NodeNameOf(config), hostname, port, node.HttpHostname, node.HttpPort, seeds.ToList(), dataDir, seedOnly,
            node.ApiToken, node.OpenReads, logLevel, node.LogFormat, site, federation, sip, xmpp);
    }

    /// <summary>
    /// Runs one read of the configuration; a bad value stops the start with a message naming the
    /// option that sets its key, or <c>--config</c> for a key no option sets.
    /// </summary>
    private static T Checked<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidSettingException e)
        {
            throw new NodeOptionsException(Specs.FirstOrDefault(s => s.Path == e.Key) is { } spec
                ? Describe(spec.Name, e.Problem)
                : Describe(ConfigOption, e.Message));
        }
        catch (ConfigurationException e)
        {
            throw new NodeOptionsException(Describe(ConfigOption, e.Message));
        }
    }

    private static string Describe(string option, string problem)
    {
        var spec = Specs.FirstOrDefault(s => s.Name == option);
        var where = spec switch
        {
            null => option,
            { EnvOnly: true } => $"env {spec.Env} (config {spec.Path})",
            _ => $"{option} (env {spec.Env}, config {spec.Path})",
        };
        return $"{where}: {problem}";
    }

    private static Config ReadFile(string path, string option)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new NodeOptionsException($"{option}: cannot read '{path}': {e.Message}");
        }
        try
        {
            return ConfigurationFactory.ParseString(text);
        }
        catch (Exception e)
        {
            throw new NodeOptionsException($"{option}: '{path}' is not valid HOCON: {e.Message}");
        }
    }

    private static string Hocon(OptionSpec spec, string value)
    {
        if (spec.IsList)
        {
            var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return "[" + string.Join(", ", items.Select(ActorPresenceConfig.Quote)) + "]";
        }
        if (spec.IsFlag)
        {
            return value.ToLowerInvariant() switch
            {
                "on" or "true" or "yes" or "1" => "on",
                "off" or "false" or "no" or "0" => "off",
                _ => throw new NodeOptionsException(Describe(spec.Name, $"must be on/off, true/false or 1/0 (got '{value}')")),
            };
        }
        if (spec.Path == "actorpresence.node.api-token" && value.Any(char.IsWhiteSpace))
        {
            // HOCON trims quoted strings: a token of blanks would become "no token", an open API.
            throw new NodeOptionsException(Describe(spec.Name, NodeProcessSettings.TokenRule));
        }
        if (spec.Name is "--port" or "--http-port" or "--federation-port" or "--sip-port" or "--xmpp-port")
        {
            return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                ? port.ToString(CultureInfo.InvariantCulture)
                : throw new NodeOptionsException(Describe(spec.Name, $"must be a port number 0–65535 (got '{value}')"));
        }
        return ActorPresenceConfig.Quote(value);
    }

    internal static RootCommand BuildCommand()
    {
        var root = new RootCommand("ActorPresence node: device state, message waiting and presence shared across a cluster.");
        root.Options.Add(new Option<string?>(ConfigOption) { Description = $"HOCON file with node settings (env {ConfigEnv})" });
        foreach (var spec in Specs.Where(s => !s.EnvOnly))
        {
            if (spec.IsFlag)
            {
                root.Options.Add(new Option<bool>(spec.Name) { Description = $"{spec.Help} (env {spec.Env})" });
            }
            else
            {
                root.Options.Add(new Option<string?>(spec.Name) { Description = $"{spec.Help} (env {spec.Env}, config {spec.Path})" });
            }
        }
        return root;
    }
}
