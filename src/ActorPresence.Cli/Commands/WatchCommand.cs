using System.CommandLine;
using System.Net.ServerSentEvents;
using System.Text.Json;
using ActorPresence.Cli.Output;
using ActorPresence.Domain;

namespace ActorPresence.Cli.Commands;

/// <summary>
/// <c>watch</c>: follows <c>GET /api/v1/events</c> (Server-Sent Events) and prints one line per
/// event until Ctrl-C, the end of the stream, or <c>--count</c> events.
/// </summary>
internal static class WatchCommand
{
    private const string Overflow = "overflow";

    /// <summary>The node's last event when it can no longer feed the stream.</summary>
    private const string Error = "error";

    public static Command Create(VerbRunner runner)
    {
        var device = FilterOption("--device", "devices", "PJSIP/1000", "PJSIP/*");
        var mailbox = FilterOption("--mailbox", "mailboxes", "1000@default", "1000@*");
        var presence = FilterOption("--presence", "presentities", "alice", "a*");
        var count = new Option<int?>("--count") { Description = "Stop after this many events", HelpName = "n" };
        var watch = new Command(
            "watch",
            "Follow the event stream: the current state of every matching entity first, then every change. "
            + "With no filter, everything; with any filter, only the kinds named.")
        {
            device, mailbox, presence, count,
        };
        runner.Bind(watch, async (context, parse, ct) =>
        {
            var path = "/api/v1/events" + NodeClient.Query(
                ("device", Filter(parse.GetValue(device), id => new DeviceId(id).Value)),
                ("mailbox", Filter(parse.GetValue(mailbox), id => new MailboxId(id).Value)),
                ("presence", Filter(parse.GetValue(presence), id => new PresentityId(id).Value)));
            var stopAfter = parse.GetValue(count) is { } n
                ? n > 0 ? n : throw new UsageException($"--count: must be at least 1 (got {n})")
                : (int?)null;
            return await FollowAsync(context, path, stopAfter, ct);
        });
        return watch;
    }

    private static async Task<int> FollowAsync(VerbContext context, string path, int? stopAfter, CancellationToken ct)
    {
        var seen = 0;
        try
        {
            using var response = await context.Node.OpenStreamAsync(path, ct);
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(ct))
            {
                var data = ParseData(item.Data);
                if (item.EventType is Overflow or Error)
                {
                    var why = data is { } d ? d.Text("error") : item.Data;
                    throw new NodeErrorException(0, item.EventType == Overflow ? $"the node dropped this watch: {why}" : $"the node ended this watch: {why}");
                }
                await context.Out.WriteLineAsync(context.Json ? JsonLine(data, item.Data) : HumanLine(item.EventType, data, item.Data));
                await context.Out.FlushAsync(ct);
                if (++seen == stopAfter)
                {
                    return ExitCodes.Success;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !ct.IsCancellationRequested)
        {
            throw context.Node.Unreachable(e);
        }
        // A stream only ends when its source is gone (the node stopped): that is an error, not an end.
        throw new NodeUnreachableException(stopAfter is { } wanted
            ? $"node {context.Node.BaseUrl} ended the stream after {Documents.Count(seen, "event")} of {wanted}"
            : $"node {context.Node.BaseUrl} ended the stream after {Documents.Count(seen, "event")}");
    }

    private static Option<string> FilterOption(string name, string what, string exact, string prefix) => new(name)
    {
        Description = $"Watch {what}: an exact id ({exact}), a prefix ending in * ({prefix}), or * for all",
        HelpName = "filter",
    };

    /// <summary>"*" and prefixes go as they are; an exact id is validated and sent in its canonical form.</summary>
    private static string? Filter(string? value, Func<string, string> canonical) =>
        value is null || value.EndsWith('*') ? value : canonical(value);

    private static JsonElement? ParseData(string data)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string JsonLine(JsonElement? data, string raw)
    {
        using var writer = new StringWriter();
        Json.Write(writer, data ?? JsonSerializer.SerializeToElement(raw), indented: false);
        return writer.ToString().TrimEnd('\r', '\n');
    }

    /// <summary>The SSE event name gives the kind; an unnamed event ("message") falls back to the data's <c>kind</c>.</summary>
    private static string HumanLine(string eventType, JsonElement? data, string raw)
    {
        if (data is not { } d)
        {
            return $"{eventType} {raw.ReplaceLineEndings(" ")}";
        }
        var kind = eventType == SseParser.EventTypeDefault && d.Text("kind") is { Length: > 0 } k ? k : eventType;
        return Documents.EventLine(kind, d);
    }
}
