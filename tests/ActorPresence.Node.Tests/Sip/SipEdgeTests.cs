using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ActorPresence.Sip;
using ActorPresence.Testing;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests.Sip;

/// <summary>The SIP tests' classes share one <see cref="SipCluster"/>, so they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class SipClusterCollection : ICollectionFixture<SipCluster>
{
    public const string Name = "SIP cluster";
}

/// <summary>
/// One cluster of three node processes' worth of nodes in this process: A takes writes over HTTP only;
/// B has an open SIP edge (loopback allowed, no digest; min-expires 2 s so expiry is quick to see;
/// user 2950 hinted to Custom:lamp9);
/// C has a SIP edge with digest users, an allow list of 127.0.0.1 and ::1 only, and an Asterisk
/// peer (a sipp server the tests start on <see cref="AsteriskPort"/>).
/// </summary>
public sealed class SipCluster : IAsyncLifetime
{
    public const string Domain = "sip.example.test";

    private readonly string _dir = Directory.CreateTempSubdirectory("ap-sip-").FullName;
    private readonly List<TestNodeHost> _nodes = [];

    public TestNodeHost A => _nodes[0];

    public TestNodeHost B => _nodes[1];

    public TestNodeHost C => _nodes[2];

    public int AsteriskPort { get; } = TestNodeHost.FreePort();

    public static string AsteriskEid => "02:00:00:00:00:09";

    /// <summary>A second Asterisk stand-in that takes 200 ms to answer each PUBLISH.</summary>
    public int SlowAsteriskPort { get; } = TestNodeHost.FreePort();

    public static string SlowAsteriskEid => "02:00:00:00:00:0a";

    /// <summary>The Asterisk stand-ins, running from before node C starts to the end, so C's PUBLISHes
    /// are always answered (an unanswered one would put C's link into back-off).</summary>
    public Sipp Asterisk { get; private set; } = null!;

    public Sipp SlowAsterisk { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var users = Path.Combine(_dir, "sip-users");
        await File.WriteAllTextAsync(users, "# test users\n1000:secret\nasterisk:ast-pw\n");
        var edgeB = ClusterHocon.WriteFile(_dir, "b", ClusterHocon.Join(ClusterHocon.InProcess, """
            actorpresence.sip { min-expires = 2, t1 = 100ms, hints { "2950" = "Custom:lamp9" } }
            """));
        var edgeC = ClusterHocon.WriteFile(_dir, "c", ClusterHocon.Join(ClusterHocon.InProcess, $$"""
            actorpresence.sip {
              users-file = "{{users}}"
              allow = ["127.0.0.1/32", "::1/128"]
              asterisk.peers = ["{{AsteriskEid}}=sip:asterisk@127.0.0.1:{{AsteriskPort}}", "{{SlowAsteriskEid}}=sip:asterisk@127.0.0.1:{{SlowAsteriskPort}}"]
              t1 = 100ms
            }
            """));
        Asterisk = Sipp.Server("asterisk-uas.xml", AsteriskPort, calls: 100_000);
        SlowAsterisk = Sipp.Server("asterisk-uas-slow.xml", SlowAsteriskPort, calls: 100_000);
        _nodes.Add(await TestNodeHost.StartAsync("sip-a"));
        var seed = Akka.Cluster.Cluster.Get(A.App.Services.GetRequiredService<ActorSystem>()).SelfAddress.ToString();
        _nodes.Add(await TestNodeHost.StartAsync("sip-b", "--config", edgeB, "--seeds", seed, "--sip-port", TestNodeHost.FreePort().ToString(CultureInfo.InvariantCulture), "--sip-domain", Domain));
        _nodes.Add(await TestNodeHost.StartAsync("sip-c", "--config", edgeC, "--seeds", seed, "--sip-port", TestNodeHost.FreePort().ToString(CultureInfo.InvariantCulture), "--sip-domain", Domain));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var members = await A.GetJsonAsync("/api/v1/cluster");
            if (members.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "Up") == 3)
            {
                break;
            }
            await Task.Delay(100, deadline.Token);
        }
    }

    internal static SipEdge Edge(TestNodeHost node) => node.App.Services.GetRequiredService<SipEdgeHostedService>().Edge!;

    public static string Target(TestNodeHost node) => $"127.0.0.1:{Edge(node).LocalEndPoint.Port}";

    public async Task DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes))
        {
            await node.DisposeAsync();
        }
        await Asterisk.DisposeAsync();
        await SlowAsterisk.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>
/// The SIP edge against real SIP programs from Debian: sipp scenarios subscribe (BLF, MWI, presence)
/// on one node while the state changes through the HTTP API of another; Asterisk's PUBLISH in and out;
/// baresip as a softphone; torture and garbage on UDP and TCP.
/// </summary>
[Collection(SipClusterCollection.Name)]
public sealed class SipEdgeTests(SipCluster cluster, ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static async Task PutAsync(TestNodeHost node, string path, string json)
    {
        using var response = await node.Http.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Waits until sipp has traced a first NOTIFY: the subscription is up, so a change now is a change it must hear of.</summary>
    private async Task AwaitFirstNotifyAsync(Sipp sipp) =>
        await AwaitAssertAsync(() => Assert.Contains("NOTIFY sip:", sipp.Messages(), StringComparison.Ordinal), Wait, TimeSpan.FromMilliseconds(50));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_lamp_subscribed_on_one_node_follows_a_change_written_on_another_then_unsubscribes(bool tcp)
    {
        var user = tcp ? "2102" : "2101";
        await using var sipp = Sipp.Client("subscribe-dialog.xml", SipCluster.Target(cluster.B), user, tcp);
        await AwaitFirstNotifyAsync(sipp);

        await PutAsync(cluster.A, $"/api/v1/devices/PJSIP/{user}", """{"state":"INUSE"}""");

        await sipp.AssertPassesAsync(Wait);
    }

    [Fact]
    public async Task Message_waiting_subscribed_on_one_node_shows_the_counts_written_on_another()
    {
        await using var sipp = Sipp.Client("subscribe-mwi.xml", SipCluster.Target(cluster.B), "2201");
        await AwaitFirstNotifyAsync(sipp);

        await PutAsync(cluster.A, "/api/v1/mailboxes/2201@default", """{"new":2,"old":5,"urgent":1}""");

        await sipp.AssertPassesAsync(Wait);
    }

    [Fact]
    public async Task Presence_subscribed_on_one_node_shows_the_presence_written_on_another()
    {
        await using var sipp = Sipp.Client("subscribe-presence.xml", SipCluster.Target(cluster.B), "2301");
        await AwaitFirstNotifyAsync(sipp);

        await PutAsync(cluster.A, "/api/v1/presence/2301", """{"state":"away","message":"Back at three"}""");

        await sipp.AssertPassesAsync(Wait);
    }

    [Fact]
    public async Task An_unknown_event_package_gets_489_and_a_too_short_expiry_gets_423()
    {
        await using var sipp = Sipp.Client("refused-subscriptions.xml", SipCluster.Target(cluster.B), "2401");

        await sipp.AssertPassesAsync(Wait);
    }

    [Fact]
    public async Task A_register_gets_its_contact_and_expiry_back_and_too_short_an_expiry_gets_423()
    {
        await using var sipp = Sipp.Client("register.xml", SipCluster.Target(cluster.B), "2451");

        await sipp.AssertPassesAsync(Wait);
    }

    [Fact]
    public async Task A_subscription_that_is_not_refreshed_ends_with_a_timeout_notify()
    {
        await using var sipp = Sipp.Client("subscription-expires.xml", SipCluster.Target(cluster.B), "2501");

        await sipp.AssertPassesAsync(Wait);
    }

    [Fact]
    public async Task A_notify_answered_481_ends_the_subscription()
    {
        var edge = SipCluster.Edge(cluster.B);
        var before = edge.SubscriptionCount;
        await using var sipp = Sipp.Client("notify-refused.xml", SipCluster.Target(cluster.B), "2601");
        await sipp.AssertPassesAsync(Wait);

        await AwaitAssertAsync(() => Assert.Equal(before, edge.SubscriptionCount), Wait);
        // A change after the 481 is not sent anywhere: the subscription is gone.
        await PutAsync(cluster.A, "/api/v1/devices/PJSIP/2601", """{"state":"BUSY"}""");
        await AwaitAssertAsync(async () => Assert.Equal("BUSY", (await cluster.B.GetJsonAsync("/api/v1/devices/PJSIP/2601")).GetProperty("state").GetString()), Wait);
        Assert.Equal(before, edge.SubscriptionCount);
    }

    [Fact]
    public async Task An_asterisk_publishes_device_state_and_mwi_which_the_cluster_shows_until_the_publication_expires()
    {
        await using var sipp = Sipp.Client("publish-asterisk.xml", SipCluster.Target(cluster.B), "asterisk");
        await sipp.AssertPassesAsync(Wait);

        // Every node shows the Asterisk server as one more view of the device, and its mailbox counts.
        await AwaitAssertAsync(async () =>
        {
            var device = await cluster.A.GetJsonAsync("/api/v1/devices/PJSIP/1000");
            var view = Assert.Single(device.GetProperty("views").EnumerateArray());
            Assert.Equal("ast:02:00:00:00:00:01", view.GetProperty("node").GetString());
            Assert.Equal("INUSE", view.GetProperty("state").GetString());
            Assert.Equal("INUSE", device.GetProperty("state").GetString());
            var mailbox = await cluster.A.GetJsonAsync("/api/v1/mailboxes/1000@default");
            Assert.Equal(2, mailbox.GetProperty("new").GetInt32());
            Assert.Equal(5, mailbox.GetProperty("old").GetInt32());
            Assert.Equal(0, mailbox.GetProperty("urgent").GetInt32());
        }, Wait);

        // The device publication (Expires: 4, refreshed once) is not refreshed again: its view is withdrawn.
        await AwaitAssertAsync(async () =>
        {
            // A device no one has a view of is not found.
            using var response = await cluster.A.Http.GetAsync("/api/v1/devices/PJSIP/1000");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }, Wait);
        // The mailbox stays: counts are the voicemail server's truth, not a view of a vanished server.
        Assert.Equal(2, (await cluster.A.GetJsonAsync("/api/v1/mailboxes/1000@default")).GetProperty("new").GetInt32());
    }

    [Fact]
    public async Task Changes_are_published_to_a_configured_asterisk_which_can_ask_for_everything_again()
    {
        var asterisk = cluster.Asterisk;
        var eid = SipCluster.Edge(cluster.C).Settings.Eid.Value;

        await PutAsync(cluster.A, "/api/v1/devices/PJSIP/4001", """{"state":"RINGING"}""");
        await PutAsync(cluster.A, "/api/v1/mailboxes/4001@default", """{"new":3,"old":1,"urgent":0}""");

        var device = $$"""{"type":"devicestate","device":"PJSIP/4001","state":"RINGING","cachable":1,"eid":"{{eid}}"}""";
        var mailbox = $$"""{"type":"mailboxstate","uniqueid":"4001@default","old":1,"new":3,"eid":"{{eid}}"}""";
        await AwaitAssertAsync(() =>
        {
            var messages = asterisk.Messages();
            Assert.Contains(device, messages, StringComparison.Ordinal);
            Assert.Contains(mailbox, messages, StringComparison.Ordinal);
            Assert.Contains("Event: asterisk-devicestate", messages, StringComparison.Ordinal);
            Assert.Contains("Event: asterisk-mwi", messages, StringComparison.Ordinal);
        }, Wait);
        Assert.Equal(1, Occurrences(asterisk.Messages(), device));

        // The Asterisk server (its EID is the configured peer's) asks for a refresh: everything comes again.
        await using var refresh = Sipp.Client("publish-refresh.xml", SipCluster.Target(cluster.C), "asterisk", extra: ["-au", "asterisk", "-ap", "ast-pw"]);
        await refresh.AssertPassesAsync(Wait);
        await AwaitAssertAsync(() => Assert.Equal(2, Occurrences(asterisk.Messages(), device)), Wait);
    }

    [Fact]
    public async Task An_asterisk_is_never_sent_its_own_view_back_only_the_aggregate_of_the_others()
    {
        var eid = SipCluster.Edge(cluster.C).Settings.Eid.Value;
        string Body(string state) => $$"""{"type":"devicestate","device":"PJSIP/4200","state":"{{state}}","cachable":1,"eid":"{{eid}}"}""";

        // The configured peer (02:00:00:00:00:09) rings PJSIP/4200 (published into node B); node A's view is INUSE.
        await using (var sipp = Sipp.Client("publish-peer-device.xml", SipCluster.Target(cluster.B), "asterisk"))
        {
            await sipp.AssertPassesAsync(Wait);
        }
        await PutAsync(cluster.A, "/api/v1/devices/PJSIP/4200", """{"state":"INUSE"}""");

        // The cluster's aggregate is RINGINUSE, but the peer is told INUSE: the aggregate without its own view.
        await AwaitAssertAsync(async () => Assert.Equal("RINGINUSE", (await cluster.C.GetJsonAsync("/api/v1/devices/PJSIP/4200")).GetProperty("state").GetString()), Wait);
        await AwaitAssertAsync(() => Assert.Contains(Body("INUSE"), cluster.Asterisk.Messages(), StringComparison.Ordinal), Wait);
        Assert.DoesNotContain(Body("RINGINUSE"), cluster.Asterisk.Messages(), StringComparison.Ordinal);
        Assert.DoesNotContain(Body("RINGING"), cluster.Asterisk.Messages(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_asterisk_gets_the_latest_state_of_a_device_not_every_change_it_missed()
    {
        var asterisk = cluster.SlowAsterisk;
        var eid = SipCluster.Edge(cluster.C).Settings.Eid.Value;
        string[] states = ["INUSE", "BUSY", "RINGING", "ONHOLD", "UNAVAILABLE"];
        string Body(string state) => $$"""{"type":"devicestate","device":"PJSIP/4101","state":"{{state}}","cachable":1,"eid":"{{eid}}"}""";

        // Five changes while the server takes 200 ms over each PUBLISH (and other tests' changes queue too).
        foreach (var state in states)
        {
            await PutAsync(cluster.A, "/api/v1/devices/PJSIP/4101", $$"""{"state":"{{state}}"}""");
        }

        await AwaitAssertAsync(() => Assert.Contains(Body("UNAVAILABLE"), asterisk.Messages(), StringComparison.Ordinal), Wait);
        var sent = states.Count(state => asterisk.Messages().Contains(Body(state), StringComparison.Ordinal));
        // The first change may be in flight when the others come; of the rest only the latest waits.
        Assert.InRange(sent, 1, 2);
    }

    /// <summary>How many PUBLISHes (told apart by Call-ID: a retransmission is the same one) carried <paramref name="body"/>.</summary>
    private static int Occurrences(string trace, string body) =>
        trace.Split("-----------------------------------------------")
            .Where(message => message.Contains(body, StringComparison.Ordinal))
            .Select(message => message.Split('\n').FirstOrDefault(l => l.StartsWith("Call-ID:", StringComparison.Ordinal)))
            .Distinct()
            .Count();

    [Fact]
    public async Task With_digest_users_a_subscription_needs_the_right_password()
    {
        await using var right = Sipp.Client("subscribe-auth.xml", SipCluster.Target(cluster.C), "1000", extra: ["-au", "1000", "-ap", "secret"]);
        await right.AssertPassesAsync(Wait);

        await using var wrong = Sipp.Client("subscribe-auth-wrong.xml", SipCluster.Target(cluster.C), "1000", extra: ["-au", "1000", "-ap", "not-it"]);
        await wrong.AssertPassesAsync(Wait);
    }

    [Fact]
    public async Task Baresip_registers_and_sees_message_waiting_and_presence_written_on_another_node()
    {
        await PutAsync(cluster.A, "/api/v1/presence/1001", """{"state":"available"}""");
        await using var phone = Baresip.Start(SipCluster.Edge(cluster.C).LocalEndPoint.Port, "1000", "secret", "1001");

        // Registered (through the digest challenge), then its MWI subscription's first NOTIFY.
        await AwaitAssertAsync(() => Assert.Contains("Messages-Waiting:", phone.Output, StringComparison.Ordinal), Wait, TimeSpan.FromMilliseconds(100));
        await PutAsync(cluster.A, "/api/v1/mailboxes/1000@default", """{"new":4,"old":7,"urgent":0}""");
        await AwaitAssertAsync(() =>
        {
            Assert.Contains("Messages-Waiting: yes", phone.Output, StringComparison.Ordinal);
            Assert.Contains($"Message-Account: sip:1000@{SipCluster.Domain}", phone.Output, StringComparison.Ordinal);
            Assert.Contains("Voice-Message: 4/7 (0/0)", phone.Output, StringComparison.Ordinal);
        }, Wait, TimeSpan.FromMilliseconds(100));

        // Its contact goes from available to do-not-disturb: baresip shows Busy.
        await AwaitAssertAsync(() => Assert.True(SipCluster.Edge(cluster.C).SubscriptionCount >= 2, "baresip's MWI and presence subscriptions"), Wait, TimeSpan.FromMilliseconds(100));
        await PutAsync(cluster.A, "/api/v1/presence/1001", """{"state":"dnd"}""");
        await AwaitAssertAsync(() => Assert.Contains("changed status from Online to Busy", phone.Output, StringComparison.Ordinal), Wait, TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Garbage_and_torture_over_udp_and_tcp_leave_the_edge_serving()
    {
        var endpoint = SipCluster.Edge(cluster.B).LocalEndPoint;
        var random = new Random(5060);
        byte[] Random(int n)
        {
            var bytes = new byte[n];
            random.NextBytes(bytes);
            return bytes;
        }

        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        // A malformed request whose headers can be read is answered 400.
        await udp.SendAsync(Encoding.ASCII.GetBytes(Torture.CSeqMismatch), endpoint);
        var bad = await ReceiveAsync(udp);
        Assert.StartsWith("SIP/2.0 400 ", bad, StringComparison.Ordinal);

        foreach (var payload in Torture.Messages.Select(Encoding.UTF8.GetBytes).Concat([Random(1), Random(512), Random(60_000), new byte[65_000]]))
        {
            await udp.SendAsync(payload, endpoint);
        }
        foreach (var payload in Torture.Messages.Select(Encoding.UTF8.GetBytes).Append(Random(70_000)))
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(endpoint);
            try
            {
                await tcp.GetStream().WriteAsync(payload);
            }
            catch (IOException)
            {
                // The edge may close a connection that broke the framing while it is still being written to.
            }
        }

        // The edge still answers a valid request, on both transports.
        await udp.SendAsync(Encoding.ASCII.GetBytes(Torture.Options("u1")), endpoint);
        string answer;
        do
        {
            // Answers to the torture messages that could be answered (400s) come first.
            answer = await ReceiveAsync(udp);
        }
        while (!answer.Contains("Call-ID: options-u1", StringComparison.Ordinal));
        Assert.StartsWith("SIP/2.0 200 ", answer, StringComparison.Ordinal);
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint);
        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Torture.Options("t1").Replace("UDP", "TCP", StringComparison.Ordinal)));
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Wait);
        var read = await client.GetStream().ReadAsync(buffer, timeout.Token);
        Assert.StartsWith("SIP/2.0 200 ", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
    }

    private static async Task<string> ReceiveAsync(UdpClient udp)
    {
        using var timeout = new CancellationTokenSource(Wait);
        var result = await udp.ReceiveAsync(timeout.Token);
        return Encoding.UTF8.GetString(result.Buffer);
    }
}

/// <summary>Malformed and unusual messages in the spirit of RFC 4475 (written here, not copied from it).</summary>
internal static class Torture
{
    private static string Request(string method, string headers, string body = "") =>
        $"{method} sip:1000@127.0.0.1 SIP/2.0\r\n{headers}\r\n\r\n{body}";

    private const string Common = "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-torture\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:1000@127.0.0.1>\r\nCall-ID: torture-1\r\n";

    public static string CSeqMismatch => Request("OPTIONS", Common + "CSeq: 1 INVITE\r\nContent-Length: 0");

    public static string Options(string id) => Request("OPTIONS", Common.Replace("torture-1", "options-" + id, StringComparison.Ordinal).Replace("-torture", "-" + id, StringComparison.Ordinal) + "CSeq: 7 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0");

    public static IReadOnlyList<string> Messages { get; } =
    [
        // Content-Length larger than the datagram.
        Request("SUBSCRIBE", Common + "CSeq: 1 SUBSCRIBE\r\nEvent: dialog\r\nContent-Length: 9999", "short"),
        // Negative and non-numeric lengths, two lengths.
        Request("OPTIONS", Common + "CSeq: 1 OPTIONS\r\nContent-Length: -5"),
        Request("OPTIONS", Common + "CSeq: 1 OPTIONS\r\nContent-Length: 1\r\nl: 2", "xy"),
        // No Call-ID, no CSeq, a broken Via, too many Vias.
        Request("OPTIONS", "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-x\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCSeq: 1 OPTIONS"),
        Request("OPTIONS", "Via: SIP/2.0 UDP nowhere\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS"),
        Request("OPTIONS", string.Concat(Enumerable.Repeat("Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-v\r\n", 40)) + "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: v\r\nCSeq: 1 OPTIONS"),
        // A huge header, many headers, a control character, a bad version, a strange scheme.
        Request("OPTIONS", Common + "CSeq: 1 OPTIONS\r\nSubject: " + new string('x', 9000)),
        Request("OPTIONS", Common + "CSeq: 1 OPTIONS\r\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"X-H{i}: {i}\r\n")).TrimEnd()),
        Request("OPTIONS", Common + "CSeq: 1 OPTIONS\r\nSubject: a\u0001b"),
        "OPTIONS sip:1000@127.0.0.1 SIP/7.0\r\n" + Common + "CSeq: 1 OPTIONS\r\n\r\n",
        "OPTIONS nope:1000@127.0.0.1 SIP/2.0\r\n" + Common + "CSeq: 1 OPTIONS\r\n\r\n",
        // Folded and compact headers, odd spacing: valid, answered.
        "OPTIONS sip:1000@127.0.0.1 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-fold\r\nf: <sip:t@127.0.0.1>\r\n ;tag=9\r\nt:    <sip:1000@127.0.0.1>\r\ni: fold-1\r\nCSeq:   3    OPTIONS\r\nl: 0\r\n\r\n",
        // A PUBLISH body that is not JSON, and a dialog SUBSCRIBE with a doctype-laden body.
        Request("PUBLISH", Common + "CSeq: 1 PUBLISH\r\nEvent: asterisk-devicestate\r\nContent-Type: application/json\r\nContent-Length: 5", "{{{{{"),
        Request("PUBLISH", Common + "CSeq: 1 PUBLISH\r\nEvent: presence\r\nContent-Type: application/pidf+xml\r\nContent-Length: 61", "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">]><presence>&a;</presence>"),
        // Not SIP at all.
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "\r\n\r\n",
    ];
}
