using ActorPresence.Benchmarks;

// dotnet run -c Release --project tests/ActorPresence.Benchmarks [-- --quick] [--out DIR]
// The harness re-runs itself as "agent" for each cluster node.
if (args.Length > 0 && args[0] == "agent")
{
    return await Agent.RunAsync(args[1..]);
}

var quick = args.Contains("--quick");
var outIndex = Array.IndexOf(args, "--out");
var outDir = outIndex >= 0 && outIndex + 1 < args.Length ? args[outIndex + 1] : Path.Combine(RepoRoot(), "docs", "benchmarks");
var unknown = args.Where((a, i) => a != "--quick" && a != "--out" && (outIndex < 0 || i != outIndex + 1)).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"unknown argument(s): {string.Join(' ', unknown)}; usage: [--quick] [--out DIR]");
    return 2;
}
Directory.CreateDirectory(outDir);
var options = quick ? HarnessOptions.QuickRun(outDir) : HarnessOptions.Full(outDir);
var command = "dotnet run -c Release --project tests/ActorPresence.Benchmarks" + (quick ? " -- --quick" : "");
Console.WriteLine($"ActorPresence benchmark ({(quick ? "quick" : "full")}), writing to {outDir}");
var results = await new Harness(options, Console.Out).RunAsync(command);
await File.WriteAllTextAsync(Path.Combine(outDir, "results.json"), results.ToJson());
IReadOnlyList<string> plots = [];
try
{
    plots = Plots.Write(results, outDir);
}
catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or DllNotFoundException or TypeInitializationException)
{
    // The report without plots is still the report.
    results = results with { Failures = [.. results.Failures, new PhaseFailure("plots", $"{e.GetType().Name}: {e.Message}")] };
    await File.WriteAllTextAsync(Path.Combine(outDir, "results.json"), results.ToJson());
}
var report = Report.WriteMarkdown(results, outDir, plots);
Console.WriteLine($"report: {report}");
if (results.Failures.Count > 0)
{
    Console.WriteLine($"{results.Failures.Count} phase(s) failed; the report lists them under Failures.");
}
return 0;

static string RepoRoot()
{
    for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "ActorPresence.sln")))
        {
            return dir.FullName;
        }
    }
    return Environment.CurrentDirectory;
}
