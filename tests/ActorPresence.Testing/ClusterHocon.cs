namespace ActorPresence.Testing;

/// <summary>Settings laid over the defaults in process-level tests: failures found and resolved in seconds, not minutes.</summary>
public static class ClusterHocon
{
    /// <param name="stableAfter">The split-brain resolver's <c>stable-after</c>.</param>
    public static string FastFailure(TimeSpan stableAfter) => $"""
        akka.loglevel = INFO
        akka.cluster.failure-detector.heartbeat-interval = 250ms
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 2s
        akka.cluster.unreachable-nodes-reaper-interval = 250ms
        akka.cluster.gossip-interval = 250ms
        akka.cluster.leader-actions-interval = 250ms
        akka.cluster.split-brain-resolver.stable-after = {(int)stableAfter.TotalMilliseconds}ms
        akka.cluster.down-removal-margin = 1s
        akka.cluster.distributed-data.gossip-interval = 500ms
        """;

    /// <summary>Writes <paramref name="hocon"/> to <c>name.conf</c> in <paramref name="dir"/> and returns its path.</summary>
    public static string WriteFile(string dir, string name, string hocon)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".conf");
        File.WriteAllText(path, hocon);
        return path;
    }
}
