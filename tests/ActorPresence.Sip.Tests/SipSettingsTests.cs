using System.Net;
using ActorPresence.Domain;
using Akka.Configuration;

namespace ActorPresence.Sip.Tests;

/// <summary>The actorpresence.sip section: its defaults, and each bad value refused naming its key.</summary>
public sealed class SipSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sip-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Config Over(string hocon) =>
        ConfigurationFactory.ParseString(hocon)
            .WithFallback(ConfigurationFactory.ParseString("actorpresence.node-name = pbx-1"))
            .WithFallback(ActorPresenceConfig.Defaults);

    private static SipSettings Read(string hocon = "") => SipSettings.FromConfig(Over(hocon));

    private string UsersFile(params string[] lines)
    {
        var path = Path.Combine(_dir, $"users-{Guid.NewGuid():n}.txt");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static string Quoted(string path) => "\"" + path.Replace("\\", "\\\\", StringComparison.Ordinal) + "\"";

    [Fact]
    public void The_defaults_leave_the_edge_off_on_loopback_with_Asterisks_naming()
    {
        var s = Read();

        Assert.Equal(0, s.Port);
        Assert.False(s.Enabled);
        Assert.Equal("127.0.0.1", s.Hostname);
        Assert.Equal("127.0.0.1", s.Domain);
        Assert.Equal("PJSIP/{user}", s.DeviceTemplate);
        Assert.Equal("{user}@default", s.MailboxTemplate);
        Assert.Equal("{user}", s.PresentityTemplate);
        Assert.Empty(s.Hints);
        Assert.Equal([IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")], s.Allow);
        Assert.Empty(s.Users);
        Assert.Equal((60, 3600, 3600), (s.MinExpires, s.MaxExpires, s.DefaultExpires));
        Assert.Equal((200, 400), (s.PerSourceRate, s.PerSourceBurst));
        Assert.Equal((100_000, 10_000), (s.MaxSubscriptions, s.MaxPublications));
        Assert.Equal(TimeSpan.FromMilliseconds(500), s.T1);
        Assert.Equal(1024, s.MaxTcpConnections);
        Assert.Equal(TimeSpan.FromSeconds(600), s.TcpIdleTimeout);
        Assert.Empty(s.AsteriskPeers);
        Assert.Equal(3600, s.PublishExpires);
    }

    [Fact]
    public void A_domain_port_and_hints_are_read_when_given()
    {
        var s = Read("""
            actorpresence.sip {
              port = 5060
              hostname = "::"
              domain = "pbx.example"
              hints { "2000" = "Custom:lamp1", "sales-desk" = "PJSIP/7000" }
            }
            """);

        Assert.True(s.Enabled);
        Assert.Equal(5060, s.Port);
        Assert.Equal("::", s.Hostname);
        Assert.Equal("pbx.example", s.Domain);
        Assert.Equal(new DeviceId("Custom:lamp1"), s.Hints["2000"]);
        Assert.Equal(new DeviceId("PJSIP/7000"), s.Hints["sales-desk"]);
        Assert.Equal(2, s.Hints.Count);
    }

    [Fact]
    public void The_EID_derived_from_the_node_name_is_stable_locally_administered_and_differs_by_node()
    {
        var first = Read().Eid;
        var again = Read().Eid;
        var other = SipSettings.FromConfig(ConfigurationFactory.ParseString("actorpresence.node-name = pbx-2").WithFallback(ActorPresenceConfig.Defaults)).Eid;

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.True(AsteriskEid.TryParse(first.Value, out _));
        var firstByte = Convert.ToByte(first.Value[..2], 16);
        Assert.Equal(0x02, firstByte & 0x03);
        // Pinned (SHA-256 of "pbx-1" begins a9:dc:fa:a7:f2:f5): a node's EID must not change across
        // versions, or Asterisk servers see a new peer.
        Assert.Equal("aa:dc:fa:a7:f2:f5", first.Value);
    }

    [Fact]
    public void A_configured_EID_is_read_in_lower_case()
    {
        Assert.Equal(new AsteriskEid("02:ab:00:00:00:01"), Read("actorpresence.sip.asterisk.eid = \"02:AB:00:00:00:01\"").Eid);
    }

    [Fact]
    public void Asterisk_peers_are_read_with_their_EIDs_and_URIs()
    {
        var s = Read("""actorpresence.sip.asterisk.peers = ["02:00:00:00:00:0A = sip:asterisk@10.0.0.5:5060", "02:00:00:00:00:0b=sip:10.0.0.6"]""");

        Assert.Equal(
            [new AsteriskPeer(new AsteriskEid("02:00:00:00:00:0a"), "sip:asterisk@10.0.0.5:5060"), new AsteriskPeer(new AsteriskEid("02:00:00:00:00:0b"), "sip:10.0.0.6")],
            s.AsteriskPeers);
    }

    [Fact]
    public void A_users_file_is_read_skipping_comments_and_blank_lines()
    {
        var path = UsersFile("# desk phones", "", "2000:s3cret", "  3000:pass:with:colons  ");

        var s = Read($"actorpresence.sip.users-file = {Quoted(path)}");

        Assert.Equal(new Dictionary<string, string> { ["2000"] = "s3cret", ["3000"] = "pass:with:colons" }, s.Users);
    }

    public static TheoryData<string, string> BadValues => new()
    {
        { "actorpresence.sip.port = 70000", "actorpresence.sip.port" },
        { "actorpresence.sip.port = -1", "actorpresence.sip.port" },
        { "actorpresence.sip.hostname = \"pbx.example\"", "actorpresence.sip.hostname" },
        { "actorpresence.sip.hostname = \"\"", "actorpresence.sip.hostname" },
        { "actorpresence.sip.domain = \"pbx example\"", "actorpresence.sip.domain" },
        { "actorpresence.sip.domain = \"a@b\"", "actorpresence.sip.domain" },
        { "actorpresence.sip.device-template = \"PJSIP/1000\"", "actorpresence.sip.device-template" },
        { "actorpresence.sip.device-template = \"PJSIP/{user}/{user}\"", "actorpresence.sip.device-template" },
        { "actorpresence.sip.device-template = \"PJSIP {user}\"", "actorpresence.sip.device-template" },
        { "actorpresence.sip.mailbox-template = \"{user}@a@b\"", "actorpresence.sip.mailbox-template" },
        { "actorpresence.sip.presentity-template = \"\"", "actorpresence.sip.presentity-template" },
        { "actorpresence.sip.allow = [\"10.0.0.0/33\"]", "actorpresence.sip.allow" },
        { "actorpresence.sip.allow = [\"banana\"]", "actorpresence.sip.allow" },
        { "actorpresence.sip.min-expires = 120\nactorpresence.sip.max-expires = 60\nactorpresence.sip.default-expires = 60", "actorpresence.sip.max-expires" },
        { "actorpresence.sip.default-expires = 30", "actorpresence.sip.default-expires" },
        { "actorpresence.sip.min-expires = 0", "actorpresence.sip.min-expires" },
        { "actorpresence.sip.per-source-rate = 0", "actorpresence.sip.per-source-rate" },
        { "actorpresence.sip.t1 = 0s", "actorpresence.sip.t1" },
        { "actorpresence.sip.tcp-idle-timeout = banana", "actorpresence.sip.tcp-idle-timeout" },
        { "actorpresence.sip.hints = [\"2000\"]", "actorpresence.sip.hints" },
        { "actorpresence.sip.hints { \"20 00\" = \"Custom:lamp1\" }", "actorpresence.sip.hints" },
        { "actorpresence.sip.hints { \"2000\" = \"Custom lamp1\" }", "actorpresence.sip.hints" },
        { "actorpresence.sip.hints { \"2000\" { device = \"Custom:lamp1\" } }", "actorpresence.sip.hints" },
        { "actorpresence.sip.users-file = \"/nonexistent/sip-users\"", "actorpresence.sip.users-file" },
        { "actorpresence.sip.asterisk.eid = \"02:00:00:00:00\"", "actorpresence.sip.asterisk.eid" },
        { "actorpresence.sip.asterisk.eid = \"zz:00:00:00:00:01\"", "actorpresence.sip.asterisk.eid" },
        { "actorpresence.sip.asterisk.peers = [\"sip:asterisk@10.0.0.5\"]", "actorpresence.sip.asterisk.peers" },
        { "actorpresence.sip.asterisk.peers = [\"02:00:00:00:00:09\"]", "actorpresence.sip.asterisk.peers" },
        { "actorpresence.sip.asterisk.peers = [\"02:00:00:00:00:09=http://10.0.0.5\"]", "actorpresence.sip.asterisk.peers" },
        { "actorpresence.sip.asterisk.peers = [\"02:00:00:00:00:09=sip:\"]", "actorpresence.sip.asterisk.peers" },
        { "actorpresence.sip.asterisk.peers = [\"02:00:00:00:00:09=sip:a b\"]", "actorpresence.sip.asterisk.peers" },
        { "actorpresence.sip.asterisk.peers = [\"zz:00:00:00:00:09=sip:10.0.0.5\"]", "actorpresence.sip.asterisk.peers" },
        { "actorpresence.sip.asterisk.eid = \"02:00:00:00:00:01\"\nactorpresence.sip.asterisk.peers = [\"02:00:00:00:00:01=sip:10.0.0.5\"]", "actorpresence.sip.asterisk.peers" },
        { "actorpresence.sip.asterisk.peers = [\"02:00:00:00:00:09=sip:10.0.0.5\", \"02:00:00:00:00:09=sip:10.0.0.6\"]", "actorpresence.sip.asterisk.peers" },
        { "actorpresence.sip.asterisk.publish-expires = 59", "actorpresence.sip.asterisk.publish-expires" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_value_is_refused_naming_its_key(string hocon, string key)
    {
        var e = Assert.Throws<InvalidSettingException>(() => Read(hocon));

        Assert.Equal(key, e.Key);
        Assert.StartsWith(key + " ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_peer_with_this_nodes_own_derived_EID_in_another_case_is_refused()
    {
        var own = Read().Eid.Value.ToUpperInvariant();

        var e = Assert.Throws<InvalidSettingException>(() => Read($"actorpresence.sip.asterisk.peers = [\"{own}=sip:10.0.0.5\"]"));

        Assert.Equal("actorpresence.sip.asterisk.peers", e.Key);
        Assert.Contains("own EID", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string> BadUsersFiles => new()
    {
        { ["2000"], "line 1" },
        { ["2000:"], "line 1" },
        { [":s3cret"], "line 1" },
        { ["# ok", "20 00:s3cret"], "line 2" },
        { ["2000:s3cret", "3000:a\u0001b"], "line 2" },
        { ["2000:s3cret", "3000:x", "2000:again"], "line 3" },
        { ["# nobody", ""], "names no user" },
    };

    [Theory]
    [MemberData(nameof(BadUsersFiles))]
    public void A_users_file_with_a_malformed_duplicate_or_no_line_is_refused_naming_the_line(string[] lines, string named)
    {
        var path = UsersFile(lines);

        var e = Assert.Throws<InvalidSettingException>(() => Read($"actorpresence.sip.users-file = {Quoted(path)}"));

        Assert.Equal("actorpresence.sip.users-file", e.Key);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_file_sets_every_key_this_reader_reads()
    {
        var section = ActorPresenceConfig.Defaults.GetConfig(SipSettings.Section);

        foreach (var key in (string[])["port", "hostname", "domain", "device-template", "mailbox-template", "presentity-template", "hints", "allow",
            "users-file", "min-expires", "max-expires", "default-expires", "per-source-rate", "per-source-burst", "max-subscriptions",
            "max-publications", "t1", "max-tcp-connections", "tcp-idle-timeout", "asterisk.eid", "asterisk.peers", "asterisk.publish-expires"])
        {
            Assert.True(section.HasPath(key), key);
        }
    }

    [Theory]
    [InlineData("1000", true)]
    [InlineData("alice.smith-2_x", true)]
    [InlineData("a?b;c/d", true)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    [InlineData("a@b", false)]
    [InlineData("a%20b", false)]
    [InlineData("ä", false)]
    public void A_SIP_user_part_is_letters_digits_and_RFC_3261_unreserved_marks(string user, bool ok)
    {
        Assert.Equal(ok, SipSettings.IsSipUser(user));
        Assert.False(SipSettings.IsSipUser(new string('u', 65)));
    }
}
