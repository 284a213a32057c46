using System.CommandLine;
using System.Text.Json;
using ActorPresence.Cli.Output;
using ActorPresence.Domain;

namespace ActorPresence.Cli;

/// <summary>What a verb works with: the node, the output mode and the writers.</summary>
internal sealed record VerbContext(NodeClient Node, bool Json, TextWriter Out, TextWriter Err)
{
    /// <summary>Prints a document: as the node's JSON with <c>--json</c>, else through <paramref name="human"/>.</summary>
    public int Emit(JsonElement document, Action<TextWriter, JsonElement> human)
    {
        if (Json)
        {
            Output.Json.Write(Out, document);
        }
        else
        {
            human(Out, document);
        }
        return ExitCodes.Success;
    }
}

/// <summary>
/// Binds verbs to their actions: reads the global options, builds the HTTP client, and turns the
/// ways a verb can fail into the documented exit codes with one <c>error: …</c> line on stderr.
/// </summary>
internal sealed class VerbRunner(GlobalOptions globals, TextWriter stdout, TextWriter stderr, HttpMessageHandler? handler)
{
    public void Bind(Command command, Func<VerbContext, ParseResult, CancellationToken, Task<int>> verb) =>
        command.SetAction((parse, ct) => RunAsync(verb, parse, ct));

    private async Task<int> RunAsync(Func<VerbContext, ParseResult, CancellationToken, Task<int>> verb, ParseResult parse, CancellationToken ct)
    {
        try
        {
            var node = NodeUrl(parse.GetValue(globals.Node));
            var timeout = Timeout(parse.GetValue(globals.Timeout));
            using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
            http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
            if (parse.GetValue(globals.Token) is { Length: > 0 } token)
            {
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            }
            var context = new VerbContext(new NodeClient(http, node, timeout), parse.GetValue(globals.Json), stdout, stderr);
            return await verb(context, parse, ct);
        }
        catch (ValidationException e)
        {
            return await Fail(ExitCodes.Usage, e.Message);
        }
        catch (UsageException e)
        {
            return await Fail(ExitCodes.Usage, e.Message);
        }
        catch (NodeErrorException e)
        {
            return await Fail(ExitCodes.NodeError, e.Status == 0 ? e.Message : $"{e.Status} {e.Message}");
        }
        catch (NodeUnreachableException e)
        {
            return await Fail(ExitCodes.Unreachable, e.Message);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
    }

    private async Task<int> Fail(int exitCode, string message)
    {
        await stderr.WriteLineAsync($"error: {message}");
        return exitCode;
    }

    private static Uri NodeUrl(string? text)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment))
        {
            return uri;
        }
        throw new UsageException($"--node: must be an http:// or https:// URL such as {CliApp.DefaultNode} (got '{text}')");
    }

    private static TimeSpan Timeout(double seconds) =>
        double.IsFinite(seconds) && seconds > 0 && seconds <= int.MaxValue / 1000
            ? TimeSpan.FromSeconds(seconds)
            : throw new UsageException(FormattableString.Invariant($"--timeout: must be a positive number of seconds (got {seconds})"));
}
