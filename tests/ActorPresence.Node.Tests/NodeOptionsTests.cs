using System.Diagnostics;
using System.Globalization;
using ActorPresence.Testing;

namespace ActorPresence.Node.Tests;

/// <summary>
/// How a node resolves its options (DESIGN.md §5): command line over environment over HOCON file
/// over the embedded defaults, and bad options stopping the start with a message naming them.
/// Pure: no node is started, except the real executable run for its exit codes.
/// </summary>
public sealed class NodeOptionsTests : IDisposable
{
    private static readonly TimeSpan _processTimeout = TimeSpan.FromSeconds(60);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ap-node-options-tests", Guid.NewGuid().ToString("N"));

    public NodeOptionsTests()
    {
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // ---- helpers ----

    private static NodeSettings Resolve(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        NodeSettings.Resolve(args, new Dictionary<string, string>(environment ?? new Dictionary<string, string>()));

    private static NodeSettings Resolve(params string[] args) => Resolve(null, args);

    private static NodeOptionsException Refused(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        Assert.Throws<NodeOptionsException>(() => Resolve(environment, args));

    private static NodeOptionsException Refused(params string[] args) => Refused(null, args);

    private string WriteConfig(string hocon)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, hocon);
        return path;
    }

    /// <summary>The resolved value of one option, as text, for the precedence theory.</summary>
    private static string ValueOf(NodeSettings settings, string option) => option switch
    {
        "--node-name" => settings.NodeName.Value,
        "--hostname" => settings.Hostname,
        "--port" => settings.Port.ToString(CultureInfo.InvariantCulture),
        "--http-hostname" => settings.HttpHostname,
        "--http-port" => settings.HttpPort.ToString(CultureInfo.InvariantCulture),
        "--seeds" => string.Join(",", settings.Seeds),
        "--data-dir" => settings.DataDir,
        "--log-level" => $"{settings.Config.GetString("akka.loglevel")}={settings.LogLevel}",
        "--log-format" => settings.LogFormat.ToString().ToLowerInvariant(),
        "--site" => settings.Site.Value,
        "--federation-hostname" => settings.Federation.Hostname,
        "--federation-peers" => string.Join(",", settings.Federation.Peers.SelectMany(p => p.Addresses.Select(a => $"{p.Site}={a}"))),
        "--sip-hostname" => settings.Sip.Hostname,
        "--sip-domain" => settings.Sip.Domain,
        _ => throw new ArgumentOutOfRangeException(nameof(option), option, "not an option of this theory"),
    };

    private static string Expected(string option, string value) => option switch
    {
        "--data-dir" => Path.GetFullPath(value),
        "--log-level" => $"{value}={value switch { "DEBUG" => "Debug", "WARNING" => "Warning", "ERROR" => "Error", _ => value }}",
        _ => value,
    };

    // ---- defaults ----

    [Fact]
    public void With_no_options_the_node_uses_the_documented_defaults()
    {
        var settings = Resolve();

        Assert.Equal(5080, settings.HttpPort);
        Assert.Equal(4053, settings.Port);
        Assert.Equal("127.0.0.1", settings.Hostname);
        Assert.Equal("127.0.0.1", settings.HttpHostname);
        Assert.Equal("data", Path.GetFileName(settings.DataDir));
        Assert.Equal(Path.GetFullPath("data"), settings.DataDir);
        Assert.False(settings.SeedOnly);
        Assert.Empty(settings.Seeds);
        Assert.False(string.IsNullOrEmpty(settings.NodeName.Value));
    }

    [Fact]
    public void With_no_options_the_resolved_configuration_carries_the_defaults_into_akka()
    {
        var settings = Resolve();

        Assert.Equal(4053, settings.Config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal("127.0.0.1", settings.Config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(settings.NodeName.Value, settings.Config.GetString("actorpresence.node-name"));
        Assert.Contains("telephony", settings.Config.GetStringList("akka.cluster.roles"));
    }

    // ---- precedence: command line > environment > file > defaults ----

    [Theory]
    [InlineData("--node-name", "ACTORPRESENCE_NODE_NAME", "actorpresence.node-name = \"from-file\"", "from-file", "from-env", "from-cli")]
    [InlineData("--hostname", "ACTORPRESENCE_HOSTNAME", "akka.remote.dot-netty.tcp.hostname = \"10.1.1.1\"", "10.1.1.1", "10.2.2.2", "10.3.3.3")]
    [InlineData("--port", "ACTORPRESENCE_PORT", "akka.remote.dot-netty.tcp.port = 4101", "4101", "4102", "4103")]
    [InlineData("--http-hostname", "ACTORPRESENCE_HTTP_HOSTNAME", "actorpresence.node.http-hostname = \"10.1.1.1\"", "10.1.1.1", "10.2.2.2", "10.3.3.3")]
    [InlineData("--http-port", "ACTORPRESENCE_HTTP_PORT", "actorpresence.node.http-port = 5101", "5101", "5102", "5103")]
    [InlineData(
        "--seeds",
        "ACTORPRESENCE_SEEDS",
        "akka.cluster.seed-nodes = [\"akka.tcp://actorpresence@10.0.0.1:4053\"]",
        "akka.tcp://actorpresence@10.0.0.1:4053",
        "akka.tcp://actorpresence@10.0.0.2:4053,akka.tcp://actorpresence@10.0.0.3:4053",
        "akka.tcp://actorpresence@10.0.0.4:4053")]
    [InlineData("--data-dir", "ACTORPRESENCE_DATA_DIR", "actorpresence.node.data-dir = \"file-data\"", "file-data", "env-data", "cli-data")]
    [InlineData("--log-level", "ACTORPRESENCE_LOG_LEVEL", "akka.loglevel = DEBUG", "DEBUG", "WARNING", "ERROR")]
    [InlineData("--log-format", "ACTORPRESENCE_LOG_FORMAT", "actorpresence.node.log-format = json", "json", "simple", "json")]
    [InlineData("--site", "ACTORPRESENCE_SITE", "actorpresence.site = \"berlin\"", "berlin", "paris", "rome")]
    [InlineData("--federation-hostname", "ACTORPRESENCE_FEDERATION_HOSTNAME", "actorpresence.federation.hostname = \"10.1.1.1\"", "10.1.1.1", "10.2.2.2", "10.3.3.3")]
    [InlineData("--federation-peers", "ACTORPRESENCE_FEDERATION_PEERS", "actorpresence.federation.peers = [\"b=10.0.0.1:7443\"]", "b=10.0.0.1:7443", "c=10.0.0.2:7443,c=10.0.0.3:7443", "d=[::1]:7443")]
    [InlineData("--sip-hostname", "ACTORPRESENCE_SIP_HOSTNAME", "actorpresence.sip.hostname = \"10.1.1.1\"", "10.1.1.1", "10.2.2.2", "10.3.3.3")]
    [InlineData("--sip-domain", "ACTORPRESENCE_SIP_DOMAIN", "actorpresence.sip.domain = \"a.example\"", "a.example", "b.example", "c.example")]
    public void An_option_given_on_the_command_line_wins_over_the_environment_which_wins_over_the_file_which_wins_over_the_default(
        string option, string envVar, string fileLine, string fromFile, string fromEnv, string fromCli)
    {
        var file = WriteConfig(fileLine);
        var defaults = ValueOf(Resolve(), option);
        var env = new Dictionary<string, string> { [envVar] = fromEnv };

        var fileOnly = ValueOf(Resolve("--config", file), option);
        var fileAndEnv = ValueOf(Resolve(env, "--config", file), option);
        var all = ValueOf(Resolve(env, "--config", file, option, fromCli), option);
        var envOnly = ValueOf(Resolve(env), option);
        var cliOnly = ValueOf(Resolve(option, fromCli), option);

        Assert.NotEqual(Expected(option, fromFile), defaults);
        Assert.Equal(Expected(option, fromFile), fileOnly);
        Assert.Equal(Expected(option, fromEnv), fileAndEnv);
        Assert.Equal(Expected(option, fromCli), all);
        Assert.Equal(Expected(option, fromEnv), envOnly);
        Assert.Equal(Expected(option, fromCli), cliOnly);
    }

    [Fact]
    public void An_option_that_only_the_file_sets_is_taken_from_the_file_while_the_command_line_sets_the_others()
    {
        var file = WriteConfig("""
            actorpresence.node-name = "file-name"
            actorpresence.node.http-port = 5200
            """);
        var env = new Dictionary<string, string> { ["ACTORPRESENCE_PORT"] = "4200" };

        var settings = Resolve(env, "--config", file, "--http-port", "5300");

        Assert.Equal("file-name", settings.NodeName.Value);
        Assert.Equal(5300, settings.HttpPort);
        Assert.Equal(4200, settings.Port);
        Assert.Equal("127.0.0.1", settings.Hostname);
    }

    [Fact]
    public void The_resolved_options_reach_the_akka_configuration_the_node_is_built_from()
    {
        var settings = Resolve(
            "--node-name", "cfg-node", "--hostname", "10.9.9.9", "--port", "4999",
            "--seeds", "akka.tcp://actorpresence@10.9.9.8:4053");

        Assert.Equal("cfg-node", settings.Config.GetString("actorpresence.node-name"));
        Assert.Equal("10.9.9.9", settings.Config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(4999, settings.Config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(["akka.tcp://actorpresence@10.9.9.8:4053"], settings.Config.GetStringList("akka.cluster.seed-nodes"));
    }

    [Fact]
    public void Seed_only_is_off_by_default_and_taken_from_the_file()
    {
        var on = WriteConfig("actorpresence.seed-only = on");

        Assert.False(Resolve().SeedOnly);
        Assert.True(Resolve("--config", on).SeedOnly);
    }

    [Theory]
    [InlineData("off", false)]
    [InlineData("false", false)]
    [InlineData("0", false)]
    [InlineData("no", false)]
    public void Seed_only_off_in_the_environment_wins_over_on_in_the_file(string envValue, bool expected)
    {
        var on = WriteConfig("actorpresence.seed-only = on");
        var env = new Dictionary<string, string> { ["ACTORPRESENCE_SEED_ONLY"] = envValue };

        Assert.Equal(expected, Resolve(env, "--config", on).SeedOnly);
    }

    [Theory]
    [InlineData("on")]
    [InlineData("true")]
    [InlineData("1")]
    [InlineData("yes")]
    [InlineData("TRUE")]
    public void Seed_only_on_in_the_environment_wins_over_off_in_the_file(string envValue)
    {
        var off = WriteConfig("actorpresence.seed-only = off");
        var env = new Dictionary<string, string> { ["ACTORPRESENCE_SEED_ONLY"] = envValue };

        Assert.True(Resolve(env, "--config", off).SeedOnly);
    }

    [Fact]
    public void Seed_only_on_the_command_line_wins_over_off_in_the_environment_and_the_file()
    {
        var off = WriteConfig("actorpresence.seed-only = off");
        var env = new Dictionary<string, string> { ["ACTORPRESENCE_SEED_ONLY"] = "off" };

        Assert.True(Resolve(env, "--config", off, "--seed-only").SeedOnly);
    }

    [Fact]
    public void Seed_only_false_on_the_command_line_wins_over_on_in_the_environment()
    {
        var env = new Dictionary<string, string> { ["ACTORPRESENCE_SEED_ONLY"] = "on" };

        // --seed-only takes an optional boolean; an explicit false on the command line must win.
        Assert.False(Resolve(env, "--seed-only", "false").SeedOnly);
    }

    [Fact]
    public void A_seed_only_value_in_the_environment_that_is_not_a_boolean_is_refused_naming_the_option()
    {
        var env = new Dictionary<string, string> { ["ACTORPRESENCE_SEED_ONLY"] = "maybe" };

        var error = Refused(env);

        Assert.Contains("--seed-only", error.Message, StringComparison.Ordinal);
        Assert.Contains("maybe", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_config_option_on_the_command_line_wins_over_the_config_environment_variable()
    {
        var fromCli = WriteConfig("actorpresence.node-name = \"cli-file\"");
        var fromEnv = WriteConfig("actorpresence.node-name = \"env-file\"");
        var env = new Dictionary<string, string> { ["ACTORPRESENCE_CONFIG"] = fromEnv };

        Assert.Equal("env-file", Resolve(env).NodeName.Value);
        Assert.Equal("cli-file", Resolve(env, "--config", fromCli).NodeName.Value);
    }

    [Fact]
    public void An_empty_environment_variable_counts_as_not_set()
    {
        var file = WriteConfig("akka.remote.dot-netty.tcp.port = 4300");
        var env = new Dictionary<string, string> { ["ACTORPRESENCE_PORT"] = "", ["ACTORPRESENCE_CONFIG"] = file };

        Assert.Equal(4300, Resolve(env).Port);
    }

    [Fact]
    public void Environment_variables_of_other_programs_are_ignored()
    {
        var env = new Dictionary<string, string> { ["PORT"] = "abc", ["HTTP_PORT"] = "abc", ["NODE_NAME"] = "bad name" };

        var settings = Resolve(env);

        Assert.Equal(4053, settings.Port);
        Assert.Equal(5080, settings.HttpPort);
    }

    [Fact]
    public void Port_zero_asks_for_any_free_port_and_is_accepted()
    {
        var settings = Resolve("--port", "0", "--http-port", "0");

        Assert.Equal(0, settings.Port);
        Assert.Equal(0, settings.HttpPort);
    }

    // ---- seeds ----

    [Fact]
    public void Seeds_are_a_comma_separated_list_with_blanks_and_empty_entries_dropped()
    {
        var settings = Resolve("--seeds", "akka.tcp://actorpresence@10.0.0.1:4053, akka.tcp://actorpresence@10.0.0.2:4054,,akka.tcp://actorpresence@pbx3.example:4053");

        Assert.Equal(
            ["akka.tcp://actorpresence@10.0.0.1:4053", "akka.tcp://actorpresence@10.0.0.2:4054", "akka.tcp://actorpresence@pbx3.example:4053"],
            settings.Seeds);
    }

    [Fact]
    public void Seeds_in_the_environment_are_a_comma_separated_list_too()
    {
        var env = new Dictionary<string, string> { ["ACTORPRESENCE_SEEDS"] = "akka.tcp://actorpresence@10.0.0.1:4053,akka.tcp://actorpresence@10.0.0.2:4053" };

        Assert.Equal(["akka.tcp://actorpresence@10.0.0.1:4053", "akka.tcp://actorpresence@10.0.0.2:4053"], Resolve(env).Seeds);
    }

    [Theory]
    [InlineData("127.0.0.1:4053")]
    [InlineData("not-an-address")]
    [InlineData("akka.tcp://actorpresence@127.0.0.1")]
    [InlineData("akka.tcp://actorpresence@127.0.0.1:4053,localhost:4054")]
    public void A_seed_that_is_not_an_akka_address_is_refused_naming_the_option(string seeds)
    {
        var error = Refused("--seeds", seeds);

        Assert.Contains("--seeds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_seed_that_names_another_actor_system_is_refused_naming_the_option_and_the_system()
    {
        var error = Refused("--seeds", "akka.tcp://othersystem@127.0.0.1:4053");

        Assert.Contains("--seeds", error.Message, StringComparison.Ordinal);
        Assert.Contains("othersystem", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_seed_from_the_environment_is_refused_too()
    {
        var env = new Dictionary<string, string> { ["ACTORPRESENCE_SEEDS"] = "akka.tcp://othersystem@127.0.0.1:4053" };

        var error = Refused(env);

        Assert.Contains("--seeds", error.Message, StringComparison.Ordinal);
    }

    // ---- bad options ----

    [Theory]
    [InlineData("--port", new[] { "--port", "abc" })]
    [InlineData("--port", new[] { "--port", "70000" })]
    [InlineData("--port", new[] { "--port", "65536" })]
    [InlineData("--port", new[] { "--port", "4053.5" })]
    [InlineData("--port", new[] { "--port" })]
    [InlineData("--http-port", new[] { "--http-port", "-1" })]
    [InlineData("--http-port", new[] { "--http-port", "http" })]
    [InlineData("--http-port", new[] { "--http-port", "99999" })]
    [InlineData("--node-name", new[] { "--node-name", "bad name" })]
    [InlineData("--node-name", new[] { "--node-name", "pbx/1" })]
    [InlineData("--node-name", new[] { "--node-name", "nödé" })]
    [InlineData("--frobnicate", new[] { "--frobnicate" })]
    [InlineData("--frobnicate", new[] { "--port", "4053", "--frobnicate", "yes" })]
    [InlineData("--hostname", new[] { "--hostname", " " })]
    [InlineData("--data-dir", new[] { "--data-dir", " " })]
    public void A_bad_option_stops_the_start_with_a_message_naming_it(string named, string[] args)
    {
        var error = Refused(args);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--site", new[] { "--site", "Berlin" })]
    [InlineData("--site", new[] { "--site", "" })]
    [InlineData("--federation-port", new[] { "--federation-port", "x" })]
    [InlineData("--federation-certificate", new[] { "--federation-port", "7443" })]
    [InlineData("--federation-peers", new[] { "--federation-peers", "berlin" })]
    [InlineData("--federation-peers", new[] { "--site", "berlin", "--federation-peers", "berlin=10.0.0.1:7443" })]
    public void A_bad_site_or_federation_option_stops_the_start_naming_it(string named, string[] args)
    {
        var error = Refused(args);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--sip-port", new[] { "--sip-port", "x" })]
    [InlineData("--sip-port", new[] { "--sip-port", "5060", "--seed-only" })]
    [InlineData("--sip-hostname", new[] { "--sip-hostname", "pbx.example.com" })]
    [InlineData("--sip-domain", new[] { "--sip-domain", "a b" })]
    public void A_bad_sip_option_stops_the_start_naming_it(string named, string[] args)
    {
        var error = Refused(args);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sip_edge_example_resolves_once_its_users_file_exists()
    {
        var users = Path.Combine(_dir, "sip-users");
        File.WriteAllText(users, "1000:secret\n");
        var example = File.ReadAllText(Path.Combine(Repo.Root, "hocon", "examples", "sip-edge.conf"));
        var file = WriteConfig(example + $"\nactorpresence.sip.users-file = \"{users}\"\n");

        var sip = Resolve("--config", file).Sip;

        Assert.True(sip.Enabled);
        Assert.Equal(5060, sip.Port);
        Assert.Equal("pbx.example.com", sip.Domain);
        Assert.Equal("Custom:lamp1", sip.Hints["2000"].Value);
        Assert.Equal("02:aa:00:00:00:01", sip.Eid.Value);
        var peer = Assert.Single(sip.AsteriskPeers);
        Assert.Equal("02:00:00:00:00:01", peer.Eid.Value);
        Assert.Equal("sip:asterisk@10.0.0.5:5060", peer.Uri);
        Assert.Equal(["1000"], sip.Users.Keys);
    }

    [Fact]
    public void Site_links_are_on_once_port_certificate_ca_and_peers_are_given_with_the_password_from_the_environment()
    {
        var env = new Dictionary<string, string> { ["ACTORPRESENCE_FEDERATION_CERTIFICATE_PASSWORD"] = "from-env-secret" };

        var settings = Resolve(env, "--site", "paris", "--federation-port", "7443", "--federation-certificate", "/etc/ap/paris.pfx",
            "--federation-ca", "/etc/ap/fed-ca.pem", "--federation-peers", "berlin=10.0.0.1:7443,berlin=10.0.0.2:7443");

        Assert.True(settings.Federation.Enabled);
        Assert.Equal(7443, settings.Federation.Port);
        Assert.Equal("/etc/ap/paris.pfx", settings.Federation.CertificatePath);
        Assert.Equal("/etc/ap/fed-ca.pem", settings.Federation.CaPath);
        Assert.Equal("from-env-secret", settings.Federation.CertificatePassword);
        Assert.Equal(2, Assert.Single(settings.Federation.Peers).Addresses.Count);
    }

    [Fact]
    public void The_federation_certificate_password_is_no_command_line_option()
    {
        Refused("--federation-certificate-password", "secret");
    }

    [Fact]
    public void A_dedicated_seed_with_a_federation_port_is_refused()
    {
        var error = Refused("--seed-only", "--federation-port", "7443", "--federation-certificate", "/s.pfx", "--federation-ca", "/ca.pem",
            "--federation-peers", "berlin=10.0.0.1:7443");

        Assert.Contains("--federation-port", error.Message, StringComparison.Ordinal);
    }

    // ---- the XMPP bridge ----

    private string XmppPasswordFile(string content = "s3cret\n")
    {
        var path = Path.Combine(_dir, $"xmpp-password-{Guid.NewGuid():N}");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void The_xmpp_bridge_is_off_unless_it_is_asked_for()
    {
        var xmpp = Resolve().Xmpp;

        Assert.False(xmpp.Enabled);
        Assert.Equal(5222, xmpp.Port);
    }

    [Fact]
    public void The_xmpp_flag_and_the_xmpp_options_reach_the_bridges_settings()
    {
        var password = XmppPasswordFile("from-the-file\nsecond line\n");
        var ca = XmppPasswordFile("-----BEGIN CERTIFICATE-----\n");

        var xmpp = Resolve(
            "--xmpp", "--xmpp-server", "xmpp1.example.net", "--xmpp-port", "5223", "--xmpp-jid", "bridge@xmpp.example.net",
            "--xmpp-password-file", password, "--xmpp-pubsub-service", "ps.example.net", "--xmpp-eid", "02:00:00:00:00:0A",
            "--xmpp-ca", ca, "--xmpp-expire-after", "45s", "--xmpp-republish-interval", "2h").Xmpp;

        Assert.True(xmpp.Enabled);
        Assert.Equal(("xmpp1.example.net", 5223), (xmpp.Server, xmpp.Port));
        Assert.Equal("bridge@xmpp.example.net", xmpp.Jid);
        Assert.Equal("from-the-file", xmpp.Password);
        Assert.Equal("ps.example.net", xmpp.PubsubService);
        Assert.Equal("02:00:00:00:00:0a", xmpp.Eid.Value);
        Assert.Equal(ca, xmpp.CaPath);
        Assert.Equal(TimeSpan.FromSeconds(45), xmpp.ExpireAfter);
        Assert.Equal(TimeSpan.FromHours(2), xmpp.RepublishInterval);
    }

    [Fact]
    public void The_xmpp_bridge_is_configured_from_the_environment_and_the_command_line_wins_over_it()
    {
        var env = new Dictionary<string, string>
        {
            ["ACTORPRESENCE_XMPP"] = "on",
            ["ACTORPRESENCE_XMPP_JID"] = "env-bridge@xmpp.example",
            ["ACTORPRESENCE_XMPP_PASSWORD_FILE"] = XmppPasswordFile(),
        };

        var fromEnv = Resolve(env).Xmpp;
        var fromCli = Resolve(env, "--xmpp-jid", "cli-bridge@other.example").Xmpp;
        var turnedOff = Resolve(env, "--xmpp", "false").Xmpp;

        Assert.True(fromEnv.Enabled);
        Assert.Equal("env-bridge@xmpp.example", fromEnv.Jid);
        Assert.Equal("pubsub.xmpp.example", fromEnv.PubsubService);
        Assert.Equal("s3cret", fromEnv.Password);
        Assert.Equal("cli-bridge@other.example", fromCli.Jid);
        Assert.Equal("pubsub.other.example", fromCli.PubsubService);
        Assert.False(turnedOff.Enabled);
    }

    [Theory]
    [InlineData("--xmpp-port", new[] { "--xmpp-port", "abc" })]
    [InlineData("--xmpp-port", new[] { "--xmpp-port", "5222.5" })]
    [InlineData("--xmpp-port", new[] { "--xmpp-port", "0" })]
    [InlineData("--xmpp-port", new[] { "--xmpp-port", "70000" })]
    [InlineData("--xmpp-eid", new[] { "--xmpp-eid", "02:00:00:00:00" })]
    [InlineData("--xmpp-expire-after", new[] { "--xmpp-expire-after", "soon" })]
    [InlineData("--xmpp-jid", new[] { "--xmpp" })]
    [InlineData("--xmpp-jid", new[] { "--xmpp", "--xmpp-jid", "bridge" })]
    [InlineData("--xmpp-password-file", new[] { "--xmpp", "--xmpp-jid", "bridge@xmpp.example" })]
    [InlineData("--xmpp-server", new[] { "--xmpp", "--xmpp-server", "xmpp example" })]
    public void A_bad_xmpp_option_stops_the_start_naming_it(string named, string[] args)
    {
        var error = Refused(args);

        Assert.StartsWith(named + " (", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_xmpp_value_in_the_environment_that_is_not_a_boolean_is_refused_naming_the_option()
    {
        var error = Refused(new Dictionary<string, string> { ["ACTORPRESENCE_XMPP"] = "maybe" });

        Assert.StartsWith("--xmpp (", error.Message, StringComparison.Ordinal);
        Assert.Contains("maybe", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_xmpp_password_file_that_is_missing_or_starts_with_an_empty_line_is_refused_naming_the_option()
    {
        var missing = Path.Combine(_dir, "no-such-password");
        var empty = XmppPasswordFile("\nsecret on line two\n");

        var missingError = Refused("--xmpp", "--xmpp-jid", "bridge@xmpp.example", "--xmpp-password-file", missing);
        var emptyError = Refused("--xmpp", "--xmpp-jid", "bridge@xmpp.example", "--xmpp-password-file", empty);

        Assert.StartsWith("--xmpp-password-file (", missingError.Message, StringComparison.Ordinal);
        Assert.Contains(missing, missingError.Message, StringComparison.Ordinal);
        Assert.StartsWith("--xmpp-password-file (", emptyError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dedicated_seed_with_the_xmpp_bridge_is_refused()
    {
        string[] bridge = ["--xmpp", "--xmpp-jid", "bridge@xmpp.example", "--xmpp-password-file", XmppPasswordFile()];
        Assert.True(Resolve(bridge).Xmpp.Enabled);

        var error = Refused([.. bridge, "--seed-only"]);

        Assert.StartsWith("--xmpp (", error.Message, StringComparison.Ordinal);
        Assert.Contains("seed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_name_of_65_characters_is_refused_and_one_of_64_is_accepted()
    {
        var error = Refused("--node-name", new string('n', 65));

        Assert.Contains("--node-name", error.Message, StringComparison.Ordinal);
        Assert.Equal(new string('n', 64), Resolve("--node-name", new string('n', 64)).NodeName.Value);
    }

    [Theory]
    [InlineData("ACTORPRESENCE_PORT", "abc", "--port")]
    [InlineData("ACTORPRESENCE_PORT", "70000", "--port")]
    [InlineData("ACTORPRESENCE_HTTP_PORT", "-1", "--http-port")]
    [InlineData("ACTORPRESENCE_NODE_NAME", "bad name", "--node-name")]
    public void A_bad_value_in_the_environment_is_refused_naming_the_option_and_the_variable(string envVar, string value, string option)
    {
        var error = Refused(new Dictionary<string, string> { [envVar] = value });

        Assert.Contains(option, error.Message, StringComparison.Ordinal);
        Assert.Contains(envVar, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_config_option_naming_a_missing_file_is_refused_naming_the_path()
    {
        var missing = Path.Combine(_dir, "no-such-file.conf");

        var error = Refused("--config", missing);

        Assert.Contains("--config", error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_config_environment_variable_naming_a_missing_file_is_refused_naming_the_variable_and_the_path()
    {
        var missing = Path.Combine(_dir, "no-such-file.conf");

        var error = Refused(new Dictionary<string, string> { ["ACTORPRESENCE_CONFIG"] = missing });

        Assert.Contains("ACTORPRESENCE_CONFIG", error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("@@@ this is not hocon")]
    [InlineData("actorpresence.node-name = ${no-such-key}")]
    [InlineData("include \"no-such-included-file.conf\"")]
    public void A_config_file_that_is_not_valid_hocon_is_refused_naming_the_option_and_the_path(string text)
    {
        var file = WriteConfig(text);

        var error = Refused("--config", file);

        Assert.Contains("--config", error.Message, StringComparison.Ordinal);
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("actorpresence.key-count = 0", "actorpresence.key-count")]
    [InlineData("actorpresence.key-count = 5000", "actorpresence.key-count")]
    [InlineData("actorpresence.key-count = many", "actorpresence.key-count")]
    [InlineData("actorpresence.write-timeout = 0s", "actorpresence.write-timeout")]
    [InlineData("akka.remote.dot-netty.tcp.port = 70000", "--port")]
    [InlineData("akka.remote.dot-netty.tcp.port = abc", "--port")]
    [InlineData("actorpresence.node.http-port = -5", "--http-port")]
    [InlineData("actorpresence.node-name = \"bad name\"", "--node-name")]
    [InlineData("akka.cluster.seed-nodes = [\"nonsense\"]", "--seeds")]
    [InlineData("actorpresence.seed-only = maybe", "seed-only")]
    [InlineData("akka.remote.dot-netty.tcp.port = [4053]", "--port")]
    [InlineData("actorpresence.node.http-port = 5080.5", "--http-port")]
    public void A_config_file_with_a_bad_setting_is_refused_naming_the_setting(string text, string named)
    {
        var file = WriteConfig(text);

        var error = Refused("--config", file);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("actorpresence.node.open-reads = maybe", "--open-reads")]
    [InlineData("actorpresence.node.log-format = xml", "--log-format")]
    [InlineData("actorpresence.node.http-hostname = \"\"", "--http-hostname")]
    [InlineData("actorpresence.node.data-dir = [\"a\"]", "--data-dir")]
    [InlineData("actorpresence.node.api-token = short", "--api-token")]
    [InlineData("akka.loglevel = [INFO]", "--log-level")]
    [InlineData("actorpresence.durable.devices = maybe", "actorpresence.durable.devices")]
    [InlineData("actorpresence.tls.enabled = on", "actorpresence.tls.certificate-path")]
    public void A_config_file_with_a_bad_node_durable_or_tls_setting_is_refused_naming_the_option_or_the_key(string text, string named)
    {
        var file = WriteConfig(text);

        var error = Refused("--config", file);

        Assert.StartsWith(named.StartsWith("--", StringComparison.Ordinal) ? named : "--config", error.Message, StringComparison.Ordinal);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("                ")]
    [InlineData(" abcdefghijklmnopqrstuvwxyz")]
    public void An_api_token_of_blanks_or_with_blanks_around_it_in_the_environment_is_refused_not_taken_as_no_token(string token)
    {
        // HOCON trims quoted strings, so the check must see the value before it becomes HOCON.
        var error = Refused(new Dictionary<string, string> { ["ACTORPRESENCE_API_TOKEN"] = token });

        Assert.StartsWith("--api-token", error.Message, StringComparison.Ordinal);
    }

    // ---- the durable store ----

    [Fact]
    public void The_durable_store_lives_in_the_data_directory_unless_the_file_names_another_place()
    {
        var elsewhere = Path.Combine(_dir, "elsewhere.sqlite");
        var file = WriteConfig($"actorpresence.durable.path = {ActorPresenceConfig.Quote(elsewhere)}");
        const string Store = "akka.cluster.distributed-data.durable.sqlite.path";

        Assert.Equal(Path.Combine(Path.GetFullPath("some-data"), "ddata.sqlite"), Resolve("--data-dir", "some-data").Config.GetString(Store));
        Assert.Equal(elsewhere, Resolve("--config", file, "--data-dir", "some-data").Config.GetString(Store));
        Assert.False(Resolve("--seed-only").Config.HasPath(Store));
    }

    // ---- the actorpresence.node section ----

    [Fact]
    public void The_node_section_read_from_the_defaults_binds_http_to_loopback_with_no_token()
    {
        var expected = new NodeProcessSettings("127.0.0.1", 5080, "./data", null, false, NodeLogFormat.Simple);

        Assert.Equal(expected, NodeProcessSettings.FromConfig(ActorPresenceConfig.Defaults));
        // A configuration with nothing in it reads the same values from the embedded file.
        Assert.Equal(expected, NodeProcessSettings.FromConfig(Akka.Configuration.Config.Empty));
    }

    [Theory]
    [InlineData("actorpresence.node.http-port = 65536", "actorpresence.node.http-port")]
    [InlineData("actorpresence.node.http-port = -1", "actorpresence.node.http-port")]
    [InlineData("actorpresence.node.http-port = http", "actorpresence.node.http-port")]
    [InlineData("actorpresence.node.http-hostname = \" \"", "actorpresence.node.http-hostname")]
    [InlineData("actorpresence.node.data-dir = \"\"", "actorpresence.node.data-dir")]
    [InlineData("actorpresence.node.api-token = short", "actorpresence.node.api-token")]
    [InlineData("actorpresence.node.open-reads = sometimes", "actorpresence.node.open-reads")]
    [InlineData("actorpresence.node.log-format = xml", "actorpresence.node.log-format")]
    public void A_bad_node_setting_is_refused_naming_the_key(string hocon, string key)
    {
        var e = Assert.Throws<InvalidSettingException>(() => NodeProcessSettings.FromConfig(Akka.Configuration.ConfigurationFactory.ParseString(hocon)));

        Assert.Equal(key, e.Key);
        Assert.StartsWith(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_http_port_out_of_range_is_refused_with_the_range_and_the_value()
    {
        var e = Assert.Throws<InvalidSettingException>(() => NodeProcessSettings.FromConfig(Akka.Configuration.ConfigurationFactory.ParseString("actorpresence.node.http-port = 70000")));

        Assert.Equal("actorpresence.node.http-port must be 0–65535 (got 70000)", e.Message);
    }

    [Fact]
    public void The_node_settings_never_print_the_api_token()
    {
        var token = new string('k', NodeProcessSettings.MinTokenLength);
        var settings = NodeProcessSettings.FromConfig(Akka.Configuration.ConfigurationFactory.ParseString($"actorpresence.node.api-token = {token}"));

        Assert.Equal(token, settings.ApiToken);
        Assert.DoesNotContain(token, settings.ToString(), StringComparison.Ordinal);
    }

    // ---- the real executable ----

    private sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

    private static async Task<ProcessResult> RunNodeAsync(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "ActorPresence.Node.dll");
        Assert.True(File.Exists(dll), $"the node executable is not in the test output: {dll}");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ACTORPRESENCE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(_processTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the node process did not exit within {_processTimeout.TotalSeconds} s (args: {string.Join(' ', args)})");
        }
        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task The_node_executable_exits_with_code_2_and_names_the_option_on_stderr_for_a_bad_port()
    {
        var result = await RunNodeAsync("--port", "abc");

        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}; stdout: {result.Stdout}; stderr: {result.Stderr}");
        Assert.Contains("--port", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_node_executable_exits_with_code_2_for_an_unknown_option()
    {
        var result = await RunNodeAsync("--frobnicate");

        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}; stdout: {result.Stdout}; stderr: {result.Stderr}");
        Assert.Contains("--frobnicate", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("actorpresence.key-count = 0", "actorpresence.key-count")]
    [InlineData("akka.remote.dot-netty.tcp.port = 70000", "--port")]
    [InlineData("actorpresence.seed-only = maybe", "seed-only")]
    public async Task The_node_executable_exits_with_code_2_and_names_the_setting_for_a_bad_config_file(string text, string named)
    {
        var file = WriteConfig(text);

        var result = await RunNodeAsync("--config", file, "--data-dir", Path.Combine(_dir, "data"));

        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}; stdout: {result.Stdout}; stderr: {result.Stderr}");
        Assert.Contains(named, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_node_executable_prints_its_options_and_exits_with_code_0_for_help()
    {
        var result = await RunNodeAsync("--help");

        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}; stdout: {result.Stdout}; stderr: {result.Stderr}");
        foreach (var option in new[] { "--node-name", "--seeds", "--hostname", "--port", "--http-port", "--data-dir", "--config", "--seed-only" })
        {
            Assert.Contains(option, result.Stdout, StringComparison.Ordinal);
        }
    }
}
