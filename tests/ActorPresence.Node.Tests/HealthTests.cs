using System.Net;
using System.Text.Json;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests;

/// <summary><c>/healthz</c> and <c>/readyz</c> as ASP.NET Core health checks: status codes and JSON detail.</summary>
public sealed class HealthTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Readyz_fails_naming_the_member_check_while_the_node_is_not_up_and_passes_once_it_is()
    {
        // The node's only seed is a port where nothing runs yet: it cannot join anything.
        var seedPort = TestNodeHost.FreePort();
        var seed = $"akka.tcp://actorpresence@127.0.0.1:{seedPort}";
        await using var waiting = await TestNodeHost.StartAsync("health-waiting", "--seeds", seed);

        var (status, body) = await GetAsync(waiting, "/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
        var member = body.GetProperty("checks").GetProperty("cluster-member");
        Assert.Equal("Unhealthy", member.GetProperty("status").GetString());
        Assert.NotEqual("Up", member.GetProperty("data").GetProperty("status").GetString());
        Assert.Contains("not Up", member.GetProperty("description").GetString());
        Assert.True(member.GetProperty("durationMs").GetDouble() >= 0);
        // Alive all the same: liveness does not depend on the cluster.
        var (alive, liveness) = await GetAsync(waiting, "/healthz");
        Assert.Equal(HttpStatusCode.OK, alive);
        Assert.Equal("Healthy", liveness.GetProperty("status").GetString());

        // The seed starts and forms a cluster of its own: it becomes ready, and so does the waiting node once it joins.
        await using var first = await TestNodeHost.StartAsync("health-seed", "--port", seedPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await AwaitAssertAsync(async () => Assert.Equal(HttpStatusCode.OK, (await GetAsync(first, "/readyz")).Status), Wait);
        await AwaitAssertAsync(async () =>
        {
            var (ready, readiness) = await GetAsync(waiting, "/readyz");
            Assert.Equal(HttpStatusCode.OK, ready);
            Assert.Equal("Healthy", readiness.GetProperty("status").GetString());
            var checks = readiness.GetProperty("checks");
            Assert.Equal("Up", checks.GetProperty("cluster-member").GetProperty("data").GetProperty("status").GetString());
            Assert.Equal("Healthy", checks.GetProperty("replicator").GetProperty("status").GetString());
            Assert.Equal("Healthy", checks.GetProperty("durable-store").GetProperty("status").GetString());
        }, Wait);
    }

    [Fact]
    public async Task Readyz_fails_naming_the_durable_store_when_its_file_is_removed()
    {
        await using var node = await TestNodeHost.StartAsync("health-store");
        await AwaitAssertAsync(async () => Assert.Equal(HttpStatusCode.OK, (await GetAsync(node, "/readyz")).Status), Wait);
        var store = Path.Combine(node.DataDir, "ddata.sqlite");
        var (_, ready) = await GetAsync(node, "/readyz");
        Assert.Equal(store, ready.GetProperty("checks").GetProperty("durable-store").GetProperty("data").GetProperty("path").GetString());

        // Someone removes the data directory's database under the running node.
        foreach (var file in new[] { store, store + "-wal", store + "-shm" })
        {
            File.Delete(file);
        }

        await AwaitAssertAsync(async () =>
        {
            var (status, body) = await GetAsync(node, "/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            var check = body.GetProperty("checks").GetProperty("durable-store");
            Assert.Equal("Unhealthy", check.GetProperty("status").GetString());
            Assert.Contains("no longer exists", check.GetProperty("description").GetString());
            // The other checks still pass: the failure is named, not smeared.
            Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("cluster-member").GetProperty("status").GetString());
        }, Wait);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(TestNodeHost node, string path)
    {
        using var response = await node.Http.GetAsync(path);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, doc.RootElement.Clone());
    }
}
