using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ActorPresence.Node.Api;

namespace ActorPresence.Node.Tests;

public sealed class AuthenticationTests
{
    private const string Token = "s3cret-token-for-tests-0123";

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private static HttpRequestMessage Request(HttpMethod method, string path, string? token, string? json = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = json is null ? null : Body(json) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    [Fact]
    public async Task With_a_token_writes_without_it_get_401_with_a_wrong_one_403_and_nothing_is_applied()
    {
        await using var node = await TestNodeHost.StartAsync("auth1", "--api-token", Token);

        using var missing = await node.Http.SendAsync(Request(HttpMethod.Put, "/api/v1/devices/PJSIP/1", null, """{"state":"INUSE"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.ToString());
        Assert.Contains("\"error\":\"authorization:", await missing.Content.ReadAsStringAsync());

        using var wrong = await node.Http.SendAsync(Request(HttpMethod.Put, "/api/v1/devices/PJSIP/1", Token + "x", """{"state":"INUSE"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Contains("not valid", await wrong.Content.ReadAsStringAsync());

        using var notApplied = await node.Http.SendAsync(Request(HttpMethod.Get, "/api/v1/devices/PJSIP/1", Token));
        Assert.Equal(HttpStatusCode.NotFound, notApplied.StatusCode);

        using var right = await node.Http.SendAsync(Request(HttpMethod.Put, "/api/v1/devices/PJSIP/1", Token, """{"state":"INUSE"}"""));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        using var applied = await node.Http.SendAsync(Request(HttpMethod.Get, "/api/v1/devices/PJSIP/1", Token));
        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
    }

    [Fact]
    public async Task With_a_token_reads_administration_and_the_event_stream_need_it_but_health_checks_do_not()
    {
        await using var node = await TestNodeHost.StartAsync("auth2", "--api-token", Token);

        foreach (var (method, path) in new[]
                 {
                     (HttpMethod.Get, "/api/v1/cluster"), (HttpMethod.Get, "/api/v1/devices"), (HttpMethod.Get, "/api/v1/events"),
                     (HttpMethod.Get, "/metrics"),
                     (HttpMethod.Post, "/api/v1/cluster/down-unreachable"), (HttpMethod.Delete, "/api/v1/devices/PJSIP/1"),
                 })
        {
            using var response = await node.Http.SendAsync(Request(method, path, null));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} answered {response.StatusCode}");
        }
        using var leave = await node.Http.SendAsync(Request(HttpMethod.Post, "/api/v1/cluster/leave", "wrong-token-0000000000", """{"node":"auth2"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, leave.StatusCode);

        using var healthz = await node.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        using var readyz = await node.Http.GetAsync("/readyz");
        Assert.NotEqual(HttpStatusCode.Unauthorized, readyz.StatusCode);
        using var cluster = await node.Http.SendAsync(Request(HttpMethod.Get, "/api/v1/cluster", Token));
        Assert.Equal(HttpStatusCode.OK, cluster.StatusCode);
        using var metrics = await node.Http.SendAsync(Request(HttpMethod.Get, "/metrics", Token));
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public async Task Open_reads_let_reads_through_but_not_writes()
    {
        await using var node = await TestNodeHost.StartAsync("auth3", "--api-token", Token, "--open-reads");

        using var read = await node.Http.GetAsync("/api/v1/cluster");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var metrics = await node.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        using var write = await node.Http.SendAsync(Request(HttpMethod.Put, "/api/v1/mailboxes/1", null, """{"new":1,"old":0,"urgent":0}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
        using var unknown = await node.Http.GetAsync("/api/v1/mailboxes/1");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Without_a_token_the_api_is_open()
    {
        await using var node = await TestNodeHost.StartAsync("auth4");
        using var write = await node.Http.PutAsync("/api/v1/presence/alice", Body("""{"state":"away"}"""));
        Assert.Equal(HttpStatusCode.OK, write.StatusCode);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has a space in it 12345")]
    public void A_token_that_is_too_short_or_not_printable_stops_the_node_naming_the_option(string token)
    {
        var error = Assert.Throws<NodeOptionsException>(() => NodeSettings.Resolve(["--api-token", token], new Dictionary<string, string>()));
        Assert.Contains("--api-token", error.Message);
    }

    [Fact]
    public void The_token_check_accepts_only_the_exact_token()
    {
        var auth = new ApiAuthentication(_ => Task.CompletedTask, Token, openReads: false);
        Assert.True(auth.Matches(Token));
        Assert.False(auth.Matches(Token[..^1]));
        Assert.False(auth.Matches(Token + " "));
        Assert.False(auth.Matches(""));
    }
}
