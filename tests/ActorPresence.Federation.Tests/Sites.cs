using System.Net;
using System.Net.Sockets;
using ActorPresence.Domain;
using ActorPresence.Hosting;
using ActorPresence.Testing;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace ActorPresence.Federation.Tests;

/// <summary>Test timings of the site links: a link is stale after a second of silence and expired after two.</summary>
public static class FederationTestConfig
{
    public const string Fast = """
        actorpresence.federation {
          stale-after = 1s
          expire-after = 2s
          heartbeat-interval = 250ms
          reconnect-after = 200ms
        }
        akka.cluster.singleton.hand-over-retry-interval = 200ms
        """;
}

/// <summary>The certificates and the federation ports of every site of one test.</summary>
public sealed class Federation : IDisposable
{
    private readonly Dictionary<string, int[]> _ports = [];
    private readonly Dictionary<(string Site, int Node), int> _advertised = [];

    public Federation()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("ap-fed-").FullName;
        Ca = new TestCertificates("ActorPresence Federation Test CA", Directory);
        CaPem = Ca.WriteCaPem("federation-ca");
    }

    public string Directory { get; }

    public TestCertificates Ca { get; }

    public string CaPem { get; }

    /// <summary>Reserves a federation port for each node a site will have (once; a site a node names as a
    /// peer before it is planned gets one node).</summary>
    public void Plan(string site, int nodes)
    {
        if (!_ports.ContainsKey(site))
        {
            _ports[site] = Enumerable.Range(0, nodes).Select(_ => FreePort()).ToArray();
        }
    }

    public int PortOf(string site, int node) => _ports[site][node];

    /// <summary>Peers dial <paramref name="port"/> (a relay, say) to reach that node instead of its own port.</summary>
    public void Advertise(string site, int node, int port) => _advertised[(site, node)] = port;

    /// <summary>The HOCON of a node of <paramref name="site"/>, linked to <paramref name="peers"/> (every node of each).</summary>
    public string Hocon(string site, int node, IEnumerable<string> peers, string? certificate = null, string? ca = null)
    {
        var pfx = certificate ?? Ca.WritePkcs12(site, "fed-pass", $"{site}-{node}");
        var list = peers.SelectMany(p =>
        {
            Plan(p, 1);
            return _ports[p].Select((port, n) => $"\"{p}=127.0.0.1:{_advertised.GetValueOrDefault((p, n), port)}\"");
        }).ToList();
        return ClusterHocon.Join(FederationTestConfig.Fast, $$"""
            actorpresence.site = "{{site}}"
            actorpresence.federation {
              port = {{PortOf(site, node)}}
              peers = [{{string.Join(", ", list)}}]
              certificate-path = "{{pfx}}"
              certificate-password = "fed-pass"
              ca-path = "{{ca ?? CaPem}}"
            }
            """);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        Ca.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>One node of a site: ActorPresence and its site links in a .NET host, on loopback.</summary>
public sealed class SiteNode : IAsyncDisposable
{
    private SiteNode(string name, IHost host)
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

    public IActorPresence Api { get; }

    public Akka.Cluster.Cluster Cluster { get; }

    public static async Task<SiteNode> StartAsync(string name, string hocon, ITestOutputHelper output)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddProvider(new OutputLoggerProvider(output, name));
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Services.AddActorPresence(
            o =>
            {
                o.NodeName = name;
                o.Hostname = "127.0.0.1";
                o.Port = 0;
            },
            ConfigurationFactory.ParseString(ClusterHocon.Join(ClusterHocon.InProcess, hocon)));
        builder.Services.AddActorPresenceFederation();
        var host = builder.Build();
        await host.StartAsync();
        return new SiteNode(name, host);
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await Host.StopAsync(cts.Token);
        }
        finally
        {
            Host.Dispose();
        }
    }
}

/// <summary>One site: a cluster of its own, its nodes joined to the first.</summary>
public sealed class Site : IAsyncDisposable
{
    private readonly List<SiteNode> _nodes = [];

    private Site(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public IReadOnlyList<SiteNode> Nodes => _nodes;

    public SiteNode this[int index] => _nodes[index];

    public static async Task<Site> StartAsync(Federation federation, string name, int nodes, IReadOnlyList<string> peers, ITestOutputHelper output,
        Func<int, string>? extraHocon = null)
    {
        federation.Plan(name, nodes);
        var site = new Site(name);
        for (var i = 0; i < nodes; i++)
        {
            var hocon = ClusterHocon.Join(federation.Hocon(name, i, peers), extraHocon?.Invoke(i));
            var node = await SiteNode.StartAsync($"{name}{i + 1}", hocon, output);
            site._nodes.Add(node);
            await node.Cluster.JoinAsync(site._nodes[0].Cluster.SelfAddress, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        }
        return site;
    }

    public void Remove(SiteNode node) => _nodes.Remove(node);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.AsEnumerable().Reverse())
        {
            try
            {
                await node.DisposeAsync();
            }
            catch (Exception)
            {
                // A node a test already stopped, or one that fails to stop: the others still stop.
            }
        }
    }
}

/// <summary>Writes the federation's log lines into the test's output.</summary>
internal sealed class OutputLoggerProvider(ITestOutputHelper output, string node) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new OutputLogger(output, node, categoryName);

    public void Dispose()
    {
    }

    private sealed class OutputLogger(ITestOutputHelper output, string node, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => category.StartsWith("ActorPresence.Federation", StringComparison.Ordinal) || logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {node} {logLevel}: {formatter(state, exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test has ended.
            }
        }
    }
}

/// <summary>Counts the site links' refusals as the metrics report them.</summary>
public sealed class RefusalCounter : IDisposable
{
    private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
    private long _certificates;
    private long _entries;
    private long _frames;

    public RefusalCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "actorpresence.site.refusals")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "what")
                {
                    switch (tag.Value as string)
                    {
                        case "certificate":
                            Interlocked.Add(ref _certificates, value);
                            break;
                        case "entry":
                            Interlocked.Add(ref _entries, value);
                            break;
                        case "frame":
                            Interlocked.Add(ref _frames, value);
                            break;
                    }
                }
            }
        });
        _listener.Start();
    }

    public long Certificates => Interlocked.Read(ref _certificates);

    public long Entries => Interlocked.Read(ref _entries);

    public long Frames => Interlocked.Read(ref _frames);

    public void Dispose() => _listener.Dispose();
}

internal static class PeerReportAssertions
{
    public static void AssertCarried(this PeerReport report, long output, long input)
    {
        Assert.True(report.EntitiesOut == output && report.EntitiesIn == input,
            $"link to {report.Site}: {report.EntitiesOut} entries out (expected {output}), {report.EntitiesIn} in (expected {input})");
    }
}
