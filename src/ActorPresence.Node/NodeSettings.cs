using System.Collections;
using System.CommandLine;
using System.Globalization;
using ActorPresence.Domain;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Node;

/// <summary>How the node writes its log to the console.</summary>
public enum NodeLogFormat
{
    /// <summary>One line per event: time, level, category, message.</summary>
    Simple,

    /// <summary>One JSON object per line, with the event's structured properties.</summary>
    Json,
}

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
    NodeLogFormat LogFormat)
{
    /// <summary>One option: its command-line name, environment variable and HOCON path.</summary>
    internal sealed record OptionSpec(string Name, string Env, string Path, string Help, bool IsList = false, bool IsFlag = false);

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
    ];

    /// <summary>Shortest API token accepted: guessing one must be out of the question.</summary>
    public const int MinTokenLength = 16;

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
            if (spec.IsFlag)
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
        // The durable store lives in the data directory unless the file names another place.
        var layered = user.WithFallback(ActorPresenceConfig.Defaults);
        if (string.IsNullOrWhiteSpace(layered.GetString("actorpresence.durable.path", "")) && !SeedOnlyOrInvalid(layered))
        {
            var dataDir = layered.GetString("actorpresence.node.data-dir", "./data");
            var store = Path.Combine(Path.GetFullPath(string.IsNullOrWhiteSpace(dataDir) ? "./data" : dataDir), "ddata.sqlite");
            user = ConfigurationFactory.ParseString($"actorpresence.durable.path = {ActorPresenceConfig.Quote(store)}").WithFallback(user);
        }
        Config config;
        try
        {
            config = ActorPresenceConfig.Build(new ActorPresenceOptions(), user);
        }
        catch (ConfigurationException e)
        {
            throw new NodeOptionsException(Describe("--node-name", e.Message));
        }
        return Validate(config);
    }

    private static NodeSettings Validate(Config config)
    {
        T Read<T>(string option, Func<T> read)
        {
            try
            {
                return read();
            }
            catch (Exception e) when (e is FormatException or OverflowException or ConfigurationException or ArgumentException or NotSupportedException)
            {
                throw new NodeOptionsException(Describe(option, e.Message));
            }
        }

        var name = Read("--node-name", () => ActorPresenceSettings.ResolveNodeName(config.GetString("actorpresence.node-name", "")));
        var hostname = config.GetString("akka.remote.dot-netty.tcp.hostname", "");
        if (string.IsNullOrWhiteSpace(hostname))
        {
            throw new NodeOptionsException(Describe("--hostname", "must not be empty"));
        }
        var port = Read("--port", () => config.GetInt("akka.remote.dot-netty.tcp.port"));
        CheckPort("--port", port);
        var httpHostname = config.GetString("actorpresence.node.http-hostname", "");
        if (string.IsNullOrWhiteSpace(httpHostname))
        {
            throw new NodeOptionsException(Describe("--http-hostname", "must not be empty"));
        }
        var httpPort = Read("--http-port", () => config.GetInt("actorpresence.node.http-port"));
        CheckPort("--http-port", httpPort);
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
        var dataDir = config.GetString("actorpresence.node.data-dir", "");
        if (string.IsNullOrWhiteSpace(dataDir))
        {
            throw new NodeOptionsException(Describe("--data-dir", "must not be empty"));
        }
        var seedOnly = Read("--seed-only", () => ActorPresenceConfig.IsSeedOnly(config));
        // Settings of the library itself (key-count, timeouts…) are checked here too, so a bad file stops the start.
        Read("--config", () => seedOnly ? null : ActorPresenceSettings.FromConfig(config));
        var apiToken = config.GetString("actorpresence.node.api-token", "");
        if (apiToken.Length > 0 && (apiToken.Length < MinTokenLength || apiToken.Any(c => c is <= ' ' or > '~')))
        {
            throw new NodeOptionsException(Describe("--api-token", $"must be at least {MinTokenLength} printable ASCII characters without spaces"));
        }
        var openReads = Read("--open-reads", () => config.GetBoolean("actorpresence.node.open-reads", false));
        var akkaLevel = config.GetString("akka.loglevel", "INFO");
        var logLevel = akkaLevel.ToUpperInvariant() switch
        {
            "DEBUG" => LogLevel.Debug,
            "INFO" => LogLevel.Information,
            "WARNING" => LogLevel.Warning,
            "ERROR" => LogLevel.Error,
            "OFF" => LogLevel.None,
            _ => throw new NodeOptionsException(Describe("--log-level", $"must be DEBUG, INFO, WARNING, ERROR or OFF (got '{akkaLevel}')")),
        };
        var format = config.GetString("actorpresence.node.log-format", "simple");
        var logFormat = format.ToLowerInvariant() switch
        {
            "simple" => NodeLogFormat.Simple,
            "json" => NodeLogFormat.Json,
            _ => throw new NodeOptionsException(Describe("--log-format", $"must be simple or json (got '{format}')")),
        };
        return new NodeSettings(config, name, hostname, port, httpHostname, httpPort, seeds.ToList(), Path.GetFullPath(dataDir), seedOnly,
            apiToken.Length > 0 ? apiToken : null, openReads, logLevel, logFormat);
    }

    // A bad seed-only value is reported, naming the option, by Validate.
    private static bool SeedOnlyOrInvalid(Config config)
    {
        try
        {
            return ActorPresenceConfig.IsSeedOnly(config);
        }
        catch (ConfigurationException)
        {
            return true;
        }
    }

    private static void CheckPort(string option, int port)
    {
        if (port is < 0 or > 65535)
        {
            throw new NodeOptionsException(Describe(option, $"must be 0–65535 (got {port})"));
        }
    }

    private static string Describe(string option, string problem)
    {
        var spec = Specs.FirstOrDefault(s => s.Name == option);
        var where = spec is null ? option : $"{option} (env {spec.Env}, config {spec.Path})";
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
        if (spec.Name is "--port" or "--http-port")
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
        foreach (var spec in Specs)
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
