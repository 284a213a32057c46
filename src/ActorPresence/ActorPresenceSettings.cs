using ActorPresence.Domain;
using ActorPresence.Replication;
using Akka.Configuration;

namespace ActorPresence;

/// <summary>The <c>actorpresence</c> section of the configuration, read once at start and validated.</summary>
public sealed record ActorPresenceSettings(
    NodeName NodeName,
    SiteId Site,
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
        // A configuration without the section was not built for ActorPresence (ActorPresenceConfig.Build
        // adds the defaults): refused rather than quietly read from the defaults.
        if (!config.HasPath("actorpresence"))
        {
            throw new ConfigurationException("the actorpresence configuration section is missing");
        }
        var section = new SettingsReader(config, "actorpresence");
        return new ActorPresenceSettings(
            NodeNameOf(config),
            SiteOf(config),
            section.NonEmpty("role"),
            section.Int("key-count", 1, 4096),
            section.Positive("passivate-idle-after"),
            section.Positive("write-timeout"),
            section.Positive("ask-timeout"),
            section.Int("subscriber-buffer", 1),
            section.Flag("direct-path.enabled"),
            section.Positive("replica-poll-interval"));
    }

    /// <summary>The site <paramref name="config"/> gives (<c>actorpresence.site</c>).</summary>
    public static SiteId SiteOf(Config config)
    {
        var value = new SettingsReader(config, "actorpresence").String("site");
        try
        {
            return new SiteId(value);
        }
        catch (ValidationException e)
        {
            throw new InvalidSettingException("actorpresence.site", e.Rule);
        }
    }

    /// <summary>The node name <paramref name="config"/> gives (<c>actorpresence.node-name</c>), or the host's.</summary>
    public static NodeName NodeNameOf(Config config) => ResolveNodeName(new SettingsReader(config, "actorpresence").String("node-name"));

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
                throw new InvalidSettingException("actorpresence.node-name", e.Rule);
            }
        }
        var fromHost = new string(Environment.MachineName.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-').Take(NodeName.MaxLength).ToArray());
        return new NodeName(fromHost.Length > 0 ? fromHost : "node");
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
        var section = new SettingsReader(merged, "actorpresence");
        var name = ActorPresenceSettings.NodeNameOf(merged);
        var role = section.NonEmpty("role");
        // A dedicated seed takes the seed role instead of the telephony one, so distributed data
        // (limited to the telephony role) keeps no replica on it.
        var ownRole = IsSeedOnly(merged) ? section.NonEmpty("seed-role") : role;
        var roles = (merged.GetStringList("akka.cluster.roles") ?? [])
            .Where(r => !r.StartsWith(NodeRolePrefix, StringComparison.Ordinal))
            .Append(ownRole)
            .Append(NodeRole(name))
            .Distinct(StringComparer.Ordinal);
        var tls = TlsSettings.FromConfig(merged).Enabled ? "on" : "off";
        var durableSettings = DurableSettings.FromConfig(merged);
        var durable = "";
        if (durableSettings.Path is { } durablePath)
        {
            // Every durable key by name, not by a wildcard: the replicator checks each write's key
            // against its wildcards with a culture-aware StartsWith, against names with a hash lookup
            // (profiled: the wildcards took 4 % of a node's CPU while it took 9,000 writes/s).
            var keyCount = section.Int("key-count", 1, 4096);
            EntityKind[] durableKinds = durableSettings.Devices
                ? [EntityKind.Mailbox, EntityKind.Presence, EntityKind.Device]
                : [EntityKind.Mailbox, EntityKind.Presence];
            var keys = durableKinds.SelectMany(kind => new KeySpace(kind, keyCount).Keys.Select(k => k.Id)).ToList();
            // SqliteDurableStore reads its file from Akka's durable section, where it is put here.
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
    public static bool IsSeedOnly(Config config) => new SettingsReader(config, "actorpresence").Flag("seed-only");

    /// <summary>A HOCON string literal.</summary>
    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
