using System.CommandLine;
using System.Text.Json.Nodes;
using ActorPresence.Cli.Output;
using ActorPresence.Domain;

namespace ActorPresence.Cli.Commands;

/// <summary><c>presence show | list | set</c>.</summary>
internal static class PresenceCommands
{
    public static Command Create(VerbRunner runner)
    {
        var showId = IdArgument();
        var show = new Command("show", "A presentity's presence, who wrote it and when") { showId };
        runner.Bind(show, async (context, parse, ct) =>
            context.Emit(await context.Node.GetAsync(PathOf(parse.GetValue(showId)), ct), Documents.WritePresence));

        var prefix = Listing.PrefixArgument("presentities");
        var limit = Listing.LimitOption();
        var list = new Command("list", "Presentities in id order, following the node's pages") { prefix, limit };
        runner.Bind(list, async (context, parse, ct) =>
        {
            var (items, next) = await Listing.FetchAsync(context.Node, "presence", parse.GetValue(prefix), Listing.Limit(parse.GetValue(limit)), ct);
            return Listing.Emit(context, items, next, "presentity", Documents.WritePresenceList);
        });

        var setId = IdArgument();
        var state = new Argument<string>("state")
        {
            Description = $"One of {string.Join(' ', PresenceStateNames.All.Select(s => s.ToName()))} (any case)",
        };
        var subtype = new Option<string>("--subtype") { Description = "Subtype (default empty)", HelpName = "text" };
        var message = new Option<string>("--message") { Description = "Free-text message (default empty)", HelpName = "text" };
        var set = new Command("set", "Set a presentity's presence") { setId, state, subtype, message };
        runner.Bind(set, async (context, parse, ct) =>
        {
            var path = PathOf(parse.GetValue(setId));
            var presence = new Presence(PresenceStateNames.Parse(parse.GetValue(state)), parse.GetValue(subtype), parse.GetValue(message));
            var body = new JsonObject
            {
                ["state"] = presence.State.ToName(),
                ["subtype"] = presence.Subtype,
                ["message"] = presence.Message,
            };
            return context.Emit(await context.Node.PutAsync(path, body, ct), Documents.WritePresence);
        });

        return new Command("presence", "Presence of presentities (users)") { show, list, set };
    }

    private static Argument<string> IdArgument() => new("id") { Description = "Presentity, e.g. alice" };

    private static string PathOf(string? id) => "/api/v1/presence/" + NodeClient.Segment(new PresentityId(id!).Value);
}
