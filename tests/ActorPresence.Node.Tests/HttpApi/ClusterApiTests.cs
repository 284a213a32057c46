namespace ActorPresence.Node.Tests;

/// <summary>The cluster and health endpoints: <c>/api/v1/cluster</c>, its operations, <c>/healthz</c> and <c>/readyz</c>.</summary>
[Collection(HttpApiNode.Collection)]
public sealed class ClusterApiTests(HttpApiNodeFixture fixture) : HttpApiTestKit(fixture)
{
    [Fact]
    public async Task The_cluster_document_shows_this_single_node_up_reachable_and_leading()
    {
        var cluster = AssertOk(await GetAsync("/api/v1/cluster"));

        Assert.Equal(Self, cluster.GetProperty("self").GetString());
        var selfAddress = cluster.GetProperty("selfAddress").GetString()!;
        Assert.StartsWith("akka.tcp://actorpresence@127.0.0.1:", selfAddress, StringComparison.Ordinal);
        Assert.True(int.TryParse(selfAddress[(selfAddress.LastIndexOf(':') + 1)..], out var port) && port > 0, selfAddress);
        Assert.Equal(selfAddress, cluster.GetProperty("leader").GetString());
        var member = Assert.Single(cluster.GetProperty("members").EnumerateArray());
        Assert.Equal(Self, member.GetProperty("node").GetString());
        Assert.Equal(selfAddress, member.GetProperty("address").GetString());
        Assert.Equal("Up", member.GetProperty("status").GetString());
        Assert.True(member.GetProperty("reachable").GetBoolean());
        Assert.Equal(["telephony"], member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Down_unreachable_on_a_healthy_single_node_downs_nobody()
    {
        var reply = AssertOk(await PostAsync("/api/v1/cluster/down-unreachable"));

        Assert.Empty(reply.GetProperty("downed").EnumerateArray());
        var member = Assert.Single(AssertOk(await GetAsync("/api/v1/cluster")).GetProperty("members").EnumerateArray());
        Assert.Equal("Up", member.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Healthz_answers_healthy_with_the_process_check()
    {
        var health = AssertOk(await GetAsync("/healthz"));

        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.Equal("Healthy", health.GetProperty("checks").GetProperty("process").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readyz_answers_ready_once_the_node_is_an_up_member()
    {
        var reply = await PollReadyzAsync(Http, TimeSpan.FromSeconds(30));

        var ready = AssertOk(reply);
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        var member = ready.GetProperty("checks").GetProperty("cluster-member");
        Assert.Equal("Healthy", member.GetProperty("status").GetString());
        Assert.Equal("Up", member.GetProperty("data").GetProperty("status").GetString());
    }
}
