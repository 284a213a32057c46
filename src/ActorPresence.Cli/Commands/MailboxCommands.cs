using System.CommandLine;
using System.Text.Json.Nodes;
using ActorPresence.Cli.Output;
using ActorPresence.Domain;

namespace ActorPresence.Cli.Commands;

/// <summary><c>mailbox show | list | set</c>.</summary>
internal static class MailboxCommands
{
    public static Command Create(VerbRunner runner)
    {
        var showId = IdArgument();
        var show = new Command("show", "A mailbox's message counts, who wrote them and when") { showId };
        runner.Bind(show, async (context, parse, ct) =>
            context.Emit(await context.Node.GetAsync(PathOf(parse.GetValue(showId)), ct), Documents.WriteMailbox));

        var prefix = Listing.PrefixArgument("mailboxes");
        var limit = Listing.LimitOption();
        var list = new Command("list", "Mailboxes in id order, following the node's pages") { prefix, limit };
        runner.Bind(list, async (context, parse, ct) =>
        {
            var (items, next) = await Listing.FetchAsync(context.Node, "mailboxes", parse.GetValue(prefix), Listing.Limit(parse.GetValue(limit)), ct);
            return Listing.Emit(context, items, next, "mailbox", Documents.WriteMailboxList);
        });

        var setId = IdArgument();
        var newCount = new Option<int>("--new") { Description = "New (unheard) messages", HelpName = "n", Required = true };
        var oldCount = new Option<int>("--old") { Description = "Old (heard) messages", HelpName = "n", Required = true };
        var urgentCount = new Option<int>("--urgent") { Description = "Urgent messages among the new ones (default 0)", HelpName = "n" };
        var set = new Command("set", "Set a mailbox's message counts") { setId, newCount, oldCount, urgentCount };
        runner.Bind(set, async (context, parse, ct) =>
        {
            var path = PathOf(parse.GetValue(setId));
            var counts = new MailboxCounts(parse.GetValue(newCount), parse.GetValue(oldCount), parse.GetValue(urgentCount));
            var body = new JsonObject { ["new"] = counts.New, ["old"] = counts.Old, ["urgent"] = counts.Urgent };
            return context.Emit(await context.Node.PutAsync(path, body, ct), Documents.WriteMailbox);
        });

        return new Command("mailbox", "Voicemail message counts") { show, list, set };
    }

    private static Argument<string> IdArgument() => new("id") { Description = "Mailbox, box@context; a bare box means box@default" };

    private static string PathOf(string? id) => "/api/v1/mailboxes/" + NodeClient.Segment(new MailboxId(id!).Value);
}
