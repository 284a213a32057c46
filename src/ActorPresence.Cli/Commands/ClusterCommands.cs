using System.CommandLine;
using System.Text.Json.Nodes;
using ActorPresence.Cli.Output;
using ActorPresence.Domain;

namespace ActorPresence.Cli.Commands;

/// <summary><c>cluster show | leave | down-unreachable</c>.</summary>
internal static class ClusterCommands
{
    public static Command Create(VerbRunner runner)
    {
        var show = new Command("show", "Members of the cluster as this node sees them: node, address, roles, status, reachability; the leader is marked");
        runner.Bind(show, async (context, _, ct) =>
            context.Emit(await context.Node.GetAsync("/api/v1/cluster", ct), Documents.WriteCluster));

        var member = new Argument<string>("node") { Description = "The member's node name (pbx3) or its address (akka.tcp://actorpresence@host:port)" };
        var leave = new Command("leave", "Make a member leave the cluster gracefully") { member };
        runner.Bind(leave, async (context, parse, ct) =>
        {
            var target = Member(parse.GetValue(member));
            var answer = await context.Node.PostAsync("/api/v1/cluster/leave", new JsonObject { ["node"] = target }, ct);
            return context.Emit(answer, (output, left) =>
                output.WriteLine($"{Describe(left.Text("node"), left.Text("address"))} is leaving the cluster"));
        });

        var downUnreachable = new Command("down-unreachable", "Down every member this node sees as unreachable, without waiting for the split-brain resolver");
        runner.Bind(downUnreachable, async (context, _, ct) =>
            context.Emit(await context.Node.PostAsync("/api/v1/cluster/down-unreachable", null, ct), (output, answer) =>
            {
                var downed = answer.Items("downed").ToList();
                if (downed.Count == 0)
                {
                    output.WriteLine("no member is unreachable; none downed");
                    return;
                }
                foreach (var d in downed)
                {
                    output.WriteLine($"downed {Describe(d.Text("node"), d.Text("address"))}");
                }
            }));

        return new Command("cluster", "Cluster membership") { show, leave, downUnreachable };
    }

    /// <summary>A node name is checked like the node checks it; an address (with "://") goes as it is.</summary>
    private static string Member(string? value) =>
        value is not null && value.Contains("://", StringComparison.Ordinal) ? value : new NodeName(value!).Value;

    private static string Describe(string node, string address) =>
        address.Length == 0 ? node : node.Length == 0 ? address : $"{node} ({address})";
}
