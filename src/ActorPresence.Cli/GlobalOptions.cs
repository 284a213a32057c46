using System.CommandLine;

namespace ActorPresence.Cli;

/// <summary>Options every verb takes, before or after the verb (<c>apctl --json device show X</c> or <c>apctl device show X --json</c>).</summary>
internal sealed class GlobalOptions
{
    public const double DefaultTimeoutSeconds = 10;

    public GlobalOptions(string defaultNode, string? defaultToken = null)
    {
        Token = new Option<string?>("--token")
        {
            Description = $"Bearer token for a node that requires one (${CliApp.TokenEnvironmentVariable} sets the default; prefer it, a command line is visible to other users)",
            HelpName = "token",
            Recursive = true,
            DefaultValueFactory = _ => defaultToken,
        };
        Node = new Option<string>("--node")
        {
            Description = $"The node to talk to, http://host:port (${CliApp.NodeEnvironmentVariable} sets the default)",
            HelpName = "url",
            Recursive = true,
            DefaultValueFactory = _ => defaultNode,
        };
        Json = new Option<bool>("--json")
        {
            Description = "Print the node's JSON instead of a table",
            Recursive = true,
        };
        Timeout = new Option<double>("--timeout")
        {
            Description = "Seconds to wait for the node's answer",
            HelpName = "seconds",
            Recursive = true,
            DefaultValueFactory = _ => DefaultTimeoutSeconds,
        };
    }

    public Option<string> Node { get; }

    public Option<bool> Json { get; }

    public Option<double> Timeout { get; }

    public Option<string?> Token { get; }
}
