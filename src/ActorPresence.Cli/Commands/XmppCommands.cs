using System.CommandLine;
using ActorPresence.Cli.Output;

namespace ActorPresence.Cli.Commands;

/// <summary><c>xmpp show</c>: the site's XMPP bridge to Asterisk servers, as the node that runs it reports it.</summary>
internal static class XmppCommands
{
    public static Command Create(VerbRunner runner)
    {
        var show = new Command("show", "The site's XMPP bridge wherever it runs: its connection (state, since, server, account, EID, items in and out) and each Asterisk EID it has seen");
        runner.Bind(show, async (context, _, ct) =>
            context.Emit(await context.Node.GetAsync("/api/v1/xmpp", ct), Documents.WriteXmpp));
        return new Command("xmpp", "The XMPP bridge to Asterisk servers (res_xmpp distributed events)") { show };
    }
}
