using System.Net;
using System.Security.Authentication;
using ActorPresence.Domain;
using ActorPresence.Federation.Gateway;
using ActorPresence.Federation.Wire;
using Akka.Cluster;
using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Federation;

/// <summary>
/// The site links of one node: its federation port (gRPC over HTTP/2, mutual TLS with the federation
/// CA), and its part in the cluster singleton that runs the site's <see cref="SiteGateway"/>. Every
/// telephony node listens; only the node running the gateway takes a link, the others answer
/// Unavailable so a dialling peer tries its next address.
/// </summary>
public sealed class SiteLinks : IAsyncDisposable
{
    /// <summary>The singleton manager's name under /user; the gateway runs beneath it.</summary>
    public const string SingletonName = "site-gateway";

    private readonly WebApplication _server;
    private readonly GatewayHost _host;
    private readonly IActorRef _proxy;

    private SiteLinks(WebApplication server, GatewayHost host, IActorRef proxy, int port)
    {
        _server = server;
        _proxy = proxy;
        _host = host;
        Port = port;
    }

    /// <summary>The federation port this node listens on.</summary>
    public int Port { get; }

    public SiteId Site => _host.Site;

    /// <summary>The gateway, when this node runs it.</summary>
    public SiteGateway? Gateway => _host.Current;

    /// <summary>How the links look from the gateway, wherever it runs in this cluster. Null peers when
    /// the gateway did not answer within <paramref name="timeout"/> (it is moving, or not yet started).</summary>
    public async Task<SitesView> SitesAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            var report = await _proxy.Ask<SitesReport>(new SitesQuery(), timeout, cancellationToken).ConfigureAwait(false);
            return SitesWire.FromWire(Site, report);
        }
        catch (AskTimeoutException)
        {
            return new SitesView(Site, null, null);
        }
    }

    /// <summary>Starts the site links of <paramref name="system"/>'s node, or returns null when its
    /// configuration has no federation port.</summary>
    public static async Task<SiteLinks?> StartAsync(ActorSystem system, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        var config = system.Settings.Config;
        var settings = FederationSettings.FromConfig(config);
        if (!settings.Enabled)
        {
            return null;
        }
        var runtime = ActorPresenceRuntime.Get(system);
        var site = runtime.Settings.Site;
        var credentials = FederationCredentials.Load(settings, site);
        var host = new GatewayHost(new ActorPresenceService(runtime), site, settings, credentials, runtime.Settings.Clock, loggerFactory.CreateLogger("ActorPresence.Federation"));
        var server = BuildServer(settings, credentials, host, loggerFactory);
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        system.Settings.InjectTopLevelFallback(ClusterSingleton.DefaultConfig());
        system.ActorOf(
            ClusterSingletonManager.Props(
                Props.Create(() => new GatewayActor(host)),
                PoisonPill.Instance,
                ClusterSingletonManagerSettings.Create(system).WithRole(runtime.Settings.Role)),
            SingletonName);
        var proxy = system.ActorOf(
            ClusterSingletonProxy.Props($"/user/{SingletonName}", ClusterSingletonProxySettings.Create(system).WithRole(runtime.Settings.Role)),
            SingletonName + "-proxy");
        FederationMetrics.Register(host, () => host.Current?.Reports() ?? []);
        host.Logger.LogInformation("Site links of site {Site}: federation port {Port} on {Hostname}; peers {Peers}",
            site, settings.Port, settings.Hostname, string.Join(", ", settings.Peers.Select(p => $"{p.Site}={string.Join("|", p.Addresses)}")));
        return new SiteLinks(server, host, proxy, settings.Port);
    }

    private static WebApplication BuildServer(FederationSettings settings, FederationCredentials credentials, GatewayHost host, ILoggerFactory loggerFactory)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(host);
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = settings.MaxFrameBytes;
            o.MaxSendMessageSize = settings.MaxFrameBytes;
            o.EnableDetailedErrors = true;
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // HTTP/2 pings keep a quiet link's connection alive through middleboxes (at least 1 s apart).
            kestrel.Limits.Http2.KeepAlivePingDelay = settings.PingInterval;
            kestrel.Limits.Http2.KeepAlivePingTimeout = settings.PingTimeout;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Listen(BindAddress(settings.Hostname), settings.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = credentials.Certificate,
                    SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                    ClientCertificateValidation = (certificate, _, _) =>
                    {
                        if (credentials.TryAcceptPeer(certificate, null, out _, out var reason))
                        {
                            return true;
                        }
                        FederationMetrics.Refused(null, "certificate");
                        host.Logger.LogWarning("Federation port: a peer's certificate refused: {Reason}", reason);
                        return false;
                    },
                });
            });
        });
        var app = builder.Build();
        app.MapGrpcService<SiteLinkService>();
        // Nothing else is served on the federation port.
        app.MapFallback(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        return app;
    }

    private static IPAddress BindAddress(string hostname)
    {
        if (IPAddress.TryParse(hostname, out var address))
        {
            return address;
        }
        if (string.Equals(hostname, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }
        return Dns.GetHostAddresses(hostname).FirstOrDefault()
            ?? throw new InvalidSettingException($"{FederationSettings.Section}.hostname", $"'{hostname}' resolves to no address");
    }

    public async ValueTask DisposeAsync()
    {
        FederationMetrics.Unregister(_host);
        // The singleton manager stays: it hands the gateway over when the node leaves the cluster, and
        // the coordinated shutdown waits for it to. Only this node's part stops here.
        await _host.StopGatewayAsync().ConfigureAwait(false);
        await _server.StopAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>What a node's federation port and its gateway singleton share: the gateway, when it runs here.</summary>
public sealed class GatewayHost
{
    private readonly ActorPresenceService _service;
    private readonly FederationSettings _settings;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _gate = new(1, 1);

    internal GatewayHost(ActorPresenceService service, SiteId site, FederationSettings settings, FederationCredentials credentials, TimeProvider clock, ILogger logger)
    {
        _service = service;
        Site = site;
        _settings = settings;
        Credentials = credentials;
        _clock = clock;
        Logger = logger;
    }

    public SiteId Site { get; }

    public FederationCredentials Credentials { get; }

    public ILogger Logger { get; }

    public SiteGateway? Current { get; private set; }

    internal async Task StartGatewayAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Current is not null)
            {
                return;
            }
            var gateway = new SiteGateway(_service, Site, _settings, Credentials, _clock, Logger);
            await gateway.StartAsync(CancellationToken.None).ConfigureAwait(false);
            Current = gateway;
        }
        finally
        {
            _gate.Release();
        }
    }

    internal async Task StopGatewayAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Current is { } gateway)
            {
                Current = null;
                await gateway.DisposeAsync().ConfigureAwait(false);
                Logger.LogInformation("Site gateway of {Site} stopped on this node", Site);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>The cluster singleton: while it lives on a node, that node runs the site's gateway.</summary>
internal sealed class GatewayActor : ReceiveActor
{
    private readonly GatewayHost _host;

    public GatewayActor(GatewayHost host)
    {
        _host = host;
        Receive<Akka.Actor.Status.Failure>(failure => throw new InvalidOperationException("the site gateway failed to start", failure.Cause));
        Receive<Akka.Actor.Status.Success>(_ => { });
        Receive<SitesQuery>(_ => Sender.Tell(SitesWire.ToWire(Cluster.Get(Context.System).SelfMember, _host.Current?.Reports() ?? [])));
    }

    protected override void PreStart() => _host.StartGatewayAsync().PipeTo(Self);

    // The next instance (here after a restart, or on another node) starts it again.
    protected override void PostStop() => _host.StopGatewayAsync().Wait(TimeSpan.FromSeconds(15));
}

/// <summary>The federation port's one service: a peer's stream goes to this node's gateway, if it runs here.</summary>
internal sealed class SiteLinkService(GatewayHost host) : SiteLink.SiteLinkBase
{
    public override async Task Link(IAsyncStreamReader<Frame> requestStream, IServerStreamWriter<Frame> responseStream, ServerCallContext context)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (!host.Credentials.TryAcceptPeer(certificate, null, out var peer, out var reason))
        {
            FederationMetrics.Refused(null, "certificate");
            throw new RpcException(new Grpc.Core.Status(StatusCode.PermissionDenied, reason));
        }
        var gateway = host.Current
            ?? throw new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, $"this node does not run the site gateway of '{host.Site}' now"));
        await gateway.AcceptAsync(peer!, requestStream, responseStream, context.CancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Runs a node's site links with its host: <c>services.AddActorPresenceFederation()</c> after AddActorPresence.</summary>
public static class FederationHostingExtensions
{
    public static IServiceCollection AddActorPresenceFederation(this IServiceCollection services)
    {
        services.AddSingleton<SiteLinksHostedService>();
        services.AddHostedService(provider => provider.GetRequiredService<SiteLinksHostedService>());
        return services;
    }
}

/// <summary>Starts the node's <see cref="SiteLinks"/> once its actor system runs (Akka.Hosting starts it
/// first), and stops them before it stops.</summary>
public sealed class SiteLinksHostedService(ActorSystem system, ILoggerFactory loggerFactory) : IHostedService
{
    /// <summary>Null until started, and when the configuration has no federation port.</summary>
    public SiteLinks? Links { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken) => Links = await SiteLinks.StartAsync(system, loggerFactory, cancellationToken).ConfigureAwait(false);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Links is { } links)
        {
            Links = null;
            await links.DisposeAsync().ConfigureAwait(false);
        }
    }
}
