namespace ActorPresence.Cli.Tests;

public sealed record CliResult(int ExitCode, string Out, string Err)
{
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}--- stderr\n{Err}";
}

/// <summary>Runs apctl in-process against a <see cref="FakeNode"/>, with an empty environment unless told.</summary>
public static class Cli
{
    public static Task<CliResult> RunAsync(FakeNode node, params string[] args) => RunWithAsync(node, null, default, args);

    public static async Task<CliResult> RunWithAsync(
        HttpMessageHandler? handler, IReadOnlyDictionary<string, string>? environment, CancellationToken ct, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var exit = await CliApp.RunAsync(
            args, stdout, stderr, handler,
            name => environment is not null && environment.TryGetValue(name, out var value) ? value : null,
            ct);
        return new CliResult(exit, stdout.ToString(), stderr.ToString());
    }
}
