using Akka.Configuration;

namespace ActorPresence;

/// <summary>
/// One configuration value that cannot be used: its full key and what is wrong with it, kept apart
/// so that a host can report the problem under its own name for the key (the node process names
/// the command-line option, its environment variable and the key).
/// </summary>
public sealed class InvalidSettingException(string key, string problem) : ConfigurationException($"{key} {problem}")
{
    /// <summary>The full HOCON path, e.g. <c>actorpresence.node.http-port</c>.</summary>
    public string Key { get; } = key;

    /// <summary>What is wrong, worded to follow the key: "must be 0–65535 (got 70000)".</summary>
    public string Problem { get; } = problem;
}
