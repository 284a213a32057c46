using System.Net;
using System.Text.Json;

namespace ActorPresence.Cli.Tests;

public class ClusterCommandTests
{
    [Fact]
    public async Task Cluster_show_prints_an_aligned_table_with_leader_and_self_marked_and_a_count_line()
    {
        var node = new FakeNode().Answer(Samples.Cluster);

        var result = await Cli.RunAsync(node, "cluster", "show");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(HttpMethod.Get, node.Single.Method);
        Assert.Equal("/api/v1/cluster", node.Single.PathAndQuery);
        Assert.Equal(
            [
                "NODE           ADDRESS                                  ROLES           STATUS   REACHABLE",
                "pbx1 (self)    akka.tcp://actorpresence@127.0.0.1:4053  telephony       Up       yes",
                "seed (leader)  akka.tcp://actorpresence@127.0.0.1:4054  -               Up       yes",
                "pbx2           akka.tcp://actorpresence@127.0.0.1:4055  telephony       Up       no",
                "pbx3           akka.tcp://actorpresence@127.0.0.1:4056  telephony,edge  Leaving  yes",
                "4 members, 3 up, 1 unreachable",
            ],
            result.OutLines);
        Assert.Equal("", result.Err);
    }

    [Fact]
    public async Task Cluster_show_of_a_single_node_says_member_in_the_singular()
    {
        var node = new FakeNode().Answer("""
            {"self": "pbx1", "selfAddress": "a", "leader": "a",
             "members": [{"node": "pbx1", "address": "a", "status": "Up", "reachable": true, "roles": ["telephony"]}]}
            """);

        var result = await Cli.RunAsync(node, "cluster", "show");

        Assert.Equal("1 member, 1 up, 0 unreachable", result.OutLines[^1]);
        Assert.StartsWith("pbx1 (leader, self)", result.OutLines[1]);
    }

    [Fact]
    public async Task Cluster_show_with_json_prints_the_nodes_document_unchanged_in_content()
    {
        var node = new FakeNode().Answer(Samples.Cluster);

        var result = await Cli.RunAsync(node, "--json", "cluster", "show");

        Assert.Equal(0, result.ExitCode);
        using var printed = JsonDocument.Parse(result.Out);
        using var sent = JsonDocument.Parse(Samples.Cluster);
        Assert.True(JsonElement.DeepEquals(sent.RootElement, printed.RootElement), result.Out);
    }

    [Fact]
    public async Task Cluster_leave_posts_the_node_name_and_reports_who_leaves()
    {
        var node = new FakeNode().Answer(HttpStatusCode.Accepted, """{"node": "pbx3", "address": "akka.tcp://actorpresence@10.0.0.3:4053"}""");

        var result = await Cli.RunAsync(node, "cluster", "leave", "pbx3");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(HttpMethod.Post, node.Single.Method);
        Assert.Equal("/api/v1/cluster/leave", node.Single.PathAndQuery);
        Assert.Equal("application/json", node.Single.ContentType);
        Assert.Equal("""{"node":"pbx3"}""", node.Single.Body);
        Assert.Equal("pbx3 (akka.tcp://actorpresence@10.0.0.3:4053) is leaving the cluster\n", result.Out);
    }

    [Fact]
    public async Task Cluster_leave_accepts_a_member_address()
    {
        var node = new FakeNode().Answer(HttpStatusCode.Accepted, """{"node": "pbx3", "address": "akka.tcp://actorpresence@10.0.0.3:4053"}""");

        var result = await Cli.RunAsync(node, "cluster", "leave", "akka.tcp://actorpresence@10.0.0.3:4053");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("""{"node":"akka.tcp://actorpresence@10.0.0.3:4053"}""", node.Single.Body);
    }

    [Fact]
    public async Task Cluster_leave_of_an_unknown_member_exits_1_with_the_nodes_error()
    {
        var node = new FakeNode().Answer(HttpStatusCode.NotFound, Samples.Error("member: pbx9 is not a member"));

        var result = await Cli.RunAsync(node, "cluster", "leave", "pbx9");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 404 member: pbx9 is not a member\n", result.Err);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task Cluster_leave_of_a_malformed_node_name_exits_2_without_sending()
    {
        var node = new FakeNode();

        var result = await Cli.RunAsync(node, "cluster", "leave", "pbx 3");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: node-name: must be 1–64 characters", result.Err);
        Assert.Empty(node.Requests);
    }

    [Fact]
    public async Task Cluster_down_unreachable_posts_and_prints_each_downed_member()
    {
        var node = new FakeNode().Answer("""
            {"downed": [{"node": "pbx2", "address": "akka.tcp://actorpresence@10.0.0.2:4053"},
                        {"node": "pbx3", "address": "akka.tcp://actorpresence@10.0.0.3:4053"}]}
            """);

        var result = await Cli.RunAsync(node, "cluster", "down-unreachable");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(HttpMethod.Post, node.Single.Method);
        Assert.Equal("/api/v1/cluster/down-unreachable", node.Single.PathAndQuery);
        Assert.Equal(
            ["downed pbx2 (akka.tcp://actorpresence@10.0.0.2:4053)", "downed pbx3 (akka.tcp://actorpresence@10.0.0.3:4053)"],
            result.OutLines);
    }

    [Fact]
    public async Task Cluster_down_unreachable_says_so_when_nothing_was_unreachable()
    {
        var node = new FakeNode().Answer("""{"downed": []}""");

        var result = await Cli.RunAsync(node, "cluster", "down-unreachable");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("no member is unreachable; none downed\n", result.Out);
    }
}
