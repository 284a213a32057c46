using ActorPresence.Xmpp.Wire;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Singleton;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Xmpp;

/// <summary>How the bridge looks from any node: where it runs and its report; both null when it did not answer.</summary>
public sealed record XmppView(bool Enabled, string? BridgeNode, XmppBridgeReport? Report);

/// <summary>
/// A node's part in the site's XMPP bridge: every telephony node runs the cluster singleton's manager,
/// and the node it lands on runs the <see cref="XmppBridge"/>. When that node leaves or dies, the
/// singleton starts on the next oldest node, which connects and publishes everything again.
/// </summary>
public sealed class XmppBridgeHost : IAsyncDisposable
{
    /// <summary>The singleton manager's name under /user.</summary>
    public const string SingletonName = "xmpp-bridge";

    private readonly ActorPresenceService _service;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IActorRef? _proxy;

    private XmppBridgeHost(ActorPresenceService service, XmppSettings settings, TimeProvider clock, ILogger logger)
    {
        _service = service;
        Settings = settings;
        _clock = clock;
        Logger = logger;
    }

    public XmppSettings Settings { get; }

    public ILogger Logger { get; }

    /// <summary>The bridge, when this node runs it.</summary>
    public XmppBridge? Current { get; private set; }

    /// <summary>Starts this node's part, or returns null when the configuration has the bridge off.</summary>
    public static XmppBridgeHost? Start(ActorSystem system, ILoggerFactory loggerFactory)
    {
        var settings = XmppSettings.FromConfig(system.Settings.Config);
        if (!settings.Enabled)
        {
            return null;
        }
        var runtime = ActorPresenceRuntime.Get(system);
        var host = new XmppBridgeHost(new ActorPresenceService(runtime), settings, runtime.Settings.Clock, loggerFactory.CreateLogger("ActorPresence.Xmpp"));
        system.Settings.InjectTopLevelFallback(ClusterSingleton.DefaultConfig());
        system.ActorOf(
            ClusterSingletonManager.Props(
                Props.Create(() => new BridgeActor(host)),
                PoisonPill.Instance,
                ClusterSingletonManagerSettings.Create(system).WithRole(runtime.Settings.Role)),
            SingletonName);
        host._proxy = system.ActorOf(
            ClusterSingletonProxy.Props($"/user/{SingletonName}", ClusterSingletonProxySettings.Create(system).WithRole(runtime.Settings.Role)),
            SingletonName + "-proxy");
        host.Logger.LogInformation("XMPP bridge of this site: {Settings}", settings);
        return host;
    }

    /// <summary>Asks the bridge, wherever it runs in this cluster; a view with no report when it did not answer in time.</summary>
    public async Task<XmppView> ViewAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            var report = await _proxy!.Ask<XmppReport>(new XmppQuery(), timeout, cancellationToken).ConfigureAwait(false);
            return new XmppView(true, report.BridgeNode, XmppWire.FromWire(report));
        }
        catch (AskTimeoutException)
        {
            return new XmppView(true, null, null);
        }
    }

    internal async Task StartBridgeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Current is not null)
            {
                return;
            }
            var bridge = new XmppBridge(_service, Settings, _clock, Logger);
            await bridge.StartAsync(CancellationToken.None).ConfigureAwait(false);
            XmppMetrics.Register(bridge);
            Current = bridge;
        }
        finally
        {
            _gate.Release();
        }
    }

    internal async Task StopBridgeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Current is { } bridge)
            {
                Current = null;
                XmppMetrics.Unregister(bridge);
                await bridge.DisposeAsync().ConfigureAwait(false);
                Logger.LogInformation("XMPP bridge stopped on this node");
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync() => await StopBridgeAsync().ConfigureAwait(false);
}

/// <summary>The cluster singleton: while it lives on a node, that node runs the site's XMPP bridge.</summary>
internal sealed class BridgeActor : ReceiveActor
{
    private readonly XmppBridgeHost _host;

    public BridgeActor(XmppBridgeHost host)
    {
        _host = host;
        Receive<Status.Failure>(failure => throw new InvalidOperationException("the XMPP bridge failed to start", failure.Cause));
        Receive<Status.Success>(_ => { });
        Receive<XmppQuery>(_ => Sender.Tell(XmppWire.ToWire(Cluster.Get(Context.System).SelfMember, _host.Current?.Report())));
    }

    protected override void PreStart() => _host.StartBridgeAsync().PipeTo(Self);

    // The next instance (here after a restart, or on another node) starts it again.
    protected override void PostStop() => _host.StopBridgeAsync().Wait(TimeSpan.FromSeconds(15));
}

/// <summary>The bridge's report to and from its wire form (protobuf, which Akka.Remote carries).</summary>
internal static class XmppWire
{
    public static XmppReport ToWire(Member self, XmppBridgeReport? report)
    {
        var wire = new XmppReport { BridgeNode = self.Address.ToString() };
        if (report is null)
        {
            wire.State = "starting";
            return wire;
        }
        wire.State = report.State.ToString().ToLowerInvariant();
        wire.SinceTicks = report.Since.UtcTicks;
        wire.LastError = report.LastError;
        wire.ItemsIn = report.ItemsIn;
        wire.ItemsOut = report.ItemsOut;
        wire.Refused = report.Refused;
        wire.Connects = report.Connects;
        wire.Pending = report.Pending;
        foreach (var e in report.Eids)
        {
            wire.Eids.Add(new EidLine
            {
                Eid = e.Eid,
                Account = e.Account,
                State = e.State.ToString().ToLowerInvariant(),
                SinceTicks = e.Since.UtcTicks,
                LastItemTicks = e.LastItem.UtcTicks,
                Devices = e.Devices,
                ItemsIn = e.ItemsIn,
            });
        }
        return wire;
    }

    public static XmppBridgeReport? FromWire(XmppReport wire)
    {
        if (!Enum.TryParse<XmppLinkState>(wire.State, ignoreCase: true, out var state))
        {
            return null;
        }
        return new XmppBridgeReport(state, new DateTimeOffset(wire.SinceTicks, TimeSpan.Zero), wire.LastError, wire.ItemsIn, wire.ItemsOut, wire.Refused, wire.Connects, wire.Pending,
            wire.Eids.Select(e => new EidReport(e.Eid, e.Account, Enum.TryParse<EidState>(e.State, true, out var s) ? s : EidState.Unknown,
                new DateTimeOffset(e.SinceTicks, TimeSpan.Zero), new DateTimeOffset(e.LastItemTicks, TimeSpan.Zero), e.Devices, e.ItemsIn)).ToList());
    }
}

/// <summary>Runs a node's part of the XMPP bridge with its host: <c>services.AddActorPresenceXmpp()</c> after AddActorPresence.</summary>
public static class XmppHostingExtensions
{
    public static IServiceCollection AddActorPresenceXmpp(this IServiceCollection services)
    {
        services.AddSingleton<XmppHostedService>();
        services.AddHostedService(provider => provider.GetRequiredService<XmppHostedService>());
        return services;
    }
}

/// <summary>Starts the node's part of the bridge once its actor system runs, and stops the bridge (INVALID
/// published for what it published) before the actor system stops.</summary>
public sealed class XmppHostedService(ActorSystem system, ILoggerFactory loggerFactory) : IHostedService
{
    /// <summary>Null until started, and when the bridge is off.</summary>
    public XmppBridgeHost? Host { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Host = XmppBridgeHost.Start(system, loggerFactory);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Host is { } host)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }
}
