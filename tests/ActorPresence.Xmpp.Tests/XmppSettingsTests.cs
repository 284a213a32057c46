using ActorPresence.Domain;
using Akka.Configuration;

namespace ActorPresence.Xmpp.Tests;

/// <summary>The actorpresence.xmpp section: its defaults, what an enabled bridge needs, and each bad value refused naming its key.</summary>
public sealed class XmppSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("xmpp-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Config Over(string hocon) =>
        ConfigurationFactory.ParseString(hocon)
            .WithFallback(ConfigurationFactory.ParseString("actorpresence.node-name = pbx-1"))
            .WithFallback(ActorPresenceConfig.Defaults);

    private static XmppSettings Read(string hocon = "") => XmppSettings.FromConfig(Over(hocon));

    private static string Quoted(string path) => "\"" + path.Replace("\\", "\\\\", StringComparison.Ordinal) + "\"";

    private string PasswordFile(string content)
    {
        var path = Path.Combine(_dir, $"password-{Guid.NewGuid():n}");
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>An enabled bridge with everything it needs, plus <paramref name="more"/>.</summary>
    private string Enabled(string more = "", string password = "s3cret\n") => $$"""
        actorpresence.xmpp.enabled = on
        actorpresence.xmpp.jid = "bridge@xmpp.example"
        actorpresence.xmpp.password-file = {{Quoted(PasswordFile(password))}}
        {{more}}
        """;

    [Fact]
    public void The_defaults_leave_the_bridge_off_on_port_5222_with_res_xmpps_node_names()
    {
        var s = Read();

        Assert.False(s.Enabled);
        Assert.Equal("127.0.0.1", s.Server);
        Assert.Equal(5222, s.Port);
        Assert.Equal("device_state", s.DeviceNode);
        Assert.Equal("message_waiting", s.MailboxNode);
        Assert.Equal("", s.Password);
        Assert.Null(s.CaPath);
        Assert.Equal("actorpresence-local", s.Resource);
        Assert.Equal(TimeSpan.FromSeconds(30), s.ExpireAfter);
        Assert.Equal(TimeSpan.FromHours(1), s.RepublishInterval);
        Assert.Equal((500, 32), (s.PublishRate, s.PublishWindow));
        Assert.Equal(65536, s.MaxStanzaBytes);
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10)), (s.PingInterval, s.RequestTimeout));
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)), (s.ReconnectMin, s.ReconnectMax));
    }

    [Fact]
    public void The_EID_derived_from_the_site_is_stable_locally_administered_and_differs_by_site()
    {
        var first = Read().Eid;
        var again = Read("actorpresence.node-name = pbx-2").Eid;
        var berlin = Read("actorpresence.site = berlin").Eid;
        var berlinOnAnotherNode = Read("actorpresence.site = berlin\nactorpresence.node-name = pbx-9").Eid;

        Assert.Equal(first, again);
        Assert.Equal(berlin, berlinOnAnotherNode);
        Assert.NotEqual(first, berlin);
        Assert.Equal(0x02, Convert.ToByte(first.Value[..2], 16) & 0x03);
        // Pinned (SHA-256 of "xmpp:local" begins fc:93:51:45:8d:6c): the bridge's EID must not change
        // across versions, or Asterisk servers see a new publisher.
        Assert.Equal("fe:93:51:45:8d:6c", first.Value);
        Assert.Equal("0e:25:28:ce:22:6e", berlin.Value);
    }

    [Fact]
    public void The_bridges_EID_is_not_the_SIP_edges_EID_of_a_node_named_like_the_site()
    {
        // The SIP edge derives its EID from the node name; without a prefix of its own the bridge's
        // would collide with it when a node is named after its site.
        var config = Over("actorpresence.site = berlin\nactorpresence.node-name = berlin");

        Assert.NotEqual(SipSettings.FromConfig(config).Eid, XmppSettings.FromConfig(config).Eid);
        Assert.NotEqual(SipSettings.FromConfig(Over("")).Eid, XmppSettings.FromConfig(Over("")).Eid);
    }

    [Fact]
    public void A_configured_EID_is_read_in_lower_case()
    {
        Assert.Equal(new AsteriskEid("02:ab:00:00:00:01"), Read("actorpresence.xmpp.eid = \"02:AB:00:00:00:01\"").Eid);
    }

    [Fact]
    public void An_enabled_bridge_reads_the_first_line_of_its_password_file_and_derives_the_pubsub_service_and_TLS_name()
    {
        var s = Read(Enabled(password: "s3cret pass\r\nsecond line\n"));

        Assert.True(s.Enabled);
        Assert.Equal("bridge@xmpp.example", s.Jid);
        Assert.Equal(("bridge", "xmpp.example"), (s.User, s.Domain));
        Assert.Equal("s3cret pass", s.Password);
        Assert.Equal("pubsub.xmpp.example", s.PubsubService);
        Assert.Equal("xmpp.example", s.TlsServerName);
        Assert.Equal("actorpresence-local", s.Resource);
    }

    [Fact]
    public void An_enabled_bridge_takes_the_service_TLS_name_resource_server_and_CA_it_is_given()
    {
        var ca = PasswordFile("-----BEGIN CERTIFICATE-----\n");

        var s = Read(Enabled($$"""
            actorpresence.xmpp {
              server = "xmpp1.example.net"
              port = 5223
              pubsub-service = "ps.example.net"
              tls-server-name = "xmpp.example.net"
              resource = "bridge-1"
              ca = {{Quoted(ca)}}
            }
            """));

        Assert.Equal(("xmpp1.example.net", 5223), (s.Server, s.Port));
        Assert.Equal("ps.example.net", s.PubsubService);
        Assert.Equal("xmpp.example.net", s.TlsServerName);
        Assert.Equal("bridge-1", s.Resource);
        Assert.Equal(ca, s.CaPath);
    }

    [Fact]
    public void A_disabled_bridge_needs_no_account()
    {
        var s = Read("actorpresence.xmpp { jid = \"\", password-file = \"/nonexistent/password\" }");

        Assert.False(s.Enabled);
        Assert.Equal("", s.Password);
    }

    [Fact]
    public void The_password_never_appears_in_the_settings_text()
    {
        var s = Read(Enabled(password: "very-secret-password"));

        Assert.Equal("very-secret-password", s.Password);
        Assert.DoesNotContain("very-secret-password", s.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\nthe password on line two\n")]
    [InlineData("a\u0001b\n")]
    public void A_password_file_whose_first_line_is_not_a_password_is_refused(string content)
    {
        var e = Assert.Throws<InvalidSettingException>(() => Read(Enabled(password: content)));

        Assert.Equal("actorpresence.xmpp.password-file", e.Key);
        Assert.StartsWith("actorpresence.xmpp.password-file ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_password_file_that_does_not_exist_or_is_not_given_is_refused()
    {
        var missing = Path.Combine(_dir, "no-such-password");
        foreach (var passwordFile in new[] { Quoted(missing), "\"\"", Quoted(_dir) })
        {
            var e = Assert.Throws<InvalidSettingException>(() => Read(Enabled($"actorpresence.xmpp.password-file = {passwordFile}")));

            Assert.Equal("actorpresence.xmpp.password-file", e.Key);
        }
    }

    public static TheoryData<string, string> BadValues => new()
    {
        { "actorpresence.xmpp.eid = \"02:00:00:00:00\"", "actorpresence.xmpp.eid" },
        { "actorpresence.xmpp.eid = \"zz:00:00:00:00:01\"", "actorpresence.xmpp.eid" },
        { "actorpresence.xmpp.port = 0", "actorpresence.xmpp.port" },
        { "actorpresence.xmpp.port = 70000", "actorpresence.xmpp.port" },
        { "actorpresence.xmpp.port = xmpp", "actorpresence.xmpp.port" },
        { "actorpresence.xmpp.device-node = \"\"", "actorpresence.xmpp.device-node" },
        { "actorpresence.xmpp.device-node = \"device state\"", "actorpresence.xmpp.device-node" },
        { "actorpresence.xmpp.mailbox-node = \"mwi?\"", "actorpresence.xmpp.mailbox-node" },
        { "actorpresence.xmpp.mailbox-node = \"mwï\"", "actorpresence.xmpp.mailbox-node" },
        { "actorpresence.xmpp.reconnect-min = 10s\nactorpresence.xmpp.reconnect-max = 5s", "actorpresence.xmpp.reconnect-max" },
        { "actorpresence.xmpp.reconnect-min = 0s", "actorpresence.xmpp.reconnect-min" },
        { "actorpresence.xmpp.expire-after = 0s", "actorpresence.xmpp.expire-after" },
        { "actorpresence.xmpp.republish-interval = soon", "actorpresence.xmpp.republish-interval" },
        { "actorpresence.xmpp.publish-rate = 0", "actorpresence.xmpp.publish-rate" },
        { "actorpresence.xmpp.publish-window = 1001", "actorpresence.xmpp.publish-window" },
        { "actorpresence.xmpp.max-stanza-bytes = 4095", "actorpresence.xmpp.max-stanza-bytes" },
        { "actorpresence.xmpp.ping-interval = -1s", "actorpresence.xmpp.ping-interval" },
        { "actorpresence.xmpp.request-timeout = 0s", "actorpresence.xmpp.request-timeout" },
        { "actorpresence.xmpp.enabled = maybe", "actorpresence.xmpp.enabled" },
        { "actorpresence.xmpp.jid = [\"a@b\"]", "actorpresence.xmpp.jid" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_value_is_refused_naming_its_key_even_with_the_bridge_off(string hocon, string key)
    {
        var e = Assert.Throws<InvalidSettingException>(() => Read(hocon));

        Assert.Equal(key, e.Key);
        Assert.StartsWith(key + " ", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadAccountValues => new()
    {
        { "actorpresence.xmpp.jid = \"\"", "actorpresence.xmpp.jid" },
        { "actorpresence.xmpp.jid = \"xmpp.example\"", "actorpresence.xmpp.jid" },
        { "actorpresence.xmpp.jid = \"bridge@xmpp.example/res\"", "actorpresence.xmpp.jid" },
        { "actorpresence.xmpp.jid = \"a@b@xmpp.example\"", "actorpresence.xmpp.jid" },
        { "actorpresence.xmpp.jid = \"@xmpp.example\"", "actorpresence.xmpp.jid" },
        { "actorpresence.xmpp.jid = \"bridge@xmpp..example\"", "actorpresence.xmpp.jid" },
        { "actorpresence.xmpp.jid = \"brïdge@xmpp.example\"", "actorpresence.xmpp.jid" },
        { "actorpresence.xmpp.server = \"\"", "actorpresence.xmpp.server" },
        { "actorpresence.xmpp.server = \"xmpp example\"", "actorpresence.xmpp.server" },
        { "actorpresence.xmpp.server = \"xmpp.example/x\"", "actorpresence.xmpp.server" },
        { "actorpresence.xmpp.server = \"user@xmpp.example\"", "actorpresence.xmpp.server" },
        { "actorpresence.xmpp.pubsub-service = \"pubsub example\"", "actorpresence.xmpp.pubsub-service" },
        { "actorpresence.xmpp.pubsub-service = \"pubsub.example.\"", "actorpresence.xmpp.pubsub-service" },
        { "actorpresence.xmpp.resource = \"a b\"", "actorpresence.xmpp.resource" },
        { "actorpresence.xmpp.resource = \"" + "r" + "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr\"", "actorpresence.xmpp.resource" },
        { "actorpresence.xmpp.ca = \"/nonexistent/xmpp-ca.pem\"", "actorpresence.xmpp.ca" },
    };

    [Theory]
    [MemberData(nameof(BadAccountValues))]
    public void A_bad_account_server_or_CA_of_an_enabled_bridge_is_refused_naming_its_key(string hocon, string key)
    {
        Assert.NotNull(Read(hocon));

        var e = Assert.Throws<InvalidSettingException>(() => Read(Enabled(hocon)));

        Assert.Equal(key, e.Key);
        Assert.StartsWith(key + " ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_file_sets_every_key_this_reader_reads()
    {
        var section = ActorPresenceConfig.Defaults.GetConfig(XmppSettings.Section);

        foreach (var key in (string[])["enabled", "server", "port", "jid", "password-file", "resource", "pubsub-service", "device-node", "mailbox-node",
            "eid", "tls-server-name", "ca", "expire-after", "republish-interval", "publish-rate", "publish-window", "max-stanza-bytes",
            "ping-interval", "request-timeout", "reconnect-min", "reconnect-max"])
        {
            Assert.True(section.HasPath(key), key);
        }
    }

    [Theory]
    [InlineData("bridge@xmpp.example", true)]
    [InlineData("asterisk.1+x_y-z@a-b.example", true)]
    [InlineData("bridge@localhost", true)]
    [InlineData("bridge", false)]
    [InlineData("@xmpp.example", false)]
    [InlineData("bridge@", false)]
    [InlineData("bridge@.example", false)]
    [InlineData("bridge@example.", false)]
    [InlineData("br idge@xmpp.example", false)]
    [InlineData("bridge@xmpp.example/resource", false)]
    public void A_bare_JID_is_an_ASCII_local_part_at_a_domain(string jid, bool ok)
    {
        Assert.Equal(ok, XmppSettings.IsBareJid(jid));
        Assert.False(XmppSettings.IsBareJid(new string('u', 65) + "@xmpp.example"));
        Assert.True(XmppSettings.IsBareJid(new string('u', 64) + "@xmpp.example"));
    }
}
