using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests.Sip;

/// <summary>
/// What sipp cannot show: the edge's own UDP retransmissions, a NOTIFY too large for UDP going over
/// TCP, the per-source rate and the allow list. A phone here is a raw socket on its own loopback
/// address (127.0.0.x), so its rate bucket is its own.
/// </summary>
[Collection(SipClusterCollection.Name)]
public sealed class SipTransportTests(SipCluster cluster, ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_notify_not_answered_over_udp_is_sent_again_until_it_is()
    {
        var edge = SipCluster.Edge(cluster.B).LocalEndPoint;
        using var phone = new RawPhone(IPAddress.Parse("127.0.0.4"));
        await phone.SendAsync(RawPhone.Subscribe(phone, edge, "2701", "dialog", "retrans-1", 60), edge);
        Assert.StartsWith("SIP/2.0 200 ", await phone.ReceiveAsync(m => m.StartsWith("SIP/2.0", StringComparison.Ordinal)), StringComparison.Ordinal);

        var first = await phone.ReceiveAsync(m => m.StartsWith("NOTIFY ", StringComparison.Ordinal));
        // Not answered: the same request comes again (same branch, same CSeq), T1 (100 ms here) later.
        var again = await phone.ReceiveAsync(m => m.StartsWith("NOTIFY ", StringComparison.Ordinal));
        Assert.Equal(RawPhone.Header(first, "Via"), RawPhone.Header(again, "Via"));
        Assert.Equal(RawPhone.Header(first, "CSeq"), RawPhone.Header(again, "CSeq"));

        // Changes while that NOTIFY is unanswered wait: one NOTIFY in flight, and then only the latest state.
        await PutAsync("/api/v1/devices/PJSIP/2701", """{"state":"INUSE"}""");
        await PutAsync("/api/v1/devices/PJSIP/2701", """{"state":"RINGING"}""");
        await AwaitAssertAsync(async () => Assert.Equal("RINGING", (await cluster.B.GetJsonAsync("/api/v1/devices/PJSIP/2701")).GetProperty("state").GetString()), Wait);
        await phone.SendAsync(RawPhone.Ok(again), edge);

        var next = await phone.ReceiveAsync(m => m.StartsWith("NOTIFY ", StringComparison.Ordinal) && RawPhone.Header(m, "CSeq") != RawPhone.Header(first, "CSeq"));
        Assert.Contains("<state>early</state>", next, StringComparison.Ordinal);
        Assert.Contains("direction=\"recipient\"", next, StringComparison.Ordinal);
        Assert.Contains("version=\"1\"", next, StringComparison.Ordinal);
        await phone.SendAsync(RawPhone.Ok(next), edge);
    }

    [Fact]
    public async Task An_asterisk_that_is_not_configured_gets_everything_sent_back_to_where_its_refresh_came_from()
    {
        var edge = SipCluster.Edge(cluster.B).LocalEndPoint;
        var eid = SipCluster.Edge(cluster.B).Settings.Eid.Value;
        await PutAsync("/api/v1/devices/PJSIP/4300", """{"state":"BUSY"}""");
        await AwaitAssertAsync(async () => Assert.Equal("BUSY", (await cluster.B.GetJsonAsync("/api/v1/devices/PJSIP/4300")).GetProperty("state").GetString()), Wait);
        using var asterisk = new RawPhone(IPAddress.Parse("127.0.0.9"));

        await asterisk.SendAsync(RawPhone.Publish(asterisk, edge, "refresh-1", """{"type":"refresh","eid":"02:00:00:00:00:0b"}"""), edge);

        Assert.StartsWith("SIP/2.0 200 ", await asterisk.ReceiveAsync(m => m.StartsWith("SIP/2.0", StringComparison.Ordinal)), StringComparison.Ordinal);
        // Everything the cluster holds comes, one PUBLISH at a time; each is answered until the device shows up.
        var wanted = $$"""{"type":"devicestate","device":"PJSIP/4300","state":"BUSY","cachable":1,"eid":"{{eid}}"}""";
        while (true)
        {
            var publish = await asterisk.ReceiveAsync(m => m.StartsWith("PUBLISH ", StringComparison.Ordinal));
            await asterisk.SendAsync(RawPhone.Ok(publish), edge);
            if (publish.Contains(wanted, StringComparison.Ordinal))
            {
                break;
            }
        }
    }

    [Fact]
    public async Task A_hinted_user_shows_the_device_its_hint_names()
    {
        var edge = SipCluster.Edge(cluster.B).LocalEndPoint;
        using var phone = new RawPhone(IPAddress.Parse("127.0.0.8"));
        await phone.SendAsync(RawPhone.Subscribe(phone, edge, "2950", "dialog", "hint-1", 60), edge);
        await phone.SendAsync(RawPhone.Ok(await phone.ReceiveAsync(m => m.StartsWith("NOTIFY ", StringComparison.Ordinal))), edge);

        // B's hints: 2950 is Custom:lamp9, not PJSIP/2950.
        await PutAsync("/api/v1/devices/PJSIP/2950", """{"state":"BUSY"}""");
        await PutAsync("/api/v1/devices/Custom:lamp9", """{"state":"ONHOLD"}""");

        var notify = await phone.ReceiveAsync(m => m.StartsWith("NOTIFY ", StringComparison.Ordinal));
        Assert.Contains("pvalue=\"no\"", notify, StringComparison.Ordinal);
        Assert.Contains("entity=\"sip:2950@" + SipCluster.Domain + "\"", notify, StringComparison.Ordinal);
        await phone.SendAsync(RawPhone.Ok(notify), edge);
    }

    [Fact]
    public async Task A_notify_too_large_for_udp_goes_over_tcp_to_the_subscribers_address()
    {
        var edge = SipCluster.Edge(cluster.B).LocalEndPoint;
        using var phone = new RawPhone(IPAddress.Parse("127.0.0.5"));
        using var tcp = new TcpListener(IPAddress.Parse("127.0.0.5"), phone.Port);
        tcp.Start();
        await phone.SendAsync(RawPhone.Subscribe(phone, edge, "2801", "presence", "large-1", 60), edge);
        var notify = await phone.ReceiveAsync(m => m.StartsWith("NOTIFY ", StringComparison.Ordinal));
        await phone.SendAsync(RawPhone.Ok(notify), edge);

        // A long message makes the PIDF (it is the note twice) larger than 1,300 bytes.
        var message = string.Concat(Enumerable.Repeat("Out of office until Monday. ", 18));
        await PutAsync("/api/v1/presence/2801", $$"""{"state":"away","message":"{{message.Trim()}}"}""");

        using var accepted = await tcp.AcceptTcpClientAsync(new CancellationTokenSource(Wait).Token);
        var stream = accepted.GetStream();
        var large = await RawPhone.ReadMessageAsync(stream);
        Assert.StartsWith("NOTIFY ", large, StringComparison.Ordinal);
        Assert.StartsWith("SIP/2.0/TCP ", RawPhone.Header(large, "Via"), StringComparison.Ordinal);
        Assert.Contains(message.Trim(), large, StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(large) > 1_300, $"the NOTIFY is {Encoding.UTF8.GetByteCount(large)} bytes");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(RawPhone.Ok(large)));
    }

    [Fact]
    public async Task Requests_over_the_per_source_rate_are_dropped_and_counted()
    {
        var edge = SipCluster.Edge(cluster.B).LocalEndPoint;
        using var phone = new RawPhone(IPAddress.Parse("127.0.0.6"));
        const int Sent = 1_000;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < Sent; i++)
        {
            await phone.SendAsync(RawPhone.Options(phone, edge, $"rate-{i}"), edge);
        }
        var elapsed = clock.Elapsed;
        var answered = 0;
        while (await phone.TryReceiveAsync(TimeSpan.FromSeconds(1)) is not null)
        {
            answered++;
        }

        // The bucket: 400 at once, then 200 a second.
        Assert.InRange(answered, 1, 400 + (int)Math.Ceiling(200 * (elapsed.TotalSeconds + 1)));
        Assert.True(answered < Sent, $"all {Sent} were answered");
        var metrics = await cluster.B.Http.GetStringAsync("/metrics");
        Assert.Contains("actorpresence_sip_refusals_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("what=\"rate\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_source_outside_the_allow_list_gets_403_and_its_garbage_gets_nothing()
    {
        // Node C allows 127.0.0.1 and ::1 only.
        var edge = SipCluster.Edge(cluster.C).LocalEndPoint;
        using var stranger = new RawPhone(IPAddress.Parse("127.0.0.7"));
        await stranger.SendAsync("this is not SIP at all\r\n\r\n", edge);
        await stranger.SendAsync(RawPhone.Options(stranger, edge, "stranger-1"), edge);

        // The first answer is the OPTIONS's: the garbage before it got none.
        var answer = await stranger.ReceiveAsync(_ => true);
        Assert.StartsWith("SIP/2.0 403 ", answer, StringComparison.Ordinal);
        Assert.Contains("stranger-1", answer, StringComparison.Ordinal);
    }

    private async Task PutAsync(string path, string json)
    {
        using var response = await cluster.A.Http.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}

/// <summary>A phone made of one UDP socket: it writes SIP by hand and reads what comes back.</summary>
internal sealed class RawPhone : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly UdpClient _udp;

    public RawPhone(IPAddress address)
    {
        _udp = new UdpClient(new IPEndPoint(address, 0));
        Address = address;
        Port = ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;
    }

    public IPAddress Address { get; }

    public int Port { get; }

    public Task SendAsync(string message, IPEndPoint to) => _udp.SendAsync(Encoding.UTF8.GetBytes(message), to).AsTask();

    /// <summary>The next datagram that matches, skipping others; fails after 30 s.</summary>
    public async Task<string> ReceiveAsync(Func<string, bool> match)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (true)
        {
            var result = await _udp.ReceiveAsync(timeout.Token);
            var text = Encoding.UTF8.GetString(result.Buffer);
            if (match(text))
            {
                return text;
            }
        }
    }

    /// <summary>The next datagram, or null if none comes within <paramref name="within"/>.</summary>
    public async Task<string?> TryReceiveAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            var result = await _udp.ReceiveAsync(timeout.Token);
            return Encoding.UTF8.GetString(result.Buffer);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private string Local => $"{Address}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static string Subscribe(RawPhone phone, IPEndPoint edge, string user, string package, string callId, int expires) =>
        $"SUBSCRIBE sip:{user}@{edge} SIP/2.0\r\n"
        + $"Via: SIP/2.0/UDP {phone.Local};branch=z9hG4bK-{callId}\r\n"
        + $"From: <sip:phone@{phone.Local}>;tag={callId}\r\n"
        + $"To: <sip:{user}@{edge}>\r\n"
        + $"Call-ID: {callId}\r\n"
        + "CSeq: 1 SUBSCRIBE\r\n"
        + $"Contact: <sip:phone@{phone.Local}>\r\n"
        + $"Event: {package}\r\n"
        + $"Expires: {expires.ToString(CultureInfo.InvariantCulture)}\r\n"
        + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

    public static string Options(RawPhone phone, IPEndPoint edge, string callId) =>
        $"OPTIONS sip:{edge} SIP/2.0\r\n"
        + $"Via: SIP/2.0/UDP {phone.Local};branch=z9hG4bK-{callId}\r\n"
        + $"From: <sip:phone@{phone.Local}>;tag={callId}\r\n"
        + $"To: <sip:{edge}>\r\n"
        + $"Call-ID: {callId}\r\n"
        + "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

    public static string Publish(RawPhone phone, IPEndPoint edge, string callId, string json) =>
        $"PUBLISH sip:asterisk@{edge} SIP/2.0\r\n"
        + $"Via: SIP/2.0/UDP {phone.Local};branch=z9hG4bK-{callId}\r\n"
        + $"From: <sip:asterisk@{phone.Local}>;tag={callId}\r\n"
        + $"To: <sip:asterisk@{edge}>\r\n"
        + $"Call-ID: {callId}\r\n"
        + "CSeq: 1 PUBLISH\r\nEvent: asterisk-devicestate\r\nExpires: 60\r\nMax-Forwards: 70\r\n"
        + $"Content-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(json).ToString(CultureInfo.InvariantCulture)}\r\n\r\n{json}";

    /// <summary>200 OK to a request: its Via, From, To, Call-ID and CSeq.</summary>
    public static string Ok(string request) =>
        "SIP/2.0 200 OK\r\n"
        + string.Concat(((string[])["Via", "From", "To", "Call-ID", "CSeq"]).Select(h => $"{h}: {Header(request, h)}\r\n"))
        + "Content-Length: 0\r\n\r\n";

    public static string Header(string message, string name)
    {
        foreach (var line in message.Split("\r\n"))
        {
            if (line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            {
                return line[(name.Length + 1)..].Trim();
            }
        }
        throw new Xunit.Sdk.XunitException($"no {name} in:\n{message}");
    }

    /// <summary>One message from a TCP stream: the head, then Content-Length bytes of body.</summary>
    public static async Task<string> ReadMessageAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(Wait);
        var bytes = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            var text = Encoding.UTF8.GetString(bytes.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var length = int.Parse(Header(text[..end], "Content-Length"), CultureInfo.InvariantCulture);
                if (Encoding.UTF8.GetByteCount(text) >= Encoding.UTF8.GetByteCount(text[..(end + 4)]) + length)
                {
                    return text;
                }
            }
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                throw new Xunit.Sdk.XunitException($"the connection closed after:\n{text}");
            }
            bytes.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    public void Dispose() => _udp.Dispose();
}
