using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using ActorPresence.Cli.Commands;

namespace ActorPresence.Cli;

/// <summary>
/// apctl's entry point, free of process globals so tests can run it in-process: output goes to the
/// given writers, HTTP through the given handler, the environment is read through a function.
/// </summary>
public static class CliApp
{
    public const string DefaultNode = "http://127.0.0.1:5080";
    public const string NodeEnvironmentVariable = "ACTORPRESENCE_NODE";

    /// <summary>The bearer token for a node that requires one (docs/api.md, Authentication).</summary>
    public const string TokenEnvironmentVariable = "ACTORPRESENCE_TOKEN";
    public const string Name = "apctl";

    /// <param name="args">The command line, without the program name.</param>
    /// <param name="stdout">Results: tables, JSON, events.</param>
    /// <param name="stderr">Errors, as <c>error: …</c> lines.</param>
    /// <param name="handler">The HTTP handler to send through; null for a real network handler.</param>
    /// <param name="environment">Reads an environment variable; null for the process environment.</param>
    /// <param name="cancellationToken">Cancelled on Ctrl-C: ends <c>watch</c> with exit code 0.</param>
    /// <returns>The exit code, one of <see cref="ExitCodes"/>.</returns>
    public static async Task<int> RunAsync(
        string[] args,
        TextWriter stdout,
        TextWriter stderr,
        HttpMessageHandler? handler = null,
        Func<string, string?>? environment = null,
        CancellationToken cancellationToken = default)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var defaultNode = environment(NodeEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultNode;
        var globals = new GlobalOptions(defaultNode, environment(TokenEnvironmentVariable));
        var runner = new VerbRunner(globals, stdout, stderr, handler);
        var root = BuildRoot(globals, runner);

        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync($"error: {error.Message}");
            }
            await stderr.WriteLineAsync($"Run '{CommandPath(parse.CommandResult)} --help' for usage.");
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            EnableDefaultExceptionHandler = false,
            // Ctrl-C is the host's business (Program.cs); in-process callers pass a token instead.
            ProcessTerminationTimeout = null,
        };
        return await parse.InvokeAsync(invocation, cancellationToken);
    }

    private static RootCommand BuildRoot(GlobalOptions globals, VerbRunner runner)
    {
        var root = new RootCommand("Inspect and operate an ActorPresence cluster through any of its nodes (HTTP API v1).")
        {
            HelpName = Name,
        };
        root.Options.Add(globals.Node);
        root.Options.Add(globals.Json);
        root.Options.Add(globals.Timeout);
        root.Options.Add(globals.Token);
        root.Subcommands.Add(ClusterCommands.Create(runner));
        root.Subcommands.Add(SiteCommands.Create(runner));
        root.Subcommands.Add(XmppCommands.Create(runner));
        root.Subcommands.Add(DeviceCommands.Create(runner));
        root.Subcommands.Add(MailboxCommands.Create(runner));
        root.Subcommands.Add(PresenceCommands.Create(runner));
        root.Subcommands.Add(WatchCommand.Create(runner));
        return root;
    }

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is not null; result = result.Parent)
        {
            if (result is CommandResult { Command: var c })
            {
                names.Add(c is RootCommand ? Name : c.Name);
            }
        }
        names.Reverse();
        return string.Join(' ', names);
    }
}
