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

public class SiteCommandTests
{
    private const string Sites = """
        {"self": "paris", "gateway": "pbx1", "peers": [
          {"site": "berlin", "state": "connected", "since": "2026-11-30T10:00:00+00:00", "lastSeen": "2026-11-30T10:05:00+00:00",
           "entitiesIn": 1200, "entitiesOut": 800, "lagMs": 3.5, "bytesIn": 1, "bytesOut": 2, "snapshots": 1, "refusals": 0, "pending": 0},
          {"site": "rome", "state": "down", "since": "2026-11-30T09:00:00+00:00", "lastSeen": null,
           "entitiesIn": 0, "entitiesOut": 0, "lagMs": null, "bytesIn": 0, "bytesOut": 0, "snapshots": 0, "refusals": 4, "pending": 0}]}
        """;

    [Fact]
    public async Task Site_list_prints_a_line_per_peer_and_where_the_gateway_runs()
    {
        var node = new FakeNode().Answer(Sites);

        var result = await Cli.RunAsync(node, "site", "list");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("/api/v1/sites", node.Single.PathAndQuery);
        Assert.Equal(
            [
                "SITE    STATE      SINCE                      LAST SEEN                  IN    OUT  LAG",
                "berlin  connected  2026-11-30T10:00:00+00:00  2026-11-30T10:05:00+00:00  1200  800  3.5 ms",
                "rome    down       2026-11-30T09:00:00+00:00  never                      0     0    -",
                "site paris, gateway on pbx1: 2 peers, 1 connected",
            ],
            result.OutLines);
    }

    [Fact]
    public async Task Site_list_with_json_writes_the_nodes_document()
    {
        var node = new FakeNode().Answer(Sites);

        var result = await Cli.RunAsync(node, "--json", "site", "list");

        using var doc = JsonDocument.Parse(result.Out);
        Assert.Equal("berlin", doc.RootElement.GetProperty("peers")[0].GetProperty("site").GetString());
        Assert.Equal(1200, doc.RootElement.GetProperty("peers")[0].GetProperty("entitiesIn").GetInt64());
    }

    [Theory]
    [InlineData("""{"self": "local", "gateway": null, "peers": []}""", "site local: no site links (no federation port, or no peers)")]
    [InlineData("""{"self": "paris", "gateway": null, "peers": null}""", "site paris: its gateway did not answer (it may be moving to another node); try again")]
    public async Task Site_list_says_when_there_are_no_links_or_the_gateway_did_not_answer(string document, string line)
    {
        var result = await Cli.RunAsync(new FakeNode().Answer(document), "site", "list");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([line], result.OutLines);
    }
}
