using ActorPresence.Domain;
using ActorPresence.Replication;
using Akka.Configuration;

namespace ActorPresence;

/// <summary>The <c>actorpresence</c> section of the configuration, read once at start and validated.</summary>
public sealed record ActorPresenceSettings(
    NodeName NodeName,
    string Role,
    int KeyCount,
    TimeSpan PassivateIdleAfter,
    TimeSpan WriteTimeout,
    TimeSpan AskTimeout,
    int SubscriberBuffer,
    bool DirectPathEnabled,
    TimeSpan ReplicaPollInterval)
{
    /// <summary>Clock for write stamps; tests may pass their own.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public static ActorPresenceSettings FromConfig(Config config)
    {
        var section = config.GetConfig("actorpresence")
            ?? throw new ConfigurationException("the actorpresence configuration section is missing");
        var keyCount = Read(section, "key-count", c => c.GetInt("key-count", 0));
        if (keyCount is < 1 or > 4096)
        {
            throw new ConfigurationException($"actorpresence.key-count must be 1–4096 (got {keyCount})");
        }
        var buffer = Read(section, "subscriber-buffer", c => c.GetInt("subscriber-buffer", 0));
        if (buffer < 1)
        {
            throw new ConfigurationException($"actorpresence.subscriber-buffer must be at least 1 (got {buffer})");
        }
        var role = section.GetString("role", "");
        if (string.IsNullOrWhiteSpace(role))
        {
            throw new ConfigurationException("actorpresence.role must not be empty");
        }
        return new ActorPresenceSettings(
            ResolveNodeName(section.GetString("node-name", "")),
            role,
            keyCount,
            Positive(section, "passivate-idle-after"),
            Positive(section, "write-timeout"),
            Positive(section, "ask-timeout"),
            buffer,
            Read(section, "direct-path.enabled", c => c.GetBoolean("direct-path.enabled", true)),
            Positive(section, "replica-poll-interval"));
    }

    /// <summary>The configured name, or one made from the machine's host name when none is set.</summary>
    public static NodeName ResolveNodeName(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            try
            {
                return new NodeName(configured);
            }
            catch (ValidationException e)
            {
                throw new ConfigurationException($"actorpresence.{e.Message}");
            }
        }
        var fromHost = new string(Environment.MachineName.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-').Take(NodeName.MaxLength).ToArray());
        return new NodeName(fromHost.Length > 0 ? fromHost : "node");
    }

    /// <summary>Reads one value; a malformed one is reported with its key rather than as a bare format error.</summary>
    private static T Read<T>(Config section, string key, Func<Config, T> read)
    {
        try
        {
            return read(section);
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidCastException or ArgumentException)
        {
            throw new ConfigurationException($"actorpresence.{key} has a malformed value ({section.GetValue(key)}): {e.Message}");
        }
    }

    private static TimeSpan Positive(Config section, string key)
    {
        var value = Read(section, key, c => c.GetTimeSpan(key, TimeSpan.Zero));
        return value > TimeSpan.Zero ? value : throw new ConfigurationException($"actorpresence.{key} must be a positive duration");
    }
}

/// <summary>The embedded defaults (<c>hocon/actorpresence.conf</c>) and how code options are layered over them.</summary>
public static class ActorPresenceConfig
{
    /// <summary>The role that carries a member's node name, so every node can map members to names.</summary>
    public const string NodeRolePrefix = "ap-node:";

    private static readonly Lazy<Config> LazyDefaults = new(() =>
    {
        using var stream = typeof(ActorPresenceConfig).Assembly.GetManifestResourceStream("ActorPresence.actorpresence.conf")
            ?? throw new InvalidOperationException("embedded actorpresence.conf is missing from the assembly");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    });

    /// <summary>The commented defaults shipped in the library.</summary>
    public static Config Defaults => LazyDefaults.Value;

    public static string NodeRole(NodeName name) => NodeRolePrefix + name.Value;

    /// <summary>
    /// The full configuration of a node: <paramref name="options"/> over <paramref name="user"/> (a
    /// node's own HOCON, if any) over the embedded defaults, plus the cluster roles derived from them
    /// (the telephony role and this node's name role).
    /// </summary>
    public static Config Build(ActorPresenceOptions options, Config? user = null)
    {
        var merged = options.ToConfig();
        if (user is not null)
        {
            merged = merged.WithFallback(user);
        }
        merged = merged.WithFallback(Defaults);
        var name = ActorPresenceSettings.ResolveNodeName(merged.GetString("actorpresence.node-name", ""));
        var role = merged.GetString("actorpresence.role", "telephony");
        // A dedicated seed takes the seed role instead of the telephony one, so distributed data
        // (limited to the telephony role) keeps no replica on it.
        var ownRole = IsSeedOnly(merged) ? merged.GetString("actorpresence.seed-role", "seed") : role;
        var roles = (merged.GetStringList("akka.cluster.roles") ?? [])
            .Where(r => !r.StartsWith(NodeRolePrefix, StringComparison.Ordinal))
            .Append(ownRole)
            .Append(NodeRole(name))
            .Distinct(StringComparer.Ordinal);
        var tls = merged.GetBoolean("actorpresence.tls.enabled", false) ? "on" : "off";
        var durablePath = merged.GetString("actorpresence.durable.path", "");
        var durable = "";
        if (!string.IsNullOrWhiteSpace(durablePath))
        {
            var keys = new List<string> { KeySpace.KeyIdPrefix(EntityKind.Mailbox) + "*", KeySpace.KeyIdPrefix(EntityKind.Presence) + "*" };
            if (merged.GetBoolean("actorpresence.durable.devices", false))
            {
                keys.Add(KeySpace.KeyIdPrefix(EntityKind.Device) + "*");
            }
            durable = $"""
                akka.cluster.distributed-data.durable.keys = [{string.Join(", ", keys.Select(Quote))}]
                akka.cluster.distributed-data.durable.store-actor-class = "ActorPresence.Replication.SqliteDurableStore, ActorPresence"
                akka.cluster.distributed-data.durable.sqlite.path = {Quote(durablePath)}
                """;
        }
        var derived = durable + "\n" + $"""
            akka.remote.dot-netty.tcp.enable-ssl = {tls}
            actorpresence.node-name = {Quote(name.Value)}
            akka.cluster.roles = [{string.Join(", ", roles.Select(Quote))}]
            akka.cluster.distributed-data.role = {Quote(role)}
            """;
        return ConfigurationFactory.ParseString(derived).WithFallback(merged);
    }

    /// <summary>Whether the configuration describes a dedicated seed node (no telephony state).</summary>
    public static bool IsSeedOnly(Config config)
    {
        try
        {
            return config.GetBoolean("actorpresence.seed-only", false);
        }
        catch (Exception e) when (e is NotSupportedException or FormatException)
        {
            throw new ConfigurationException($"actorpresence.seed-only must be on or off (got {config.GetValue("actorpresence.seed-only")})");
        }
    }

    /// <summary>A HOCON string literal.</summary>
    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
