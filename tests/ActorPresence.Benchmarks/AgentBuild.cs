using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ActorPresence.Benchmarks;

/// <summary>
/// The program every agent process runs. A full run first publishes the harness ReadyToRun
/// (precompiled), as an operator's <c>dotnet publish -r RID</c> of the node is
/// (src/ActorPresence.Node/ActorPresence.Node.csproj), so that nodes start, and restart after a
/// SIGKILL, as deployed ones would; a quick run, <c>AP_BENCH_AGENTS=jit</c>, or a failed publish
/// runs the build output, whose code the JIT compiles as the process starts.
/// </summary>
public static class AgentBuild
{
    private static readonly TimeSpan PublishBound = TimeSpan.FromMinutes(5);

    /// <summary>The assembly agents are started from.</summary>
    public static string Assembly { get; private set; } = typeof(AgentBuild).Assembly.Location;

    /// <summary>What the report says the agents ran.</summary>
    public static string Description { get; private set; } = "the build output (JIT-compiled as each node starts)";

    /// <summary>
    /// Publishes this project ReadyToRun into <paramref name="work"/> and points the agents at it.
    /// On failure the agents keep running the build output, and the returned text says why.
    /// </summary>
    public static async Task<string?> UseReadyToRunAsync(string work)
    {
        var project = ProjectFile();
        if (project is null)
        {
            return "the harness's project file was not found above its assembly; agents run the build output";
        }
        var output = Path.Combine(work, "agent");
        var rid = RuntimeInformation.RuntimeIdentifier;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["publish", project, "-c", "Release", "-r", rid, "--self-contained", "false",
                     "-p:PublishReadyToRun=true", "-o", output, "--nologo", "-v", "q"])
        {
            info.ArgumentList.Add(arg);
        }
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start dotnet publish");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(PublishBound);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            return $"dotnet publish (ReadyToRun, {rid}) did not finish in {PublishBound.TotalMinutes:0} minutes; agents run the build output";
        }
        var published = Path.Combine(output, Path.GetFileName(Assembly));
        if (process.ExitCode != 0 || !File.Exists(published))
        {
            var tail = string.Join(' ', ((await stdout) + (await stderr)).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(3));
            return $"dotnet publish (ReadyToRun, {rid}) failed with exit code {process.ExitCode}: {tail}; agents run the build output";
        }
        Assembly = published;
        Description = $"a ReadyToRun publish of the harness (`dotnet publish -c Release -r {rid} -p:PublishReadyToRun=true`, "
            + $"made in {watch.Elapsed.TotalSeconds:F0} s before the first node started), as a deployed node runs";
        return null;
    }

    private static string? ProjectFile()
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(typeof(AgentBuild).Assembly.Location)!); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "ActorPresence.Benchmarks.csproj");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
