using System.Diagnostics;
using ActorPresence.Testing;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests;

/// <summary>
/// Three node processes on loopback with writers on each; one is SIGKILLed while the writes go on,
/// removed by the split-brain resolver (on test timings), restarted under its name, and resumes.
/// Every acknowledged write is checked against a model on every node.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : ProcessTestKit(output)
{
    private const double Rate = 40;

    [Fact]
    public async Task A_member_SIGKILLed_while_writes_continue_is_removed_loses_no_acknowledged_write_and_rejoins()
    {
        var work = Directory.CreateTempSubdirectory("ap-crash-").FullName;
        var config = ClusterHocon.WriteFile(work, "test", ClusterHocon.NodeProcesses(stableAfter: TimeSpan.FromSeconds(3)));
        var ports = Enumerable.Range(0, 3).Select(_ => NodeProcess.FreePort()).ToList();
        string[] seeds = [$"akka.tcp://actorpresence@127.0.0.1:{ports[0]}", $"akka.tcp://actorpresence@127.0.0.1:{ports[1]}"];
        var launches = Enumerable.Range(1, 3).Select(n => new NodeLaunch(
            $"pbx{n}", Path.Combine(work, $"pbx{n}"), "127.0.0.1", ports[n - 1], "127.0.0.1", NodeProcess.FreePort(), seeds, config)).ToList();
        var nodes = launches.Select(NodeProcess.Start).ToList();
        var model = new StateModel();
        var writers = Enumerable.Range(1, 3).Select(n => new MixedWriter($"w{n}", "crash", 25, n, model)).ToList();
        try
        {
            await AwaitUpAsync(nodes, ["pbx1", "pbx2", "pbx3"]);
            var (pbx1, pbx2, pbx3) = (nodes[0], nodes[1], nodes[2]);

            using var running = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var survivorsWriting = new[] { Write(writers[0], pbx1, running.Token), Write(writers[1], pbx2, running.Token) };
            var victimWriting = Write(writers[2], pbx3, running.Token);
            await AwaitAssertAsync(() =>
            {
                var stopped = survivorsWriting.Append(victimWriting).Where(w => w.IsCompleted).Select(w => w.Result).ToList();
                Assert.True(stopped.Count == 0, $"a writer stopped: {string.Join("; ", stopped)}");
                Assert.True(model.Acknowledged > 200, $"{model.Acknowledged} writes so far");
            }, Wait);

            // SIGKILL pbx3 in the middle of its writer's stream; its writer stops at the first failure.
            pbx3.Kill();
            var killed = Stopwatch.StartNew();
            var victim = await victimWriting;
            Output!.WriteLine($"pbx3 killed after {victim.Acknowledged} acknowledged writes through it ({victim.Failure ?? "no write in flight"})");
            model.NodeRemoved("pbx3");

            // The others keep writing while the resolver removes pbx3.
            await AwaitUpAsync([pbx1, pbx2], ["pbx1", "pbx2"], onlyThese: true);
            var removedAfter = killed.Elapsed;
            var before = model.Acknowledged;
            await AwaitAssertAsync(() => Assert.True(model.Acknowledged > before + 100, "writes go on after the removal"), Wait);
            await running.CancelAsync();
            foreach (var result in await Task.WhenAll(survivorsWriting))
            {
                Assert.True(result.Failed == 0, $"{result.Writer} failed: {result.Failure}");
            }

            // Survivors agree with the model: their own writes, and no view of pbx3 anywhere. (What
            // pbx3 acknowledged just before it died may be only on its disk until it restarts.)
            await AwaitConvergedAsync([pbx1, pbx2], model, key => !writers[2].Owns(key));
            Output.WriteLine($"pbx3 removed by the survivors {removedAfter.TotalSeconds:F1} s after SIGKILL; survivors converged {killed.Elapsed.TotalSeconds:F1} s after it");

            // A node that joins now gets the survivors' state, with no view of the dead incarnation.
            var newcomer = NodeProcess.Start(launches[0] with { Name = "pbx4", DataDir = Path.Combine(work, "pbx4"), Port = NodeProcess.FreePort(), HttpPort = NodeProcess.FreePort() });
            nodes.Add(newcomer);
            await AwaitUpAsync([pbx1, pbx2, newcomer], ["pbx1", "pbx2", "pbx4"]);
            await AwaitConvergedAsync([newcomer], model, key => !writers[2].Owns(key));
            Assert.Equal(0, await newcomer.TerminateAsync(Wait));
            nodes.Remove(newcomer);
            newcomer.Dispose();
            await AwaitUpAsync([pbx1, pbx2], ["pbx1", "pbx2"], onlyThese: true);

            // Restart under the same name and data directory: it rejoins, its acknowledged writes are
            // everywhere, and it takes writes again.
            pbx3.Dispose();
            var restarted = Stopwatch.StartNew();
            nodes[2] = pbx3 = NodeProcess.Start(launches[2]);
            await AwaitUpAsync(nodes, ["pbx1", "pbx2", "pbx3"]);
            var rejoinedAfter = restarted.Elapsed;
            await AwaitConvergedAsync(nodes, model);
            Output.WriteLine($"pbx3 rejoined {rejoinedAfter.TotalSeconds:F1} s after its restart; all three converged {restarted.Elapsed.TotalSeconds:F1} s after it");

            using var resumed = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var acknowledged = model.Acknowledged;
            var again = await Task.WhenAll(
                writers[0].RunAsync(pbx1, Rate, TimeSpan.FromSeconds(3), 100, resumed.Token),
                writers[2].RunAsync(pbx3, Rate, TimeSpan.FromSeconds(3), 100, resumed.Token));
            Assert.All(again, r => Assert.True(r.Failed == 0 && r.Acknowledged > 0, $"{r.Writer}: {r.Acknowledged} acknowledged, {r.Failure}"));
            await AwaitConvergedAsync(nodes, model);
            Output.WriteLine($"{model.Acknowledged} acknowledged writes in all ({model.Acknowledged - acknowledged} after the restart), {model.Uncertain} of unknown outcome, {model.Keys} keys: every node agrees with the model");
        }
        finally
        {
            StopAll(nodes, work);
        }
    }

    private static Task<WriterResult> Write(MixedWriter writer, NodeProcess node, CancellationToken ct) =>
        Task.Run(() => writer.RunAsync(node, Rate, TimeSpan.FromMinutes(2), 20_000, ct), ct);

}
