using ActorPresence.Testing;
using Akka.Actor;
using Akka.Remote;
using Akka.Remote.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace ActorPresence.Node.Tests;

/// <summary>Three telephony nodes whose links a test can cut and restore, and whose node 3 it can restart.</summary>
internal interface IPartitionLab : IAsyncDisposable
{
    /// <summary>What kind of partition this is, for the test output.</summary>
    string Description { get; }

    /// <summary>pbx1, pbx2, pbx3; an entry changes when its node restarts.</summary>
    IReadOnlyList<IClusterNode> Nodes { get; }

    /// <summary>Isolates node <paramref name="n"/> (1-based) from the others.</summary>
    Task CutAsync(int n);

    Task RestoreAsync(int n);

    /// <summary>Waits until node <paramref name="n"/> has downed itself and stopped; says how it ended.</summary>
    Task<string> AwaitDownedAsync(int n, TimeSpan timeout);

    bool IsStopped(int n);

    /// <summary>Starts node <paramref name="n"/> again under its name, with its data directory.</summary>
    Task RestartAsync(int n);

    /// <summary>Node <paramref name="n"/>'s remoting connections that wait to retransmit, described; empty where TCP is not cut.</summary>
    IReadOnlyList<string> Retransmitting(int n);
}

/// <summary>Node processes in network namespaces (<see cref="NetworkLab"/>): a cut is a link set down.</summary>
internal sealed class NamespaceLab : IPartitionLab
{
    private readonly NetworkLab _network;
    private readonly string _work;
    private readonly List<NodeLaunch> _launches;
    private readonly List<NodeProcess> _nodes;
    private readonly Action<IEnumerable<NodeProcess>, string> _stopAll;
    private readonly IReadOnlyDictionary<string, string>? _sysctls;

    /// <param name="hocon">Laid over the defaults on every node.</param>
    /// <param name="stopAll">Stops the nodes and reports their last lines.</param>
    /// <param name="sysctls">Kernel settings of each node's namespace (<see cref="NetworkLab.Create"/>).</param>
    public NamespaceLab(string hocon, Action<IEnumerable<NodeProcess>, string> stopAll, IReadOnlyDictionary<string, string>? sysctls = null)
    {
        _network = NetworkLab.Create(3, sysctls);
        _sysctls = sysctls;
        _stopAll = stopAll;
        _work = Directory.CreateTempSubdirectory("ap-netns-").FullName;
        var config = ClusterHocon.WriteFile(_work, "test", hocon);
        string[] seeds = [$"akka.tcp://actorpresence@{_network.ClusterAddress(1)}:4053", $"akka.tcp://actorpresence@{_network.ClusterAddress(2)}:4053"];
        _launches = Enumerable.Range(1, 3).Select(n => new NodeLaunch(
            $"pbx{n}", Path.Combine(_work, $"pbx{n}"), _network.ClusterAddress(n), 4053, _network.ControlAddress(n), 5080,
            seeds, config, _network.Namespace(n))).ToList();
        _nodes = [];
        try
        {
            _launches.ForEach(l => _nodes.Add(NodeProcess.Start(l)));
        }
        catch
        {
            _stopAll(_nodes, _work);
            _network.Dispose();
            throw;
        }
    }

    public string Description =>
        $"network namespaces: hub {_network.Hub}, nodes {string.Join(", ", Enumerable.Range(1, 3).Select(_network.Namespace))}; " +
        (_sysctls is { Count: > 0 } ? "in each: " + string.Join(", ", _sysctls.Select(s => $"{s.Key} = {s.Value}")) : "kernel TCP defaults");

    public IReadOnlyList<IClusterNode> Nodes => _nodes;

    public Task CutAsync(int n)
    {
        _network.Cut(n);
        return Task.CompletedTask;
    }

    public Task RestoreAsync(int n)
    {
        _network.Restore(n);
        return Task.CompletedTask;
    }

    public async Task<string> AwaitDownedAsync(int n, TimeSpan timeout)
    {
        var exit = await _nodes[n - 1].WaitForExitAsync(timeout);
        // Akka's exit code for a downed node, so a service manager restarts it.
        Assert.Equal(3, exit);
        return $"exited with code {exit}";
    }

    public bool IsStopped(int n) => _nodes[n - 1].HasExited;

    public Task RestartAsync(int n)
    {
        _nodes[n - 1].Dispose();
        _nodes[n - 1] = NodeProcess.Start(_launches[n - 1]);
        return Task.CompletedTask;
    }

    public IReadOnlyList<string> Retransmitting(int n) => _network.Retransmitting(n, 4053);

    public ValueTask DisposeAsync()
    {
        _stopAll(_nodes, _work);
        _network.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// The fallback where namespaces cannot be made: three nodes in this process on loopback over
/// Akka's throttling transport (<c>trttl</c>); a cut blackholes every link of the node, both ways.
/// </summary>
internal sealed class InProcessLab : IPartitionLab
{
    private readonly string _work;
    private readonly string _config;
    private readonly int[] _ports = [NodeProcess.FreePort(), NodeProcess.FreePort(), NodeProcess.FreePort()];
    private readonly TestNodeHost?[] _hosts = new TestNodeHost?[3];
    private readonly InProcessNode[] _nodes = new InProcessNode[3];

    private InProcessLab(string hocon, string why)
    {
        Description = $"in-process trttl partition (network namespaces unavailable: {why})";
        _work = Directory.CreateTempSubdirectory("ap-trttl-").FullName;
        // The throttling adapter makes the cuts.
        _config = ClusterHocon.WriteFile(_work, "test", ClusterHocon.Join(hocon, ClusterHocon.Throttled));
    }

    /// <summary>What an in-process node needs to share the test process: a node that stops must not
    /// end it, and three nodes' logs would drown the test's output.</summary>
    public const string SharedProcess = """
        akka.loglevel = WARNING
        akka.coordinated-shutdown.exit-clr = off
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """;

    /// <param name="hocon">Laid over the defaults: <see cref="ClusterHocon.InProcess"/> and the test's
    /// own settings, or <see cref="SharedProcess"/> for a test that measures the defaults' timings.</param>
    /// <param name="why">Why namespaces could not be used, for the description.</param>
    public static async Task<InProcessLab> StartAsync(string hocon, string why)
    {
        var lab = new InProcessLab(hocon, why);
        for (var n = 1; n <= 3; n++)
        {
            await lab.StartNodeAsync(n);
        }
        return lab;
    }

    public string Description { get; }

    public IReadOnlyList<IClusterNode> Nodes => _nodes;

    private ActorSystem System(int n) => _hosts[n - 1]!.App.Services.GetRequiredService<ActorSystem>();

    private Address Address(int n) => new("akka.trttl.tcp", "actorpresence", "127.0.0.1", _ports[n - 1]);

    private async Task StartNodeAsync(int n)
    {
        var seeds = string.Join(',', new[] { 1, 2 }.Select(s => Address(s).ToString()));
        var host = await TestNodeHost.StartAsync($"pbx{n}", "--port", _ports[n - 1].ToString(), "--seeds", seeds,
            "--data-dir", Path.Combine(_work, $"pbx{n}"), "--config", _config);
        _hosts[n - 1] = host;
        _nodes[n - 1] = new InProcessNode($"pbx{n}", new NodeClient(host.BaseAddress));
    }

    public Task CutAsync(int n) => ThrottleAsync(n, Blackhole.Instance);

    public Task RestoreAsync(int n) => ThrottleAsync(n, Unthrottled.Instance);

    private async Task ThrottleAsync(int n, ThrottleMode mode)
    {
        foreach (var other in new[] { 1, 2, 3 }.Where(o => o != n && _hosts[o - 1] is not null))
        {
            foreach (var (from, to) in new[] { (n, other), (other, n) })
            {
                if (!System(from).WhenTerminated.IsCompleted)
                {
                    await ((RemoteActorRefProvider)((ExtendedActorSystem)System(from)).Provider).Transport.ManagementCommand(
                        new SetThrottle(Address(to), ThrottleTransportAdapter.Direction.Both, mode));
                }
            }
        }
    }

    public async Task<string> AwaitDownedAsync(int n, TimeSpan timeout)
    {
        await System(n).WhenTerminated.WaitAsync(timeout);
        return "its actor system terminated";
    }

    public bool IsStopped(int n) => System(n).WhenTerminated.IsCompleted;

    public async Task RestartAsync(int n)
    {
        _nodes[n - 1].Api.Dispose();
        await _hosts[n - 1]!.DisposeAsync();
        await StartNodeAsync(n);
    }

    // The blackhole drops messages above TCP: the connections stay healthy.
    public IReadOnlyList<string> Retransmitting(int n) => [];

    public async ValueTask DisposeAsync()
    {
        foreach (var (host, node) in _hosts.Zip(_nodes))
        {
            node?.Api.Dispose();
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed record InProcessNode(string Name, NodeClient Api) : IClusterNode;
}
