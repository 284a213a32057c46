using System.Diagnostics;
using ActorPresence.Testing;

// dotnet run -c Release --project tests/ActorPresence.Soak -- [--duration SECONDS] [--rate WRITES_PER_S] [--keys N]
// Three node processes on loopback; one writer per node at a steady rate for a fixed time; then every
// node's state is compared with a model of every acknowledged write. Exit 0 when all agree.
var options = SoakOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: [--duration SECONDS (1-86400, default 600)] [--rate WRITES_PER_S (1-5000, default 150)] [--keys PER_WRITER (1-100000, default 500)]");
    return 2;
}
var work = Directory.CreateTempSubdirectory("ap-soak-").FullName;
var config = ClusterHocon.WriteFile(work, "soak", "akka.loglevel = WARNING\n");
var ports = Enumerable.Range(0, 3).Select(_ => NodeProcess.FreePort()).ToList();
string[] seeds = [$"akka.tcp://actorpresence@127.0.0.1:{ports[0]}", $"akka.tcp://actorpresence@127.0.0.1:{ports[1]}"];
var nodes = Enumerable.Range(1, 3)
    .Select(n => NodeProcess.Start(new NodeLaunch($"soak{n}", Path.Combine(work, $"soak{n}"), "127.0.0.1", ports[n - 1], "127.0.0.1", NodeProcess.FreePort(), seeds, config)))
    .ToList();
Console.WriteLine($"soak: 3 nodes, {options.Rate} writes/s for {options.Duration.TotalSeconds:F0} s, {options.Keys} mailboxes, presentities and devices per writer; work dir {work}");
try
{
    var clock = Stopwatch.StartNew();
    if (!await Until(async () => (await Task.WhenAll(nodes.Select(n => n.Api.UpMembersAsync()))).All(up => up.Count == 3), TimeSpan.FromMinutes(2)))
    {
        return Fail("the cluster did not form in 2 minutes", nodes);
    }
    Console.WriteLine($"cluster Up in {clock.Elapsed.TotalSeconds:F1} s");
    var start = nodes.Select(n => n.ResidentBytes()).ToList();

    var model = new StateModel();
    var writers = Enumerable.Range(1, 3).Select(n => new MixedWriter($"s{n}", "soak", options.Keys, n, model)).ToList();
    using var stop = new CancellationTokenSource(options.Duration + TimeSpan.FromMinutes(1));
    var maxWrites = (int)Math.Min(int.MaxValue, options.Rate * options.Duration.TotalSeconds);
    clock.Restart();
    var running = writers.Select((w, i) => Task.Run(() => w.RunAsync(nodes[i], options.Rate / 3, options.Duration, maxWrites, stop.Token))).ToList();
    List<long>? warm = null;
    var progress = Task.Run(async () =>
    {
        // A line every 10 s, so a long soak shows it is alive; memory once warmed up (a tenth of the run).
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(Math.Min(10, Math.Max(1, options.Duration.TotalSeconds / 10))));
        while (await tick.WaitForNextTickAsync() && !running.All(r => r.IsCompleted))
        {
            if (warm is null && clock.Elapsed >= options.Duration / 10)
            {
                warm = nodes.Select(n => n.ResidentBytes()).ToList();
            }
            Console.WriteLine($"  {clock.Elapsed.TotalSeconds,5:F0} s: {model.Acknowledged} acknowledged, RSS {string.Join(" / ", nodes.Select(n => Mib(n.ResidentBytes())))}");
        }
    });
    var results = await Task.WhenAll(running);
    var elapsed = clock.Elapsed;
    await progress;
    foreach (var r in results)
    {
        Console.WriteLine($"writer {r.Writer}: {r.Acknowledged} acknowledged, {r.Failed} failed{(r.Failure is null ? "" : $" ({r.Failure})")}");
    }
    Console.WriteLine($"{model.Acknowledged} acknowledged writes in {elapsed.TotalSeconds:F1} s ({model.Acknowledged / elapsed.TotalSeconds:F0}/s), {model.Uncertain} of unknown outcome, {model.Keys} keys");

    clock.Restart();
    IReadOnlyList<string> differences = [];
    var converged = await Until(async () =>
    {
        foreach (var node in nodes)
        {
            differences = model.Differences(await node.Api.SnapshotAsync()).Select(d => $"{node.Name}: {d}").ToList();
            if (differences.Count > 0)
            {
                return false;
            }
        }
        return true;
    }, TimeSpan.FromMinutes(2));
    var end = nodes.Select(n => n.ResidentBytes()).ToList();
    Console.WriteLine(converged
        ? $"every node agrees with the model of acknowledged writes ({clock.Elapsed.TotalSeconds:F1} s after the last write)"
        : $"nodes still differ from the model 2 minutes after the last write:\n  {string.Join("\n  ", differences)}");
    Console.WriteLine("memory (resident set) per node: start (before any write) -> warmed up (after a tenth of the run) -> end:");
    for (var i = 0; i < nodes.Count; i++)
    {
        var afterWarmUp = warm is null ? "n/a" : Mib(warm[i]);
        var growth = warm is null ? "" : $", {(end[i] - warm[i]) / 1048576.0:+0.0;-0.0} MiB since warmed up";
        Console.WriteLine($"  {nodes[i].Name}: {Mib(start[i])} -> {afterWarmUp} -> {Mib(end[i])}{growth}");
    }
    var failed = results.Sum(r => r.Failed);
    if (!converged || failed > 0)
    {
        return Fail(failed > 0 ? $"{failed} write(s) failed" : "state differs from the model", nodes);
    }
    Console.WriteLine("soak passed");
    return 0;
}
finally
{
    foreach (var node in nodes)
    {
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

static string Mib(long bytes) => $"{bytes / 1048576.0:F0} MiB";

static int Fail(string why, IEnumerable<NodeProcess> nodes)
{
    Console.WriteLine($"soak FAILED: {why}");
    foreach (var node in nodes)
    {
        Console.WriteLine($"---- {node.Name} (last lines) ----\n{node.LogTail(15)}");
    }
    return 1;
}

// Polls a condition twice a second until it holds or the time is up.
static async Task<bool> Until(Func<Task<bool>> condition, TimeSpan timeout)
{
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed < timeout)
    {
        if (await condition())
        {
            return true;
        }
        await Task.Delay(500);
    }
    return false;
}

internal sealed record SoakOptions(TimeSpan Duration, double Rate, int Keys)
{
    public static SoakOptions? Parse(string[] args)
    {
        var (duration, rate, keys) = (600, 150, 500);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length || !int.TryParse(args[i + 1], out var value))
            {
                return null;
            }
            switch (args[i])
            {
                case "--duration" when value is >= 1 and <= 86_400:
                    duration = value;
                    break;
                case "--rate" when value is >= 1 and <= 5_000:
                    rate = value;
                    break;
                case "--keys" when value is >= 1 and <= 100_000:
                    keys = value;
                    break;
                default:
                    return null;
            }
        }
        return new SoakOptions(TimeSpan.FromSeconds(duration), rate, keys);
    }
}
