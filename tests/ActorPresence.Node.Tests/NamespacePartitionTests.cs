using System.Text.RegularExpressions;
using ActorPresence.Testing;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests;

/// <summary>
/// Three node processes, each in its own network namespace, joined through a bridge; a partition
/// is a cut link, not a simulated one (where namespaces cannot be made: three in-process nodes over
/// Akka's trttl transport, said so in the output). Two phases: a short partition healed before the
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
        // Processes in network namespaces where this machine allows them; otherwise nodes in this
        // process over Akka's trttl transport. The output says which ran.
        await using IPartitionLab lab = NetworkLab.Probe() is { } unavailable
            ? await InProcessLab.StartAsync(ClusterHocon.Join(ClusterHocon.InProcess, ClusterHocon.StableAfter(StableAfter)), unavailable)
            : new NamespaceLab(ClusterHocon.NodeProcesses(StableAfter), StopAll);
        Output!.WriteLine(lab.Description);
        var nodes = lab.Nodes;
        var model = new StateModel();
        await AwaitUpAsync(nodes, ["pbx1", "pbx2", "pbx3"]);
        var (pbx1, pbx2) = (nodes[0], nodes[1]);
        IClusterNode Pbx3() => lab.Nodes[2];

        // Before: something of everything, from every node.
        foreach (var node in nodes)
        {
            await SetDeviceAsync(model, node, "PJSIP/shared", node == pbx2 ? "RINGING" : "NOT_INUSE");
            await SetMailboxAsync(model, node, $"{node.Name}-before@lab", 1, 0, 0);
            await SetPresenceAsync(model, node, $"{node.Name}-before", "available", "before");
        }
        await AwaitConvergedAsync(nodes, model);

        // Phase 1: cut pbx3 off, write on both sides, heal before the resolver acts.
        await lab.CutAsync(3);
        await AwaitPartitionedAsync(pbx1, Pbx3());
        await SetDeviceAsync(model, pbx1, "PJSIP/shared", "INUSE");
        await SetMailboxAsync(model, pbx1, "majority-1@lab", 3, 1, 0);
        await SetDeviceAsync(model, Pbx3(), "PJSIP/shared", "BUSY");
        await SetMailboxAsync(model, Pbx3(), "minority-1@lab", 4, 0, 1);
        await SetPresenceAsync(model, Pbx3(), "minority-1", "dnd", "cut off");
        // The cut is real: neither side has the other's write.
        Assert.Null(await Pbx3().Api.GetAsync("/api/v1/mailboxes/majority-1@lab"));
        Assert.Null(await pbx1.Api.GetAsync("/api/v1/mailboxes/minority-1@lab"));
        await lab.RestoreAsync(3);
        await AwaitUpAsync(nodes, ["pbx1", "pbx2", "pbx3"]);
        await AwaitConvergedAsync(nodes, model);
        Assert.False(lab.IsStopped(3), "pbx3 was downed although the partition healed before stable-after");
        Output.WriteLine("phase 1: partition healed before the resolver acted; all three nodes converged");

        // Phase 2: cut pbx3 off for good. Its writes are acknowledged (on its disk) before the
        // resolver downs it; the majority cannot have them.
        await lab.CutAsync(3);
        await AwaitPartitionedAsync(pbx1, Pbx3());
        var cut = System.Diagnostics.Stopwatch.StartNew();
        await SetMailboxAsync(model, Pbx3(), "minority-2@lab", 7, 2, 1);
        await SetPresenceAsync(model, Pbx3(), "minority-2", "away", "downed later");
        await SetMailboxAsync(model, Pbx3(), "pbx3-before@lab", 9, 9, 9);
        await SetMailboxAsync(model, pbx1, "majority-2@lab", 5, 0, 0);
        await SetPresenceAsync(model, pbx2, "majority-2", "xa", "still here");

        // The majority downs and removes pbx3; its device views go.
        await AwaitUpAsync([pbx1, pbx2], ["pbx1", "pbx2"], onlyThese: true);
        Output.WriteLine($"phase 2: pbx3 removed by the majority {cut.Elapsed.TotalSeconds:F1} s after the cut was seen");
        model.NodeRemoved("pbx3");
        // pbx3 downs itself (keep-majority: it is the minority) and the process ends.
        Output.WriteLine($"phase 2: pbx3 downed itself: {await lab.AwaitDownedAsync(3, Wait)}");
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
        await lab.RestoreAsync(3);
        var restarted = System.Diagnostics.Stopwatch.StartNew();
        await lab.RestartAsync(3);
        await AwaitUpAsync(nodes, ["pbx1", "pbx2", "pbx3"]);
        await AwaitConvergedAsync(nodes, model);
        Output.WriteLine($"phase 2: pbx3 restarted, rejoined and the cluster converged with its writes in {restarted.Elapsed.TotalSeconds:F1} s");

        // And it resumes: its new views count again.
        await SetDeviceAsync(model, Pbx3(), "PJSIP/shared", "ONHOLD");
        await AwaitConvergedAsync(nodes, model);
    }

    // Long enough for both sides to see the other unreachable on the default failure detector
    // (about 5 s), well short of the resolver's default stable-after (20 s).
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(8);

    /// <summary>The TCP settings of the hosts the nodes run on.</summary>
    public enum HostTcp
    {
        /// <summary>The kernel's own: retransmission backoff doubles up to 120 s.</summary>
        KernelDefaults,

        /// <summary>What docs/operations.md recommends (<see cref="NetworkLab.HealingTcp"/>).</summary>
        Recommended,
    }

    [Theory]
    [InlineData(HostTcp.KernelDefaults)]
    [InlineData(HostTcp.Recommended)]
    public async Task A_node_cut_off_for_eight_seconds_while_both_sides_write_converges_with_the_others_after_the_link_returns(HostTcp host)
    {
        // ActorPresence's defaults for everything that decides how soon a healed partition
        // converges: remoting's gate, the failure detector, distributed-data gossip, the replica
        // poll and the resolver; nothing is laid over them. The test prints the figures
        // (docs/reliability.md); it asserts only convergence.
        var sysctls = host == HostTcp.Recommended && NetworkLab.HealingTcp.Keys.All(NetworkLab.HasSysctl) ? NetworkLab.HealingTcp : null;
        var unavailable = NetworkLab.Probe();
        await using IPartitionLab lab = unavailable is not null
            ? await InProcessLab.StartAsync(InProcessLab.SharedProcess, unavailable)
            : new NamespaceLab("", StopAll, sysctls);
        Output!.WriteLine($"{lab.Description}; ActorPresence defaults");
        if (unavailable is not null)
        {
            Output.WriteLine($"host TCP settings ({host}) do not apply: the blackhole drops messages above TCP");
        }
        else if (host == HostTcp.Recommended && sysctls is null)
        {
            Output.WriteLine("this kernel lacks net.ipv4.tcp_rto_max_ms (Linux 6.15 and later have it): measured on kernel defaults");
        }
        var nodes = lab.Nodes;
        var model = new StateModel();
        await AwaitUpAsync(nodes, ["pbx1", "pbx2", "pbx3"]);
        var (pbx1, pbx3) = (nodes[0], nodes[2]);
        foreach (var node in nodes)
        {
            await SetMailboxAsync(model, node, $"{node.Name}-before@heal", 1, 0, 0);
        }
        await AwaitConvergedAsync(nodes, model);

        // Writers on both sides share devices (each writes its own view of them) and own their
        // mailboxes and presentities.
        var majority = new MixedWriter("majority", "heal", 10, 1, model);
        var minority = new MixedWriter("minority", "heal", 10, 3, model);
        bool FromMajority(string key) => majority.Owns(key) || (key.StartsWith("device:", StringComparison.Ordinal) && key.EndsWith("@pbx1", StringComparison.Ordinal));
        bool FromMinority(string key) => minority.Owns(key) || (key.StartsWith("device:", StringComparison.Ordinal) && key.EndsWith("@pbx3", StringComparison.Ordinal));

        await lab.CutAsync(3);
        var cut = System.Diagnostics.Stopwatch.StartNew();
        var cutAt = DateTime.Now;
        var writers = Task.WhenAll(
            majority.RunAsync(pbx1, 10, Outage, 1_000, CancellationToken.None),
            minority.RunAsync(pbx3, 10, Outage, 1_000, CancellationToken.None));
        await AwaitPartitionedAsync(pbx1, pbx3);
        var seen = cut.Elapsed;
        foreach (var result in await writers)
        {
            Assert.True(result.Failed == 0, $"{result.Writer}: {result.Failure}");
        }
        // The cut is real: neither side has the other's writes.
        Assert.NotEmpty(model.Differences(await pbx3.Api.SnapshotAsync(), FromMajority));
        Assert.NotEmpty(model.Differences(await pbx1.Api.SnapshotAsync(), FromMinority));
        // What holds the heal up on a real network: the connection that lived through the cut
        // sends again only when its retransmission timer fires.
        var waiting = new[] { 1, 3 }.SelectMany(lab.Retransmitting).ToList();
        await lab.RestoreAsync(3);
        var healed = System.Diagnostics.Stopwatch.StartNew();
        var outage = cut.Elapsed;
        Output.WriteLine($"link cut at {cutAt:HH:mm:ss.fff}, restored at {DateTime.Now:HH:mm:ss.fff}; remoting connections then waiting to retransmit:\n  {string.Join("\n  ", waiting)}");

        // Polled from the link's return: when each side first has the other's writes, when every
        // node matches the model, when every node sees every member reachable again.
        TimeSpan? minorityHas = null, majorityHas = null, converged = null, reachable = null;
        await AwaitConditionAsync(async () =>
        {
            var snapshots = await Task.WhenAll(nodes.Select(n => n.Api.SnapshotAsync()));
            var members = await Task.WhenAll(nodes.Select(n => n.Api.MembersAsync()));
            var at = healed.Elapsed;
            minorityHas ??= model.Differences(snapshots[2], FromMajority).Count == 0 ? at : null;
            majorityHas ??= snapshots[..2].All(s => model.Differences(s, FromMinority).Count == 0) ? at : null;
            converged ??= snapshots.All(s => model.Differences(s).Count == 0) ? at : null;
            reachable ??= members.All(m => m.All(v => v.Reachable)) ? at : null;
            return minorityHas is not null && majorityHas is not null && converged is not null && reachable is not null;
        }, Wait, TimeSpan.FromMilliseconds(50));
        Output.WriteLine(
            $"heal: pbx3 cut off for {outage.TotalSeconds:F1} s ({model.Acknowledged} writes acknowledged, partition seen after {seen.TotalSeconds:F1} s); " +
            $"after the link returned: pbx3 had the majority's writes at {minorityHas!.Value.TotalSeconds:F2} s, pbx1 and pbx2 had pbx3's at " +
            $"{majorityHas!.Value.TotalSeconds:F2} s, all three matched at {converged!.Value.TotalSeconds:F2} s, all reachable at {reachable!.Value.TotalSeconds:F2} s");
        // The nodes' own account: reachability, and anything remoting says about its associations.
        foreach (var node in nodes.OfType<NodeProcess>())
        {
            var events = node.LogTail(400).Split('\n')
                .Where(l => Regex.IsMatch(l, "UNREACHABLE|REACHABLE|gated|[Qq]uarantin|[Aa]ssociation|from unreachable"))
                .Select(l => l.Length > 200 ? l[..200] + "…" : l);
            Output.WriteLine($"{node.Name}:\n  {string.Join("\n  ", events)}");
        }

        await AwaitUpAsync(nodes, ["pbx1", "pbx2", "pbx3"]);
        await AwaitConvergedAsync(nodes, model);
        Assert.False(lab.IsStopped(3), "pbx3 was downed although the partition healed before stable-after");
    }

    private static async Task SetDeviceAsync(StateModel model, IClusterNode node, string device, string state)
    {
        await node.Api.SetDeviceAsync(device, state);
        model.DeviceView(device, node.Name, state, acknowledged: true);
    }

    private static async Task SetMailboxAsync(StateModel model, IClusterNode node, string mailbox, int @new, int old, int urgent)
    {
        await node.Api.SetMailboxAsync(mailbox, @new, old, urgent);
        model.Mailbox(mailbox, @new, old, urgent, acknowledged: true);
    }

    private static async Task SetPresenceAsync(StateModel model, IClusterNode node, string presentity, string state, string message)
    {
        await node.Api.SetPresenceAsync(presentity, state, message);
        model.Presence(presentity, state, message, acknowledged: true);
    }

    private async Task AwaitPartitionedAsync(IClusterNode majority, IClusterNode minority)
    {
        await AwaitAssertAsync(async () =>
        {
            Assert.Contains(await majority.Api.MembersAsync(), m => m.Node == minority.Name && !m.Reachable);
            Assert.Contains(await minority.Api.MembersAsync(), m => m.Node == majority.Name && !m.Reachable);
        }, Wait, TimeSpan.FromMilliseconds(100));
    }
}
