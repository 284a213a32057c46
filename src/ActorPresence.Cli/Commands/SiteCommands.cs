using System.CommandLine;
using ActorPresence.Cli.Output;

namespace ActorPresence.Cli.Commands;

/// <summary><c>site list</c>: the peer sites this node's site is linked to, as its gateway sees them.</summary>
internal static class SiteCommands
{
    public static Command Create(VerbRunner runner)
    {
        var list = new Command("list", "Peer sites and their links as this site's gateway sees them: state, since when, last heard, entries in and out, lag");
        runner.Bind(list, async (context, _, ct) =>
            context.Emit(await context.Node.GetAsync("/api/v1/sites", ct), Documents.WriteSites));
        return new Command("site", "Site links between clusters") { list };
    }
}
