using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorPresence.Cli.Commands;

/// <summary>
/// The paged listings (<c>GET /api/v1/{collection}?prefix=&amp;after=&amp;limit=</c>): follows
/// <c>next</c> until the node has no more or <c>--limit</c> items were listed.
/// </summary>
internal static class Listing
{
    /// <summary>The most a node serves per page (docs/api.md).</summary>
    public const int MaxPageSize = 1000;

    public static Argument<string?> PrefixArgument(string what) => new("prefix")
    {
        Description = $"List only {what} whose id starts with this (ordinal); all when omitted",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public static Option<int?> LimitOption() => new("--limit")
    {
        Description = "List at most this many; all when omitted",
        HelpName = "n",
    };

    public static int? Limit(int? limit) =>
        limit is null or > 0
            ? limit
            : throw new UsageException($"--limit: must be at least 1 (got {limit})");

    /// <summary>Fetches pages in order; returns the items and the <c>next</c> of the last page read (null when the listing is complete).</summary>
    public static async Task<(List<JsonElement> Items, string? Next)> FetchAsync(
        NodeClient node, string collection, string? prefix, int? limit, CancellationToken ct)
    {
        var items = new List<JsonElement>();
        string? after = null;
        while (true)
        {
            var pageSize = Math.Min(MaxPageSize, limit is { } l ? l - items.Count : MaxPageSize);
            var path = $"/api/v1/{collection}" + NodeClient.Query(
                ("prefix", string.IsNullOrEmpty(prefix) ? null : prefix),
                ("after", after),
                ("limit", pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var page = await node.GetAsync(path, ct);
            var pageItems = page.ValueKind == JsonValueKind.Object && page.TryGetProperty("items", out var array) && array.ValueKind == JsonValueKind.Array
                ? array.EnumerateArray().ToList()
                : throw new NodeErrorException(0, $"the answer to GET {path} has no \"items\" array");
            items.AddRange(pageItems.Take(limit is { } max ? max - items.Count : int.MaxValue));
            var next = page.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (next is null || (limit is { } cap && items.Count >= cap))
            {
                return (items, next);
            }
            if (after is not null && string.CompareOrdinal(next, after) <= 0)
            {
                // A node that hands back the same cursor would keep us here for ever.
                throw new NodeErrorException(0, $"paging did not advance: next '{next}' after '{after}'");
            }
            after = next;
        }
    }

    /// <summary>The listing as one document, shaped like a page: <c>{"items": [...], "next": ...}</c>.</summary>
    public static JsonElement AsDocument(List<JsonElement> items, string? next)
    {
        var array = new JsonArray(items.Select(i => JsonNode.Parse(i.GetRawText())).ToArray());
        var document = new JsonObject { ["items"] = array, ["next"] = next };
        return JsonSerializer.SerializeToElement(document);
    }

    /// <summary>Prints a listing: JSON with <c>--json</c>, else the table and a count line.</summary>
    public static int Emit(
        VerbContext context, List<JsonElement> items, string? next, string noun,
        Action<TextWriter, IReadOnlyList<JsonElement>> table)
    {
        if (context.Json)
        {
            Output.Json.Write(context.Out, AsDocument(items, next));
            return ExitCodes.Success;
        }
        if (items.Count > 0)
        {
            table(context.Out, items);
        }
        var count = Output.Documents.Count(items.Count, noun);
        context.Out.WriteLine(next is null ? count : $"{count} (more after '{next}'; raise --limit)");
        return ExitCodes.Success;
    }
}
