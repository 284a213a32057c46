using ActorPresence.Replication;
using ActorPresence.Serialization;
using Akka.Configuration;

namespace ActorPresence.Tests;

public sealed class ConfigurationTests
{
    private const string WireMessageType = "ActorPresence.Replication.IActorPresenceWireMessage, ActorPresence";
    private const string SerializerType = "ActorPresence.Serialization.ActorPresenceSerializer, ActorPresence";

    private static Config Defaults => ActorPresenceConfig.Defaults;

    // ---- the embedded defaults ----

    [Fact]
    public void The_defaults_spread_each_kind_over_64_keys()
    {
        Assert.Equal(64, Defaults.GetInt("actorpresence.key-count"));
    }

    [Fact]
    public void The_defaults_give_the_telephony_role_to_state_and_to_distributed_data()
    {
        Assert.Equal("telephony", Defaults.GetString("actorpresence.role"));
        Assert.Equal("telephony", Defaults.GetString("akka.cluster.distributed-data.role"));
    }

    [Fact]
    public void The_defaults_enable_the_direct_path()
    {
        Assert.True(Defaults.GetBoolean("actorpresence.direct-path.enabled", false));
    }

    [Fact]
    public void The_defaults_leave_the_node_name_to_the_host()
    {
        Assert.Equal("", Defaults.GetString("actorpresence.node-name", "unset"));
    }

    [Fact]
    public void The_defaults_run_the_split_brain_resolver_with_keep_majority()
    {
        Assert.Equal("keep-majority", Defaults.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Contains("SplitBrainResolverProvider", Defaults.GetString("akka.cluster.downing-provider-class"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_use_the_cluster_provider()
    {
        Assert.Equal("cluster", Defaults.GetString("akka.actor.provider"));
    }

    [Fact]
    public void The_defaults_bind_every_wire_message_to_the_ActorPresence_serializer_with_id_4711()
    {
        var bindings = Defaults.GetConfig("akka.actor.serialization-bindings").AsEnumerable()
            .ToDictionary(kv => kv.Key, kv => kv.Value.GetString(), StringComparer.Ordinal);
        var serializers = Defaults.GetConfig("akka.actor.serializers").AsEnumerable()
            .ToDictionary(kv => kv.Key, kv => kv.Value.GetString(), StringComparer.Ordinal);
        var identifiers = Defaults.GetConfig("akka.actor.serialization-identifiers").AsEnumerable()
            .ToDictionary(kv => kv.Key, kv => kv.Value.GetInt(), StringComparer.Ordinal);

        Assert.Equal("actorpresence", bindings[WireMessageType]);
        Assert.Equal(SerializerType, serializers["actorpresence"]);
        Assert.Equal(4711, identifiers[SerializerType]);
    }

    [Fact]
    public void The_type_names_in_the_serializer_configuration_resolve_to_the_real_types()
    {
        Assert.Equal(typeof(IActorPresenceWireMessage), Type.GetType(WireMessageType));
        Assert.Equal(typeof(ActorPresenceSerializer), Type.GetType(SerializerType));
        Assert.Equal(ActorPresenceSerializer.SerializerId, 4711);
    }

    [Fact]
    public void The_defaults_send_distributed_data_changes_as_deltas()
    {
        Assert.True(Defaults.GetBoolean("akka.cluster.distributed-data.delta-crdt.enabled", false));
    }

    [Fact]
    public void The_defaults_read_as_valid_settings_once_a_node_name_is_given()
    {
        var settings = ActorPresenceSettings.FromConfig(ConfigurationFactory.ParseString("actorpresence.node-name = pbx-1").WithFallback(Defaults));

        Assert.Equal("pbx-1", settings.NodeName.Value);
        Assert.Equal("telephony", settings.Role);
        Assert.Equal(64, settings.KeyCount);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.PassivateIdleAfter);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.WriteTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.AskTimeout);
        Assert.Equal(10_000, settings.SubscriberBuffer);
        Assert.True(settings.DirectPathEnabled);
    }

    // ---- layering ----

    [Fact]
    public void Build_derives_the_telephony_role_and_the_node_name_role()
    {
        var config = ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "t1", Port = 0 });

        Assert.Equal(["telephony", "ap-node:t1"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal("telephony", config.GetString("akka.cluster.distributed-data.role"));
        Assert.Equal("t1", config.GetString("actorpresence.node-name"));
        Assert.Equal(0, config.GetInt("akka.remote.dot-netty.tcp.port", -1));
    }

    [Fact]
    public void Options_win_over_the_user_configuration_which_wins_over_the_defaults()
    {
        var user = ConfigurationFactory.ParseString("""
            actorpresence.node-name = from-file
            actorpresence.key-count = 32
            actorpresence.passivate-idle-after = 10s
            actorpresence.direct-path.enabled = on
            """);
        var options = new ActorPresenceOptions
        {
            NodeName = "from-code",
            KeyCount = 16,
            DirectPathEnabled = false,
            Port = 4053,
        };

        var config = ActorPresenceConfig.Build(options, user);

        Assert.Equal("from-code", config.GetString("actorpresence.node-name"));
        Assert.Equal(16, config.GetInt("actorpresence.key-count"));
        Assert.False(config.GetBoolean("actorpresence.direct-path.enabled", true));
        Assert.Equal(4053, config.GetInt("akka.remote.dot-netty.tcp.port"));
        // Not set in code: the user's file wins over the defaults.
        Assert.Equal(TimeSpan.FromSeconds(10), config.GetTimeSpan("actorpresence.passivate-idle-after", null));
        // Set nowhere else: the default.
        Assert.Equal(TimeSpan.FromSeconds(5), config.GetTimeSpan("actorpresence.write-timeout", null));
        Assert.Equal(["telephony", "ap-node:from-code"], config.GetStringList("akka.cluster.roles"));
    }

    [Fact]
    public void Without_options_the_user_configuration_wins_over_the_defaults()
    {
        var user = ConfigurationFactory.ParseString("""
            actorpresence.node-name = from-file
            actorpresence.key-count = 32
            """);

        var config = ActorPresenceConfig.Build(new ActorPresenceOptions(), user);
        var settings = ActorPresenceSettings.FromConfig(config);

        Assert.Equal("from-file", settings.NodeName.Value);
        Assert.Equal(32, settings.KeyCount);
        Assert.Equal(["telephony", "ap-node:from-file"], config.GetStringList("akka.cluster.roles"));
    }

    [Fact]
    public void Extra_hocon_in_the_options_wins_over_the_user_configuration_but_loses_to_typed_options()
    {
        var user = ConfigurationFactory.ParseString("""
            actorpresence.key-count = 32
            actorpresence.write-timeout = 3s
            """);
        var options = new ActorPresenceOptions
        {
            NodeName = "t1",
            KeyCount = 16,
            Hocon = """
                actorpresence.key-count = 8
                actorpresence.write-timeout = 2s
                """,
        };

        var config = ActorPresenceConfig.Build(options, user);

        Assert.Equal(16, config.GetInt("actorpresence.key-count"));
        Assert.Equal(TimeSpan.FromSeconds(2), config.GetTimeSpan("actorpresence.write-timeout", null));
    }

    [Fact]
    public void A_configured_role_replaces_telephony_in_the_roles_and_in_distributed_data()
    {
        var user = ConfigurationFactory.ParseString("actorpresence.role = pbx");

        var config = ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "t1" }, user);

        Assert.Equal(["pbx", "ap-node:t1"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal("pbx", config.GetString("akka.cluster.distributed-data.role"));
    }

    [Fact]
    public void Roles_the_user_configures_are_kept_and_a_stale_node_name_role_is_replaced()
    {
        var user = ConfigurationFactory.ParseString("""akka.cluster.roles = ["seed", "ap-node:old-name", "telephony"]""");

        var config = ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "t1" }, user);

        Assert.Equal(["seed", "telephony", "ap-node:t1"], config.GetStringList("akka.cluster.roles"));
    }

    [Fact]
    public void Options_render_passivation_and_seed_nodes_as_configuration()
    {
        var options = new ActorPresenceOptions
        {
            NodeName = "t1",
            PassivateIdleAfter = TimeSpan.FromMilliseconds(1500),
            SeedNodes = ["akka.tcp://actorpresence@127.0.0.1:4053", "akka.tcp://actorpresence@127.0.0.1:4054"],
            Hostname = "10.0.0.5",
        };

        var config = ActorPresenceConfig.Build(options);

        Assert.Equal(TimeSpan.FromMilliseconds(1500), config.GetTimeSpan("actorpresence.passivate-idle-after", null));
        Assert.Equal(
            ["akka.tcp://actorpresence@127.0.0.1:4053", "akka.tcp://actorpresence@127.0.0.1:4054"],
            config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal("10.0.0.5", config.GetString("akka.remote.dot-netty.tcp.hostname"));
    }

    [Fact]
    public void Without_a_configured_name_the_node_is_named_after_the_host()
    {
        var config = ActorPresenceConfig.Build(new ActorPresenceOptions());

        var name = config.GetString("actorpresence.node-name");
        Assert.False(string.IsNullOrEmpty(name));
        Assert.Equal(name, ActorPresenceSettings.FromConfig(config).NodeName.Value);
        Assert.Contains("ap-node:" + name, config.GetStringList("akka.cluster.roles"));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    public void A_port_outside_0_to_65535_is_refused(int port)
    {
        Assert.Throws<ConfigurationException>(() => new ActorPresenceOptions { Port = port }.ToConfig());
    }

    [Fact]
    public void An_invalid_node_name_in_the_options_is_refused_naming_the_key()
    {
        var e = Assert.Throws<ConfigurationException>(() => ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "pbx 1" }));

        Assert.Contains("actorpresence.node-name", e.Message, StringComparison.Ordinal);
    }

    // ---- validation of the actorpresence section ----

    private static Config Over(string hocon) =>
        ConfigurationFactory.ParseString(hocon).WithFallback(ConfigurationFactory.ParseString("actorpresence.node-name = pbx-1")).WithFallback(Defaults);

    [Theory]
    [InlineData("actorpresence.key-count = 0", "actorpresence.key-count")]
    [InlineData("actorpresence.key-count = -3", "actorpresence.key-count")]
    [InlineData("actorpresence.key-count = 4097", "actorpresence.key-count")]
    [InlineData("actorpresence.node-name = \"bad name\"", "actorpresence.node-name")]
    [InlineData("actorpresence.node-name = \"pbx/1\"", "actorpresence.node-name")]
    [InlineData("actorpresence.write-timeout = 0s", "actorpresence.write-timeout")]
    [InlineData("actorpresence.ask-timeout = 0s", "actorpresence.ask-timeout")]
    [InlineData("actorpresence.passivate-idle-after = 0s", "actorpresence.passivate-idle-after")]
    [InlineData("actorpresence.subscriber-buffer = 0", "actorpresence.subscriber-buffer")]
    [InlineData("actorpresence.role = \"\"", "actorpresence.role")]
    public void An_invalid_setting_is_refused_with_a_message_naming_the_key(string hocon, string key)
    {
        var e = Assert.Throws<ConfigurationException>(() => ActorPresenceSettings.FromConfig(Over(hocon)));

        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("actorpresence.write-timeout = -1s", "actorpresence.write-timeout")]
    [InlineData("actorpresence.key-count = lots", "actorpresence.key-count")]
    public void A_malformed_setting_is_refused_as_a_configuration_error_naming_the_key(string hocon, string key)
    {
        var e = Assert.Throws<ConfigurationException>(() => ActorPresenceSettings.FromConfig(Over(hocon)));

        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_without_the_actorpresence_section_is_refused()
    {
        Assert.Throws<ConfigurationException>(() => ActorPresenceSettings.FromConfig(ConfigurationFactory.ParseString("akka.loglevel = INFO")));
    }
}
