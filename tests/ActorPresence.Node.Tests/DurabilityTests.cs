using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests;

/// <summary>Acknowledged mailbox and presence writes survive SIGKILL of every node and a restart.</summary>
public sealed class DurabilityTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Acknowledged_writes_survive_SIGKILL_of_the_whole_cluster_and_a_restart()
    {
        var work = Directory.CreateTempSubdirectory("ap-durable-").FullName;
        var ports = new[] { (TestNodeHost.FreePort(), TestNodeHost.FreePort()), (TestNodeHost.FreePort(), TestNodeHost.FreePort()) };
        var seed = $"akka.tcp://actorpresence@127.0.0.1:{ports[0].Item1}";
        var nodes = new List<Process>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            nodes.AddRange(StartAll());
            await AwaitAssertAsync(async () => Assert.Equal(2, await UpAsync(http, ports[1].Item2)), Wait);

            for (var i = 0; i < 20; i++)
            {
                var port = ports[i % 2].Item2;
                await PutAsync(http, port, $"/api/v1/mailboxes/{i}", $$"""{"new":{{i}},"old":1,"urgent":0}""");
                await PutAsync(http, port, $"/api/v1/presence/user{i}", $$"""{"state":"away","message":"m{{i}}"}""");
            }

            // Every node at once, with no chance to leave or flush anything.
            foreach (var node in nodes)
            {
                node.Kill(entireProcessTree: true);
                await node.WaitForExitAsync();
                node.Dispose();
            }
            nodes.Clear();
            nodes.AddRange(StartAll());
            await AwaitAssertAsync(async () => Assert.Equal(2, await UpAsync(http, ports[1].Item2)), Wait);

            // Each write is on the disk of the node that acknowledged it; the other node gets it
            // back from that one by gossip.
            foreach (var (_, port) in ports)
            {
                await AwaitAssertAsync(async () =>
                {
                    for (var i = 0; i < 20; i++)
                    {
                        var mailbox = await GetAsync(http, port, $"/api/v1/mailboxes/{i}");
                        Assert.Equal(i, mailbox.GetProperty("new").GetInt32());
                        var presence = await GetAsync(http, port, $"/api/v1/presence/user{i}");
                        Assert.Equal($"m{i}", presence.GetProperty("message").GetString());
                    }
                }, Wait);
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Kill(entireProcessTree: true);
                node.Dispose();
            }
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        IEnumerable<Process> StartAll() => ports.Select((p, i) => Start($"dur{i + 1}", p.Item1, p.Item2, Path.Combine(work, $"dur{i + 1}"), seed));
    }

    private Process Start(string name, int port, int httpPort, string dataDir, string seed)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
                 {
                     MultiProcessTests.Repo.Built("ActorPresence.Node"), "--node-name", name, "--port", port.ToString(),
                     "--http-port", httpPort.ToString(), "--data-dir", dataDir, "--seeds", seed,
                 })
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Output!.WriteLine($"{name}: {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<int> UpAsync(HttpClient http, int port)
    {
        try
        {
            var cluster = await GetAsync(http, port, "/api/v1/cluster");
            return cluster.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "Up");
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private static async Task PutAsync(HttpClient http, int port, string path, string json)
    {
        using var response = await http.PutAsync($"http://127.0.0.1:{port}{path}", new StringContent(json, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    private static async Task<JsonElement> GetAsync(HttpClient http, int port, string path)
    {
        using var response = await http.GetAsync($"http://127.0.0.1:{port}{path}");
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
