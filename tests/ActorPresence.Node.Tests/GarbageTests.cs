using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests;

/// <summary>Random bytes, truncated and oversized frames at a node's remoting and HTTP ports.</summary>
public sealed class GarbageTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Garbage_at_the_remoting_and_http_ports_leaves_the_node_up_its_state_intact_and_its_peer_connected()
    {
        await using var a = await TestNodeHost.StartAsync("garbage-a");
        var addressA = Akka.Cluster.Cluster.Get(a.App.Services.GetRequiredService<ActorSystem>()).SelfAddress;
        await using var b = await TestNodeHost.StartAsync("garbage-b", "--seeds", addressA.ToString());
        await AwaitAssertAsync(async () => Assert.Equal(2, await UpAndReachableAsync(a)), Wait);

        await PutAsync(a, "/api/v1/devices/PJSIP/1", """{"state":"INUSE"}""");
        await PutAsync(b, "/api/v1/mailboxes/1", """{"new":3,"old":1,"urgent":1}""");
        await AwaitAssertAsync(async () => Assert.Equal("INUSE", (await b.GetJsonAsync("/api/v1/devices/PJSIP/1")).GetProperty("state").GetString()), Wait);

        var random = new Random(4711);
        byte[] Bytes(int n)
        {
            var buffer = new byte[n];
            random.NextBytes(buffer);
            return buffer;
        }

        var remoting = new IPEndPoint(IPAddress.Parse(addressA.Host!), addressA.Port!.Value);
        var http = new IPEndPoint(IPAddress.Loopback, a.BaseAddress.Port);
        var payloads = new List<(string What, byte[] Bytes)>
        {
            ("random bytes", Bytes(256 * 1024)),
            ("a frame claiming 2 GB", [0xFF, 0xFF, 0xFF, 0x7F, .. Bytes(64)]),
            ("a truncated frame", [0x00, 0x01, 0x00, 0x00, .. Bytes(10)]),
            ("an empty frame", [0x00, 0x00, 0x00, 0x00]),
            ("many tiny frames", Enumerable.Range(0, 2000).SelectMany(_ => new byte[] { 0x01, 0x00, 0x00, 0x00, 0x2A }).ToArray()),
        };
        foreach (var (what, bytes) in payloads)
        {
            await SendAsync(remoting, bytes, $"remoting: {what}");
            await SendAsync(http, bytes, $"http: {what}");
        }
        await SendAsync(http, Encoding.ASCII.GetBytes("GET /api/v1/cluster HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('a', 200_000) + "\r\n\r\n"), "http: a huge header");
        await SendAsync(http, Encoding.ASCII.GetBytes("PUT /api/v1/devices/PJSIP/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"state\":"), "http: a truncated body");
        await SendAsync(http, Encoding.ASCII.GetBytes("\u0001\u0002 / HTTP/9.9\r\n\r\n"), "http: a broken request line");

        // Still up, still a member with its peer, state unchanged, and replication still works both ways.
        using (var ready = await a.Http.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        await AwaitAssertAsync(async () => Assert.Equal(2, await UpAndReachableAsync(a)), Wait);
        await AwaitAssertAsync(async () => Assert.Equal(2, await UpAndReachableAsync(b)), Wait);
        Assert.Equal("INUSE", (await a.GetJsonAsync("/api/v1/devices/PJSIP/1")).GetProperty("state").GetString());
        Assert.Equal(3, (await a.GetJsonAsync("/api/v1/mailboxes/1")).GetProperty("new").GetInt32());
        await PutAsync(a, "/api/v1/devices/PJSIP/1", """{"state":"RINGING"}""");
        await PutAsync(b, "/api/v1/mailboxes/1", """{"new":0,"old":4,"urgent":0}""");
        await AwaitAssertAsync(async () =>
        {
            Assert.Equal("RINGING", (await b.GetJsonAsync("/api/v1/devices/PJSIP/1")).GetProperty("state").GetString());
            Assert.Equal(4, (await a.GetJsonAsync("/api/v1/mailboxes/1")).GetProperty("old").GetInt32());
        }, Wait);
    }

    private static async Task PutAsync(TestNodeHost node, string path, string json)
    {
        using var response = await node.Http.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    private static async Task<int> UpAndReachableAsync(TestNodeHost node)
    {
        var cluster = await node.GetJsonAsync("/api/v1/cluster");
        return cluster.GetProperty("members").EnumerateArray()
            .Count(m => m.GetProperty("status").GetString() == "Up" && m.GetProperty("reachable").GetBoolean());
    }

    /// <summary>Connects, writes the bytes (as far as the peer takes them), and closes; the peer may reset.</summary>
    private async Task SendAsync(IPEndPoint endpoint, byte[] bytes, string what)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(endpoint, timeout.Token);
            await socket.SendAsync(bytes, SocketFlags.None, timeout.Token);
            socket.Shutdown(SocketShutdown.Send);
            var sink = new byte[4096];
            while (await socket.ReceiveAsync(sink, SocketFlags.None, timeout.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            Output!.WriteLine($"{what}: {e.GetType().Name} ({e.Message})");
        }
    }
}
