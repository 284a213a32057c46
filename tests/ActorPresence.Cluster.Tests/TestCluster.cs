using System.Threading.Channels;
using ActorPresence.Domain;
using ActorPresence.Hosting;
using ActorPresence.Testing;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Remote;
using Akka.Remote.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace ActorPresence.Cluster.Tests;

/// <summary>The shared in-process test timings, and what the tests of this project add to them.</summary>
public static class TestConfig
{
    public static readonly string Base = ClusterHocon.Join(
        ClusterHocon.InProcess,
        // Partitions here are made by blackholing links in process.
        ClusterHocon.Throttled,
        // After an association fails, remoting refuses the address for this long (5 s by default);
        // the partition tests await convergence soon after healing.
        "akka.remote.retry-gate-closed-for = 200ms",
        // The partitions made here last seconds and must not get anyone downed.
        ClusterHocon.StableAfter(TimeSpan.FromSeconds(60)));
}

/// <summary>One ActorPresence node: a .NET host with ActorPresence registered in DI, on loopback.</summary>
public sealed class TestNode : IAsyncDisposable
{
    private TestNode(string name, IHost host)
    {
        Name = name;
        Host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        Api = host.Services.GetRequiredService<IActorPresence>();
        Cluster = Akka.Cluster.Cluster.Get(System);
    }

    public string Name { get; }

    public IHost Host { get; }

    public ActorSystem System { get; }

    /// <summary>The library surface, resolved from DI as a host would.</summary>
    public IActorPresence Api { get; }

    public Akka.Cluster.Cluster Cluster { get; }

    public Address Address => Cluster.SelfAddress;

    public static async Task<TestNode> StartAsync(string name, Action<ActorPresenceOptions>? configure = null, string? hocon = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddActorPresence(
            o =>
            {
                o.NodeName = name;
                o.Hostname = "127.0.0.1";
                o.Port = 0;
                configure?.Invoke(o);
            },
            ConfigurationFactory.ParseString(ClusterHocon.Join(TestConfig.Base, hocon)));
        var host = builder.Build();
        await host.StartAsync();
        return new TestNode(name, host);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await Host.StopAsync(cts.Token);
        }
        finally
        {
            Host.Dispose();
        }
    }

    /// <summary>Stops this node without leaving: the others see it unreachable, as after a crash.</summary>
    public async Task CrashAsync()
    {
        // Cut every connection first, so nothing of a graceful exit reaches the others.
        await System.Terminate();
    }

    public Task<bool> ThrottleAsync(Address to, ThrottleMode mode) =>
        ((RemoteActorRefProvider)((ExtendedActorSystem)System).Provider).Transport
            .ManagementCommand(new SetThrottle(to, ThrottleTransportAdapter.Direction.Both, mode));
}

/// <summary>Several real ActorSystems on loopback, joined into one cluster.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<TestNode> _nodes = [];
    private readonly ITestOutputHelper _output;
    private readonly Action<ActorPresenceOptions>? _configure;
    private readonly string? _hocon;

    private TestCluster(ITestOutputHelper output, Action<ActorPresenceOptions>? configure, string? hocon)
    {
        _output = output;
        _configure = configure;
        _hocon = hocon;
    }

    public IReadOnlyList<TestNode> Nodes => _nodes;

    public TestNode this[int index] => _nodes[index];

    public static async Task<TestCluster> StartAsync(int count, ITestOutputHelper output, Action<ActorPresenceOptions>? configure = null, string? hocon = null)
    {
        var cluster = new TestCluster(output, configure, hocon);
        for (var i = 1; i <= count; i++)
        {
            await cluster.AddNodeAsync($"node{i}");
        }
        return cluster;
    }

    /// <summary>Starts a node and joins it to the first one; returns once every node sees it Up.</summary>
    public async Task<TestNode> AddNodeAsync(string name, Action<ActorPresenceOptions>? configure = null)
    {
        var node = await TestNode.StartAsync(name, o =>
        {
            _configure?.Invoke(o);
            configure?.Invoke(o);
        }, _hocon);
        var seed = _nodes.Count == 0 ? node : _nodes[0];
        _nodes.Add(node);
        await node.Cluster.JoinAsync(seed.Address, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        await WaitAsync(() => _nodes.All(n => n.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up) == _nodes.Count), TimeSpan.FromSeconds(30), $"{name} Up everywhere");
        _output.WriteLine($"{name} up at {node.Address}");
        return node;
    }

    public void Remove(TestNode node) => _nodes.Remove(node);

    /// <summary>Blackholes every link between the two groups (both directions).</summary>
    public async Task PartitionAsync(IEnumerable<TestNode> sideA, IEnumerable<TestNode> sideB) => await ThrottleAsync(sideA, sideB, Blackhole.Instance);

    public async Task HealAsync(IEnumerable<TestNode> sideA, IEnumerable<TestNode> sideB) => await ThrottleAsync(sideA, sideB, Unthrottled.Instance);

    private static async Task ThrottleAsync(IEnumerable<TestNode> sideA, IEnumerable<TestNode> sideB, ThrottleMode mode)
    {
        var b = sideB.ToList();
        foreach (var a in sideA)
        {
            foreach (var other in b)
            {
                await a.ThrottleAsync(other.Address, mode);
                await other.ThrottleAsync(a.Address, mode);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.AsEnumerable().Reverse())
        {
            try
            {
                await node.DisposeAsync();
            }
            catch (Exception e)
            {
                _output.WriteLine($"stopping {node.Name}: {e.Message}");
            }
        }
    }

    /// <summary>Polls a condition; for set-up steps (the tests themselves use AwaitAssertAsync).</summary>
    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!condition())
        {
            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }
            await Task.Delay(50, CancellationToken.None);
        }
    }
}

/// <summary>Collects what a subscription delivers, for assertions.</summary>
public sealed class Recorder : IAsyncDisposable
{
    private readonly IStateSubscription _subscription;
    private readonly List<StateEvent> _events = [];
    private readonly Task _pump;

    private Recorder(IStateSubscription subscription)
    {
        _subscription = subscription;
        _pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in subscription.Events.ReadAllAsync())
                {
                    lock (_events)
                    {
                        _events.Add(e);
                    }
                }
            }
            catch (ChannelClosedException)
            {
            }
        });
    }

    public static async Task<Recorder> StartAsync(IActorPresence api, SubscriptionFilter filter) =>
        new(await api.SubscribeAsync(filter));

    public IReadOnlyList<StateEvent> Events
    {
        get
        {
            lock (_events)
            {
                return _events.ToList();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _subscription.DisposeAsync();
        await _pump.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
