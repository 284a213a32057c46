using ActorPresence.Domain;
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
        var e = Assert.Throws<InvalidSettingException>(() => ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "pbx 1" }));

        Assert.Equal("actorpresence.node-name", e.Key);
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
        var e = Assert.Throws<InvalidSettingException>(() => ActorPresenceSettings.FromConfig(Over(hocon)));

        Assert.Equal(key, e.Key);
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("actorpresence.write-timeout = -1s", "actorpresence.write-timeout")]
    [InlineData("actorpresence.key-count = lots", "actorpresence.key-count")]
    public void A_malformed_setting_is_refused_as_a_configuration_error_naming_the_key(string hocon, string key)
    {
        var e = Assert.Throws<InvalidSettingException>(() => ActorPresenceSettings.FromConfig(Over(hocon)));

        Assert.Equal(key, e.Key);
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_the_configuration_leaves_out_is_read_from_the_embedded_defaults()
    {
        // No fallback given: only the node name is set, every other key comes from actorpresence.conf.
        var settings = ActorPresenceSettings.FromConfig(ConfigurationFactory.ParseString("actorpresence.node-name = pbx-1"));

        Assert.Equal(Defaults.GetInt("actorpresence.key-count"), settings.KeyCount);
        Assert.Equal(Defaults.GetString("actorpresence.role"), settings.Role);
        Assert.Equal(Defaults.GetTimeSpan("actorpresence.replica-poll-interval", null), settings.ReplicaPollInterval);
    }

    [Fact]
    public void A_key_with_no_default_in_the_embedded_file_is_refused_rather_than_given_one_in_code()
    {
        var e = Assert.Throws<InvalidSettingException>(() => new SettingsReader(Config.Empty, "actorpresence").Int("no-such-key", 1));

        Assert.Equal("actorpresence.no-such-key", e.Key);
    }

    [Theory]
    [InlineData("actorpresence.seed-only = maybe", "actorpresence.seed-only")]
    [InlineData("actorpresence.role = \"\"", "actorpresence.role")]
    [InlineData("actorpresence.seed-only = on\nactorpresence.seed-role = \"\"", "actorpresence.seed-role")]
    public void Build_refuses_a_bad_role_or_seed_setting_naming_the_key(string hocon, string key)
    {
        var e = Assert.Throws<InvalidSettingException>(() => ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "t1" }, ConfigurationFactory.ParseString(hocon)));

        Assert.Equal(key, e.Key);
    }

    [Fact]
    public void A_dedicated_seed_takes_the_seed_role_from_the_defaults_instead_of_telephony()
    {
        var config = ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "s1", SeedOnly = true });

        Assert.Equal([Defaults.GetString("actorpresence.seed-role"), "ap-node:s1"], config.GetStringList("akka.cluster.roles"));
    }

    // ---- the durable section ----

    [Fact]
    public void The_durable_section_read_from_the_defaults_keeps_state_in_memory_only()
    {
        var fromDefaults = DurableSettings.FromConfig(Defaults);

        Assert.Equal(new DurableSettings(null, false), fromDefaults);
        Assert.False(fromDefaults.Enabled);
        // A configuration with nothing in it reads the same values from the embedded file.
        Assert.Equal(fromDefaults, DurableSettings.FromConfig(Config.Empty));
    }

    [Fact]
    public void The_durable_section_takes_what_is_set_and_the_rest_from_the_defaults()
    {
        var settings = DurableSettings.FromConfig(ConfigurationFactory.ParseString("actorpresence.durable.devices = on"));

        Assert.Equal(new DurableSettings(null, true), settings);
    }

    [Theory]
    [InlineData("actorpresence.durable.devices = maybe", "actorpresence.durable.devices")]
    [InlineData("actorpresence.durable.devices = [on]", "actorpresence.durable.devices")]
    [InlineData("actorpresence.durable.path = [\"a\", \"b\"]", "actorpresence.durable.path")]
    [InlineData("actorpresence.durable.path = null", "actorpresence.durable.path")]
    public void A_malformed_durable_setting_is_refused_naming_the_key(string hocon, string key)
    {
        var e = Assert.Throws<InvalidSettingException>(() => DurableSettings.FromConfig(ConfigurationFactory.ParseString(hocon)));

        Assert.Equal(key, e.Key);
        Assert.StartsWith(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_without_a_durable_path_configures_no_durable_store()
    {
        var config = ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "t1" });

        Assert.False(config.HasPath("akka.cluster.distributed-data.durable.sqlite.path"));
        Assert.False(config.HasPath("akka.cluster.distributed-data.durable.store-actor-class"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Build_hands_the_durable_path_to_the_SQLite_store_and_keeps_device_keys_on_disk_only_when_asked(bool devices)
    {
        var user = ConfigurationFactory.ParseString($"""
            actorpresence.durable.path = "/var/lib/ap/ddata.sqlite"
            actorpresence.durable.devices = {(devices ? "on" : "off")}
            """);

        var config = ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "t1" }, user);

        Assert.Equal("/var/lib/ap/ddata.sqlite", config.GetString("akka.cluster.distributed-data.durable.sqlite.path"));
        Assert.Equal(typeof(SqliteDurableStore), Type.GetType(config.GetString("akka.cluster.distributed-data.durable.store-actor-class")));
        // Every key by name (64 per kind by default), no wildcard.
        var keys = config.GetStringList("akka.cluster.distributed-data.durable.keys");
        Assert.Equal(devices ? 3 * 64 : 2 * 64, keys.Count);
        Assert.Contains(KeySpace.KeyIdPrefix(EntityKind.Mailbox) + "0", keys);
        Assert.Contains(KeySpace.KeyIdPrefix(EntityKind.Presence) + "63", keys);
        Assert.Equal(devices, keys.Contains(KeySpace.KeyIdPrefix(EntityKind.Device) + "17"));
        Assert.DoesNotContain(keys, k => k.Contains('*', StringComparison.Ordinal));
    }

    // ---- the tls section ----

    [Fact]
    public void The_tls_section_read_from_the_defaults_is_off_with_no_files()
    {
        var fromDefaults = TlsSettings.FromConfig(Defaults);

        Assert.Equal(new TlsSettings(false, null, "", null), fromDefaults);
        Assert.Equal(fromDefaults, TlsSettings.FromConfig(Config.Empty));
        Assert.Equal("off", ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "t1" }).GetString("akka.remote.dot-netty.tcp.enable-ssl"));
    }

    [Fact]
    public void The_tls_section_with_both_files_turns_on_ssl_in_remoting()
    {
        var user = ConfigurationFactory.ParseString("""
            actorpresence.tls { enabled = on, certificate-path = "/etc/ap/node.pfx", certificate-password = "secret", ca-path = "/etc/ap/ca.pem" }
            """);

        Assert.Equal(new TlsSettings(true, "/etc/ap/node.pfx", "secret", "/etc/ap/ca.pem"), TlsSettings.FromConfig(user));
        Assert.Equal("on", ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "t1" }, user).GetString("akka.remote.dot-netty.tcp.enable-ssl"));
    }

    [Theory]
    [InlineData("actorpresence.tls.enabled = maybe", "actorpresence.tls.enabled")]
    [InlineData("actorpresence.tls { enabled = on, ca-path = \"/etc/ap/ca.pem\" }", "actorpresence.tls.certificate-path")]
    [InlineData("actorpresence.tls { enabled = on, certificate-path = \"/etc/ap/node.pfx\" }", "actorpresence.tls.ca-path")]
    [InlineData("actorpresence.tls { enabled = on, certificate-path = \" \", ca-path = \"/etc/ap/ca.pem\" }", "actorpresence.tls.certificate-path")]
    [InlineData("actorpresence.tls.certificate-password = [1, 2]", "actorpresence.tls.certificate-password")]
    public void A_bad_tls_setting_is_refused_naming_the_key(string hocon, string key)
    {
        var e = Assert.Throws<InvalidSettingException>(() => TlsSettings.FromConfig(ConfigurationFactory.ParseString(hocon)));

        Assert.Equal(key, e.Key);
        Assert.StartsWith(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_tls_settings_never_print_the_certificate_password()
    {
        var settings = new TlsSettings(true, "/etc/ap/node.pfx", "hunter2-secret", "/etc/ap/ca.pem");

        Assert.DoesNotContain("hunter2-secret", settings.ToString(), StringComparison.Ordinal);
        Assert.Contains("/etc/ap/node.pfx", settings.ToString(), StringComparison.Ordinal);
    }

    // ---- sites and federation ----

    [Fact]
    public void The_defaults_put_the_node_in_site_local_with_site_links_off()
    {
        var settings = FederationSettings.FromConfig(Defaults);

        Assert.Equal(SiteId.Local, ActorPresenceSettings.SiteOf(Defaults));
        Assert.False(settings.Enabled);
        Assert.Equal(0, settings.Port);
        Assert.Equal("127.0.0.1", settings.Hostname);
        Assert.Empty(settings.Peers);
        Assert.Equal(TimeSpan.FromSeconds(15), settings.StaleAfter);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.ExpireAfter);
        Assert.Equal(settings, FederationSettings.FromConfig(Config.Empty) with { Peers = settings.Peers });
    }

    [Fact]
    public void Peers_are_grouped_by_site_in_the_order_given_with_ipv6_addresses_in_brackets()
    {
        var user = ConfigurationFactory.ParseString("""
            actorpresence.site = "paris"
            actorpresence.federation {
              port = 7443, certificate-path = "/etc/ap/paris.pfx", ca-path = "/etc/ap/fed-ca.pem"
              peers = ["berlin=10.0.0.1:7443", "rome=[::1]:7444", "berlin=10.0.0.2:7443, berlin=10.0.0.1:7443"]
            }
            """);

        var settings = FederationSettings.FromConfig(user);

        Assert.True(settings.Enabled);
        Assert.Equal(
            [
                new FederationPeer(new SiteId("berlin"), [new PeerAddress("10.0.0.1", 7443), new PeerAddress("10.0.0.2", 7443)]),
                new FederationPeer(new SiteId("rome"), [new PeerAddress("::1", 7444)]),
            ],
            settings.Peers);
        Assert.Equal("[::1]:7444", settings.Peers[1].Addresses[0].ToString());
    }

    [Theory]
    [InlineData("actorpresence.site = \"Berlin\"", "actorpresence.site")]
    [InlineData("actorpresence.federation.port = 70000", "actorpresence.federation.port")]
    [InlineData("actorpresence.federation { port = 7443, ca-path = \"/ca.pem\", peers = [\"b=h:1\"] }", "actorpresence.federation.certificate-path")]
    [InlineData("actorpresence.federation { port = 7443, certificate-path = \"/s.pfx\", peers = [\"b=h:1\"] }", "actorpresence.federation.ca-path")]
    [InlineData("actorpresence.federation { port = 7443, certificate-path = \"/s.pfx\", ca-path = \"/ca.pem\" }", "actorpresence.federation.peers")]
    [InlineData("actorpresence.federation.peers = [\"berlin\"]", "actorpresence.federation.peers")]
    [InlineData("actorpresence.federation.peers = [\"berlin=10.0.0.1\"]", "actorpresence.federation.peers")]
    [InlineData("actorpresence.federation.peers = [\"berlin=10.0.0.1:0\"]", "actorpresence.federation.peers")]
    [InlineData("actorpresence.federation.peers = [\"berlin=::1:7443\"]", "actorpresence.federation.peers")]
    [InlineData("actorpresence.federation.peers = [\"Berlin=10.0.0.1:7443\"]", "actorpresence.federation.peers")]
    [InlineData("actorpresence.federation.peers = [\"local=10.0.0.1:7443\"]", "actorpresence.federation.peers")]
    [InlineData("actorpresence.federation { stale-after = 30s, expire-after = 30s }", "actorpresence.federation.expire-after")]
    [InlineData("actorpresence.federation { heartbeat-interval = 15s }", "actorpresence.federation.heartbeat-interval")]
    [InlineData("actorpresence.federation.max-frame-bytes = 100", "actorpresence.federation.max-frame-bytes")]
    [InlineData("actorpresence.federation.max-pending = 0", "actorpresence.federation.max-pending")]
    public void A_bad_federation_setting_is_refused_naming_the_key(string hocon, string key)
    {
        var e = Assert.Throws<InvalidSettingException>(() => FederationSettings.FromConfig(ConfigurationFactory.ParseString(hocon)));

        Assert.Equal(key, e.Key);
    }

    [Fact]
    public void A_peer_with_this_nodes_own_site_is_refused_saying_so()
    {
        var e = Assert.Throws<InvalidSettingException>(() => FederationSettings.FromConfig(ConfigurationFactory.ParseString(
            "actorpresence { site = \"berlin\", federation.peers = [\"berlin=10.0.0.1:7443\"] }")));

        Assert.Contains("own site", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_federation_settings_never_print_the_certificate_password()
    {
        var settings = FederationSettings.FromConfig(ConfigurationFactory.ParseString(
            "actorpresence.federation.certificate-password = \"hunter2-secret\""));

        Assert.Equal("hunter2-secret", settings.CertificatePassword);
        Assert.DoesNotContain("hunter2-secret", settings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_without_the_actorpresence_section_is_refused()
    {
        Assert.Throws<ConfigurationException>(() => ActorPresenceSettings.FromConfig(ConfigurationFactory.ParseString("akka.loglevel = INFO")));
    }
}
