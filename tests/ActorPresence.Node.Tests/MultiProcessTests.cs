using System.Diagnostics;
using System.Text.Json;
using ActorPresence.Testing;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests;

/// <summary>
/// A dedicated seed and three telephony nodes as separate processes on loopback, started from the
/// example configurations exactly as docs/operations.md says (with free ports and short failure
/// timings given on top), and driven through the apctl CLI.
/// </summary>
public sealed class MultiProcessTests(ITestOutputHelper output) : ProcessTestKit(output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);

    // Laid over the example files: a crashed node is found and removed in seconds, not minutes.
    private static readonly string FastFailure = "\n" + ClusterHocon.NodeProcesses(stableAfter: TimeSpan.FromSeconds(3));

    [Fact]
    public async Task A_seed_and_three_nodes_replicate_aggregate_and_drop_a_killed_node()
    {
        var work = Directory.CreateTempSubdirectory("ap-multiprocess-").FullName;
        var seedPort = TestNodeHost.FreePort();
        var seeds = $"akka.tcp://actorpresence@127.0.0.1:{seedPort}";
        var nodes = new List<NodeProcess>();
        try
        {
            nodes.Add(StartExample("seed", work, seedPort, TestNodeHost.FreePort(), seeds));
            for (var i = 1; i <= 3; i++)
            {
                nodes.Add(StartExample($"node{i}", work, TestNodeHost.FreePort(), TestNodeHost.FreePort(), seeds));
            }
            var (seed, pbx1, pbx2, pbx3) = (nodes[0], nodes[1], nodes[2], nodes[3]);

            // All four members Up, as every node sees it.
            foreach (var node in nodes)
            {
                await AwaitAssertAsync(async () =>
                {
                    var members = (await Cli.JsonAsync(node, "cluster", "show")).GetProperty("members").EnumerateArray().ToList();
                    Assert.Equal(["pbx1", "pbx2", "pbx3", "seed1"], members.Select(m => m.GetProperty("node").GetString()).Order());
                    Assert.All(members, m => Assert.Equal("Up", m.GetProperty("status").GetString()));
                }, Converge);
            }
            var table = await Cli.RunAsync(pbx2, "cluster", "show");
            Assert.Equal(0, table.ExitCode);
            Assert.Contains("4 members", table.Stdout);
            Assert.Contains("seed1", table.Stdout);

            // Views from two nodes aggregate on the third; mailbox and presence replicate.
            Assert.Equal(0, (await Cli.RunAsync(pbx1, "device", "set", "PJSIP/1000", "INUSE")).ExitCode);
            Assert.Equal(0, (await Cli.RunAsync(pbx2, "device", "set", "PJSIP/1000", "RINGING")).ExitCode);
            Assert.Equal(0, (await Cli.RunAsync(pbx3, "device", "set", "PJSIP/2000", "BUSY")).ExitCode);
            Assert.Equal(0, (await Cli.RunAsync(pbx3, "mailbox", "set", "1000", "--new", "2", "--old", "5", "--urgent", "1")).ExitCode);
            Assert.Equal(0, (await Cli.RunAsync(pbx1, "presence", "set", "alice", "away", "--message", "lunch")).ExitCode);
            await AwaitAssertAsync(async () =>
            {
                var device = await Cli.JsonAsync(pbx3, "device", "show", "PJSIP/1000");
                Assert.Equal("RINGINUSE", device.GetProperty("state").GetString());
                Assert.Equal(["pbx1", "pbx2"], device.GetProperty("views").EnumerateArray().Select(v => v.GetProperty("node").GetString()).Order());
                Assert.Equal(2, (await Cli.JsonAsync(pbx1, "mailbox", "show", "1000")).GetProperty("new").GetInt32());
                Assert.Equal("lunch", (await Cli.JsonAsync(pbx2, "presence", "show", "alice")).GetProperty("message").GetString());
                Assert.Equal("BUSY", (await Cli.JsonAsync(pbx1, "device", "show", "PJSIP/2000")).GetProperty("state").GetString());
            }, Converge);
            var shown = await Cli.RunAsync(pbx1, "device", "show", "PJSIP/1000");
            Assert.Contains("RINGINUSE", shown.Stdout);
            Assert.Contains("pbx2", shown.Stdout);

            // The seed holds no state.
            var onSeed = await Cli.RunAsync(seed, "device", "show", "PJSIP/1000");
            Assert.NotEqual(0, onSeed.ExitCode);

            // SIGKILL pbx3: reported unreachable, then removed, and its views gone from the others.
            pbx3.Kill();
            await AwaitAssertAsync(async () =>
            {
                var members = (await Cli.JsonAsync(pbx1, "cluster", "show")).GetProperty("members").EnumerateArray();
                var dead = Assert.Single(members, m => m.GetProperty("node").GetString() == "pbx3");
                Assert.False(dead.GetProperty("reachable").GetBoolean());
            }, Converge);
            await AwaitAssertAsync(async () =>
            {
                var members = (await Cli.JsonAsync(pbx1, "cluster", "show")).GetProperty("members").EnumerateArray();
                Assert.DoesNotContain(members, m => m.GetProperty("node").GetString() == "pbx3");
            }, Converge);
            foreach (var survivor in new[] { pbx1, pbx2 })
            {
                await AwaitAssertAsync(async () =>
                {
                    var gone = await Cli.RunAsync(survivor, "device", "show", "PJSIP/2000");
                    Assert.Equal(1, gone.ExitCode);
                    Assert.Contains("404", gone.Stderr);
                }, Converge);
                Assert.Equal("RINGINUSE", (await Cli.JsonAsync(survivor, "device", "show", "PJSIP/1000")).GetProperty("state").GetString());
                // What pbx3 wrote to shared state (the mailbox) is not a view: it stays.
                Assert.Equal(5, (await Cli.JsonAsync(survivor, "mailbox", "show", "1000")).GetProperty("old").GetInt32());
            }

            // SIGTERM pbx2: it leaves gracefully, exits 0, and its view is withdrawn from pbx1.
            Assert.Equal(0, await pbx2.TerminateAsync(TimeSpan.FromSeconds(60)));
            await AwaitAssertAsync(async () =>
            {
                var members = (await Cli.JsonAsync(pbx1, "cluster", "show")).GetProperty("members").EnumerateArray();
                Assert.DoesNotContain(members, m => m.GetProperty("node").GetString() == "pbx2");
                var device = await Cli.JsonAsync(pbx1, "device", "show", "PJSIP/1000");
                Assert.Equal("INUSE", device.GetProperty("state").GetString());
                Assert.Equal("pbx1", Assert.Single(device.GetProperty("views").EnumerateArray()).GetProperty("node").GetString());
            }, Converge);
        }
        finally
        {
            StopAll(nodes, work);
        }
    }

    /// <summary>A node process started as docs/operations.md shows:
    /// <c>dotnet ActorPresence.Node.dll --config hocon/examples/X.conf</c>, with free ports and a data directory given on top.</summary>
    private static NodeProcess StartExample(string example, string work, int port, int httpPort, string seeds)
    {
        var config = Path.Combine(work, example + ".conf");
        File.WriteAllText(config, File.ReadAllText(Path.Combine(Repo.Root, "hocon", "examples", example + ".conf")) + FastFailure);
        var launch = new NodeLaunch(example, Path.Combine(work, example), "127.0.0.1", port, "127.0.0.1", httpPort, [seeds], config);
        return NodeProcess.Start(launch, ["--config", config, "--port", port.ToString(), "--http-port", httpPort.ToString(), "--seeds", seeds, "--data-dir", launch.DataDir]);
    }

    /// <summary>Runs the built apctl CLI against a node.</summary>
    internal static class Cli
    {
        public sealed record Result(int ExitCode, string Stdout, string Stderr);

        public static async Task<Result> RunAsync(NodeProcess node, params string[] args)
        {
            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            info.ArgumentList.Add(Repo.Built("ActorPresence.Cli"));
            info.ArgumentList.Add("--node");
            info.ArgumentList.Add(node.Api.BaseAddress.ToString().TrimEnd('/'));
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"apctl {string.Join(' ', args)} did not finish in 60 s");
            }
            return new Result(process.ExitCode, await stdout, await stderr);
        }

        public static async Task<JsonElement> JsonAsync(NodeProcess node, params string[] args)
        {
            var result = await RunAsync(node, [.. args, "--json"]);
            Assert.True(result.ExitCode == 0, $"apctl {string.Join(' ', args)} exited {result.ExitCode}: {result.Stderr}");
            return JsonDocument.Parse(result.Stdout).RootElement.Clone();
        }
    }
}
