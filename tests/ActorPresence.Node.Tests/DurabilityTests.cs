using ActorPresence.Testing;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests;

/// <summary>Acknowledged mailbox and presence writes survive SIGKILL of every node and a restart.</summary>
public sealed class DurabilityTests(ITestOutputHelper output) : ProcessTestKit(output)
{
    [Fact]
    public async Task Acknowledged_writes_survive_SIGKILL_of_the_whole_cluster_and_a_restart()
    {
        var work = Directory.CreateTempSubdirectory("ap-durable-").FullName;
        var ports = new[] { NodeProcess.FreePort(), NodeProcess.FreePort() };
        var launches = ports.Select((port, i) => new NodeLaunch(
            $"dur{i + 1}", Path.Combine(work, $"dur{i + 1}"), "127.0.0.1", port, "127.0.0.1", NodeProcess.FreePort(),
            [$"akka.tcp://actorpresence@127.0.0.1:{ports[0]}"])).ToList();
        var nodes = launches.Select(NodeProcess.Start).ToList();
        var model = new StateModel();
        try
        {
            await AwaitUpAsync(nodes, nodes.Select(n => n.Name).ToList());
            for (var i = 0; i < 20; i++)
            {
                var node = nodes[i % 2];
                await node.Api.SetMailboxAsync($"{i}@durable", i, 1, 0);
                model.Mailbox($"{i}@durable", i, 1, 0, acknowledged: true);
                await node.Api.SetPresenceAsync($"user{i}", "away", $"m{i}");
                model.Presence($"user{i}", "away", $"m{i}", acknowledged: true);
            }

            // Every node at once, with no chance to leave or flush anything.
            nodes.ForEach(n => n.Dispose());
            nodes = launches.Select(NodeProcess.Start).ToList();
            await AwaitUpAsync(nodes, nodes.Select(n => n.Name).ToList());

            // Each write is on the disk of the node that acknowledged it; the other node gets it
            // back from that one by gossip.
            await AwaitConvergedAsync(nodes, model);
        }
        finally
        {
            StopAll(nodes, work);
        }
    }
}
