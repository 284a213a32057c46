using ActorPresence.Testing;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests;

/// <summary>
/// Three node processes, each in its own network namespace, joined through a bridge; a partition
/// is a cut link, not a simulated one. Two phases: a short partition healed before the
/// split-brain resolver acts, then a long one in which the resolver downs the minority, whose
/// acknowledged writes must come back when it restarts and rejoins.
/// </summary>
public sealed class NamespacePartitionTests(ITestOutputHelper output) : ProcessTestKit(output)
{
    // Long enough for phase 1 to cut, write on both sides and heal before the resolver acts.
    private static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task Writes_on_both_sides_of_a_real_partition_converge_and_a_downed_minority_brings_its_writes_back()
    {
        var unavailable = NetworkLab.Probe();
        Assert.True(unavailable is null, $"network namespaces are needed for this test and are unavailable here: {unavailable}");
        using var lab = NetworkLab.Create(3);
        Output!.WriteLine($"network namespaces: hub {lab.Hub}, nodes {string.Join(", ", Enumerable.Range(1, 3).Select(lab.Namespace))}");
        var work = Directory.CreateTempSubdirectory("ap-netns-").FullName;
        var config = ClusterHocon.WriteFile(work, "test", ClusterHocon.FastFailure(StableAfter));
        var launches = Enumerable.Range(1, 3).Select(n => new NodeLaunch(
            $"pbx{n}", Path.Combine(work, $"pbx{n}"), lab.ClusterAddress(n), 4053, lab.ControlAddress(n), 5080,
            [$"akka.tcp://actorpresence@{lab.ClusterAddress(1)}:4053", $"akka.tcp://actorpresence@{lab.ClusterAddress(2)}:4053"],
            config, lab.Namespace(n))).ToList();
        var nodes = launches.Select(NodeProcess.Start).ToList();
        var model = new StateModel();
        try
        {
            await AwaitUpAsync(nodes, ["pbx1", "pbx2", "pbx3"]);
            var (pbx1, pbx2, pbx3) = (nodes[0], nodes[1], nodes[2]);

            // Before: something of everything, from every node.
            foreach (var node in nodes)
            {
                await SetDeviceAsync(model, node, "PJSIP/shared", node == pbx2 ? "RINGING" : "NOT_INUSE");
                await SetMailboxAsync(model, node, $"{node.Name}-before@lab", 1, 0, 0);
                await SetPresenceAsync(model, node, $"{node.Name}-before", "available", "before");
            }
            await AwaitConvergedAsync(nodes, model);

            // Phase 1: cut pbx3 off, write on both sides, heal before the resolver acts.
            lab.Cut(3);
            await AwaitPartitionedAsync(pbx1, pbx3);
            await SetDeviceAsync(model, pbx1, "PJSIP/shared", "INUSE");
            await SetMailboxAsync(model, pbx1, "majority-1@lab", 3, 1, 0);
            await SetDeviceAsync(model, pbx3, "PJSIP/shared", "BUSY");
            await SetMailboxAsync(model, pbx3, "minority-1@lab", 4, 0, 1);
            await SetPresenceAsync(model, pbx3, "minority-1", "dnd", "cut off");
            // The cut is real: neither side has the other's write.
            Assert.Null(await pbx3.Api.GetAsync("/api/v1/mailboxes/majority-1@lab"));
            Assert.Null(await pbx1.Api.GetAsync("/api/v1/mailboxes/minority-1@lab"));
            lab.Restore(3);
            await AwaitUpAsync(nodes, ["pbx1", "pbx2", "pbx3"]);
            await AwaitConvergedAsync(nodes, model);
            Assert.False(pbx3.HasExited, "pbx3 was downed although the partition healed before stable-after");
            Output.WriteLine("phase 1: partition healed before the resolver acted; all three nodes converged");

            // Phase 2: cut pbx3 off for good. Its writes are acknowledged (on its disk) before the
            // resolver downs it; the majority cannot have them.
            lab.Cut(3);
            await AwaitPartitionedAsync(pbx1, pbx3);
            var cut = System.Diagnostics.Stopwatch.StartNew();
            await SetMailboxAsync(model, pbx3, "minority-2@lab", 7, 2, 1);
            await SetPresenceAsync(model, pbx3, "minority-2", "away", "downed later");
            await SetMailboxAsync(model, pbx3, "pbx3-before@lab", 9, 9, 9);
            await SetMailboxAsync(model, pbx1, "majority-2@lab", 5, 0, 0);
            await SetPresenceAsync(model, pbx2, "majority-2", "xa", "still here");

            // The majority downs and removes pbx3; its device views go.
            await AwaitUpAsync([pbx1, pbx2], ["pbx1", "pbx2"], onlyThese: true);
            Output.WriteLine($"phase 2: pbx3 removed by the majority {cut.Elapsed.TotalSeconds:F1} s after the cut was seen");
            model.NodeRemoved("pbx3");
            // pbx3 downs itself (keep-majority: it is the minority) and the process ends.
            var exit = await pbx3.WaitForExitAsync(Wait);
            Output.WriteLine($"phase 2: pbx3 exited with code {exit} after downing itself");
            Assert.NotEqual(0, exit);
            foreach (var survivor in new[] { pbx1, pbx2 })
            {
                await AwaitAssertAsync(async () =>
                {
                    var shared = await survivor.Api.GetAsync("/api/v1/devices/PJSIP/shared");
                    Assert.Equal(["pbx1", "pbx2"], shared!.Value.GetProperty("views").EnumerateArray().Select(v => v.GetProperty("node").GetString()).Order());
                }, Wait);
                Assert.Null(await survivor.Api.GetAsync("/api/v1/mailboxes/minority-2@lab"));
            }

            // The link comes back and pbx3 restarts under the same name with the same data directory.
            lab.Restore(3);
            pbx3.Dispose();
            var restarted = System.Diagnostics.Stopwatch.StartNew();
            nodes[2] = pbx3 = NodeProcess.Start(launches[2]);
            await AwaitUpAsync(nodes, ["pbx1", "pbx2", "pbx3"]);
            await AwaitConvergedAsync(nodes, model);
            Output.WriteLine($"phase 2: pbx3 restarted, rejoined and the cluster converged with its writes in {restarted.Elapsed.TotalSeconds:F1} s");

            // And it resumes: its new views count again.
            await SetDeviceAsync(model, pbx3, "PJSIP/shared", "ONHOLD");
            await AwaitConvergedAsync(nodes, model);
        }
        finally
        {
            StopAll(nodes, work);
        }
    }

    private static async Task SetDeviceAsync(StateModel model, NodeProcess node, string device, string state)
    {
        await node.Api.SetDeviceAsync(device, state);
        model.DeviceView(device, node.Name, state, acknowledged: true);
    }

    private static async Task SetMailboxAsync(StateModel model, NodeProcess node, string mailbox, int @new, int old, int urgent)
    {
        await node.Api.SetMailboxAsync(mailbox, @new, old, urgent);
        model.Mailbox(mailbox, @new, old, urgent, acknowledged: true);
    }

    private static async Task SetPresenceAsync(StateModel model, NodeProcess node, string presentity, string state, string message)
    {
        await node.Api.SetPresenceAsync(presentity, state, message);
        model.Presence(presentity, state, message, acknowledged: true);
    }

    private async Task AwaitPartitionedAsync(NodeProcess majority, NodeProcess minority)
    {
        await AwaitAssertAsync(async () =>
        {
            Assert.Contains(await majority.Api.MembersAsync(), m => m.Node == minority.Name && !m.Reachable);
            Assert.Contains(await minority.Api.MembersAsync(), m => m.Node == majority.Name && !m.Reachable);
        }, Wait, TimeSpan.FromMilliseconds(100));
    }
}
