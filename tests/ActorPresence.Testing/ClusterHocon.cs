namespace ActorPresence.Testing;

/// <summary>
/// The test clusters' HOCON, laid over the defaults: one fast base that every test cluster shares,
/// and layers for what nodes in the test process and node processes truly need differently.
/// </summary>
public static class ClusterHocon
{
    /// <summary>Every test cluster: members join, fail and are removed in seconds, not minutes, and
    /// distributed data gossips often enough to heal a partition quickly.</summary>
    public const string Fast = """
        akka.cluster.periodic-tasks-initial-delay = 100ms
        akka.cluster.gossip-interval = 250ms
        akka.cluster.leader-actions-interval = 250ms
        akka.cluster.unreachable-nodes-reaper-interval = 250ms
        akka.cluster.failure-detector.heartbeat-interval = 250ms
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 2s
        akka.cluster.distributed-data.gossip-interval = 300ms
        """;

    /// <summary>
    /// Nodes inside the test process. A downed or stopped node must not end the process that runs
    /// the tests; changes are seen in tens of milliseconds so that the many convergences each test
    /// awaits stay short; logs only warnings (a test's output is for its own lines).
    /// </summary>
    public const string InProcess = Fast + "\n" + """
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.coordinated-shutdown.exit-clr = off
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        akka.cluster.distributed-data.notify-subscribers-interval = 20ms
        actorpresence.replica-poll-interval = 20ms
        """;

    /// <summary>
    /// Node processes, started as operators start them. They keep the product's replica poll and
    /// subscriber notification (what heal and crash tests measure is what operators get), exit when
    /// downed (the tests assert Akka's exit code), and log at INFO: the tail of a node's log is
    /// what a failing test reports.
    /// </summary>
    /// <param name="stableAfter">The split-brain resolver's <c>stable-after</c>: how long a
    /// partition lasts before the minority is downed; each test chooses it for its phases.</param>
    public static string NodeProcesses(TimeSpan stableAfter) => Join(Fast, "akka.loglevel = INFO", StableAfter(stableAfter));

    /// <summary>Akka's throttling transport adapter, so that a test can blackhole links between
    /// nodes in one process (<c>SetThrottle</c>); addresses become <c>akka.trttl.tcp://…</c>.</summary>
    public const string Throttled = "akka.remote.dot-netty.tcp.applied-adapters = [trttl]";

    /// <summary>The split-brain resolver's <c>stable-after</c>.</summary>
    public static string StableAfter(TimeSpan stableAfter) =>
        $"akka.cluster.split-brain-resolver.stable-after = {(int)stableAfter.TotalMilliseconds}ms";

    /// <summary>Joins HOCON fragments, later ones winning.</summary>
    public static string Join(params string?[] fragments) => string.Join('\n', fragments.Where(f => !string.IsNullOrEmpty(f)));

    /// <summary>Writes <paramref name="hocon"/> to <c>name.conf</c> in <paramref name="dir"/> and returns its path.</summary>
    public static string WriteFile(string dir, string name, string hocon)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".conf");
        File.WriteAllText(path, hocon);
        return path;
    }
}
