using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests;

/// <summary>
/// <c>/metrics</c> on two real nodes: the ActorPresence meter's series, filtered by each node's
/// <c>node</c> label (both nodes run in this process, and so may other tests' nodes), move as
/// state changes.
/// </summary>
public sealed class MetricsTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private const string Changes = "actorpresence_changes_total";
    private const string DelayCount = "actorpresence_propagation_delay_seconds_count";
    private const string DelayBucket = "actorpresence_propagation_delay_seconds_bucket";

    [Fact]
    public async Task Metrics_show_members_by_status_and_counters_gauges_and_the_delay_histogram_move_with_state()
    {
        await using var a = await TestNodeHost.StartAsync("metrics-a");
        var addressA = Akka.Cluster.Cluster.Get(a.App.Services.GetRequiredService<ActorSystem>()).SelfAddress;
        await using var b = await TestNodeHost.StartAsync("metrics-b", "--seeds", addressA.ToString());
        var onA = ("node", "metrics-a");
        var onB = ("node", "metrics-b");

        // Members by status: both nodes see two Up members.
        await AwaitScrapeAsync(a, m => Assert.Equal(2, m.Single("actorpresence_cluster_members", onA, ("status", "Up"))));
        await AwaitScrapeAsync(b, m =>
        {
            Assert.Equal(2, m.Single("actorpresence_cluster_members", onB, ("status", "Up")));
            Assert.Equal(0, m.Single("actorpresence_cluster_members", onB, ("status", "Joining")));
            Assert.Equal(0, m.Single("actorpresence_cluster_unreachable", onB));
        });

        // Distributed-data keys: 64 per kind, with an entity count per key.
        var before = await PrometheusText.ScrapeAsync(a.Http);
        foreach (var kind in new[] { "device", "mailbox", "presence" })
        {
            Assert.Equal(64, before.Single("actorpresence_ddata_keys", onA, ("kind", kind)));
            Assert.Equal(64, before.Find("actorpresence_ddata_key_entities", onA, ("kind", kind)).Count());
        }
        var beforeB = await PrometheusText.ScrapeAsync(b.Http);

        // A device written on a, a mailbox written on b.
        await PutAsync(a, "/api/v1/devices/PJSIP/700", """{"state":"INUSE"}""");
        await PutAsync(b, "/api/v1/mailboxes/700", """{"new":1,"old":0,"urgent":0}""");

        await AwaitScrapeAsync(a, m =>
        {
            Assert.Equal(Local(before, onA, "device") + 1, Local(m, onA, "device"));
            Assert.Equal(Replicated(before, onA, "mailbox") + 1, Replicated(m, onA, "mailbox"));
            Assert.True(m.Sum(DelayCount, onA, ("kind", "mailbox")) >= before.Sum(DelayCount, onA, ("kind", "mailbox")) + 1);
            Assert.True(m.Single("actorpresence_entities", onA, ("kind", "device"), ("state", "held")) >= 1);
            Assert.True(m.Single("actorpresence_entities", onA, ("kind", "device"), ("state", "live")) >= 1);
            Assert.True(m.Sum("actorpresence_ddata_key_entities", onA, ("kind", "device")) >= 1);
            Assert.True(m.Sum("actorpresence_ddata_key_entities", onA, ("kind", "mailbox")) >= 1);
        });
        await AwaitScrapeAsync(b, m =>
        {
            Assert.Equal(Local(beforeB, onB, "mailbox") + 1, Local(m, onB, "mailbox"));
            Assert.Equal(Replicated(beforeB, onB, "device") + 1, Replicated(m, onB, "device"));
            // The device's delay was observed once, on one of the paths, in some bucket up to +Inf.
            Assert.Equal(beforeB.Sum(DelayCount, onB, ("kind", "device")) + 1, m.Sum(DelayCount, onB, ("kind", "device")));
            Assert.Equal(
                beforeB.Sum(DelayBucket, onB, ("kind", "device"), ("le", "+Inf")) + 1,
                m.Sum(DelayBucket, onB, ("kind", "device"), ("le", "+Inf")));
            Assert.True(m.Sum("actorpresence_ddata_key_entities", onB, ("kind", "device")) >= 1);
        });

        // Subscriptions: an event-stream client on a is one more, and gone when it leaves.
        var subscriptions = (await PrometheusText.ScrapeAsync(a.Http)).Single("actorpresence_subscriptions", onA);
        await using (var stream = await SseClient.ConnectAsync(a.BaseAddress, "/api/v1/events"))
        {
            await AwaitScrapeAsync(a, m => Assert.Equal(subscriptions + 1, m.Single("actorpresence_subscriptions", onA)));
        }
        await AwaitScrapeAsync(a, m => Assert.Equal(subscriptions, m.Single("actorpresence_subscriptions", onA)));
    }

    [Fact]
    public async Task A_node_with_no_peer_counts_its_writes_as_local_and_none_as_replicated()
    {
        await using var node = await TestNodeHost.StartAsync("metrics-solo");
        var self = ("node", "metrics-solo");
        await AwaitScrapeAsync(node, m => Assert.Equal(1, m.Single("actorpresence_cluster_members", self, ("status", "Up"))));

        await PutAsync(node, "/api/v1/presence/alice", """{"state":"away"}""");
        await PutAsync(node, "/api/v1/presence/alice", """{"state":"available"}""");
        await PutAsync(node, "/api/v1/presence/alice", """{"state":"available"}"""); // the same again: no change

        await AwaitScrapeAsync(node, m =>
        {
            Assert.Equal(2, Local(m, self, "presence"));
            Assert.Equal(0, m.Sum(Changes, self, ("origin", "replicated")));
            Assert.Equal(0, m.Sum(DelayCount, self));
            Assert.Equal(1, m.Single("actorpresence_entities", self, ("kind", "presence"), ("state", "held")));
        });
    }

    private static double Local(PrometheusText m, (string, string) node, string kind) => m.Sum(Changes, node, ("kind", kind), ("origin", "local"));

    private static double Replicated(PrometheusText m, (string, string) node, string kind) => m.Sum(Changes, node, ("kind", kind), ("origin", "replicated"));

    /// <summary>Scrapes <paramref name="node"/> until <paramref name="check"/> passes; the last scrape goes to the test output if it never does.</summary>
    private async Task AwaitScrapeAsync(TestNodeHost node, Action<PrometheusText> check)
    {
        PrometheusText? last = null;
        try
        {
            await AwaitAssertAsync(async () =>
            {
                last = await PrometheusText.ScrapeAsync(node.Http);
                check(last);
            }, Wait, TimeSpan.FromMilliseconds(200));
        }
        catch
        {
            Output!.WriteLine(last?.Text ?? "(no scrape)");
            throw;
        }
    }

    private static async Task PutAsync(TestNodeHost node, string path, string json)
    {
        using var response = await node.Http.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }
}
