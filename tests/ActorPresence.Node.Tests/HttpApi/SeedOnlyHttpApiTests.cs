using System.Net;
using System.Text;
using System.Text.Json;

namespace ActorPresence.Node.Tests;

/// <summary>A dedicated seed node (<c>--seed-only</c>) for <see cref="SeedOnlyHttpApiTests"/>.</summary>
public sealed class SeedOnlyNodeFixture : IAsyncLifetime
{
    public const string NodeName = "http-api-seed";

    private TestNodeHost? _node;

    public TestNodeHost Node => _node ?? throw new InvalidOperationException("the node has not started");

    public async Task InitializeAsync()
    {
        _node = await TestNodeHost.StartAsync(NodeName, "--seed-only");
        var ready = await HttpApiTestKit.PollReadyzAsync(_node.Http, TimeSpan.FromSeconds(60));
        if (ready.Status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"the seed node did not become ready: {ready}");
        }
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }
}

/// <summary>docs/api.md: a request for telephony state on a dedicated seed node gets 503 with <c>{"error"}</c>; the cluster API still works.</summary>
public sealed class SeedOnlyHttpApiTests(SeedOnlyNodeFixture fixture) : IClassFixture<SeedOnlyNodeFixture>
{
    private async Task<(HttpStatusCode Status, string? MediaType, JsonElement Body)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"),
        };
        using var response = await fixture.Node.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, doc.RootElement.Clone());
    }

    [Theory]
    [InlineData("PUT", "/api/v1/devices/PJSIP/1000", """{"state": "INUSE"}""")]
    [InlineData("GET", "/api/v1/devices/PJSIP/1000", null)]
    [InlineData("DELETE", "/api/v1/devices/PJSIP/1000", null)]
    [InlineData("GET", "/api/v1/devices", null)]
    [InlineData("PUT", "/api/v1/mailboxes/1000", """{"new": 1, "old": 0, "urgent": 0}""")]
    [InlineData("GET", "/api/v1/mailboxes/1000", null)]
    [InlineData("GET", "/api/v1/mailboxes", null)]
    [InlineData("PUT", "/api/v1/presence/alice", """{"state": "away"}""")]
    [InlineData("GET", "/api/v1/presence/alice", null)]
    [InlineData("GET", "/api/v1/presence", null)]
    public async Task A_telephony_request_to_a_dedicated_seed_is_unavailable_with_a_json_error(string method, string path, string? body)
    {
        var (status, mediaType, json) = await SendAsync(new HttpMethod(method), path, body);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("application/json", mediaType);
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task A_dedicated_seed_shows_itself_in_the_cluster_with_the_seed_role_and_not_the_telephony_role()
    {
        var (status, _, cluster) = await SendAsync(HttpMethod.Get, "/api/v1/cluster");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(SeedOnlyNodeFixture.NodeName, cluster.GetProperty("self").GetString());
        var member = Assert.Single(cluster.GetProperty("members").EnumerateArray());
        Assert.Equal("Up", member.GetProperty("status").GetString());
        Assert.Equal(["seed"], member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task A_dedicated_seed_is_alive_and_ready()
    {
        var (alive, _, health) = await SendAsync(HttpMethod.Get, "/healthz");
        var (ready, _, readiness) = await SendAsync(HttpMethod.Get, "/readyz");

        Assert.Equal(HttpStatusCode.OK, alive);
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, ready);
        var checks = readiness.GetProperty("checks");
        Assert.Equal("Up", checks.GetProperty("cluster-member").GetProperty("data").GetProperty("status").GetString());
        // A dedicated seed keeps no replica and no durable store: both checks pass and say so.
        Assert.Equal("Healthy", checks.GetProperty("replicator").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("durable-store").GetProperty("status").GetString());
    }
}
