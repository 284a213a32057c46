using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Sip;

/// <summary>Runs a node's SIP edge with its host: <c>services.AddActorPresenceSip()</c> after AddActorPresence.</summary>
public static class SipHostingExtensions
{
    public static IServiceCollection AddActorPresenceSip(this IServiceCollection services)
    {
        services.AddSingleton<SipEdgeHostedService>();
        services.AddHostedService(provider => provider.GetRequiredService<SipEdgeHostedService>());
        return services;
    }
}

/// <summary>Starts the node's SIP edge once its actor system runs, when the configuration gives it a port,
/// and stops it (subscribers told their subscriptions end) before the actor system stops.</summary>
public sealed class SipEdgeHostedService(ActorSystem system, ILoggerFactory loggerFactory) : IHostedService
{
    private SipEdge? _edge;

    /// <summary>The address the edge listens on (UDP and TCP); null when it is off.</summary>
    public System.Net.IPEndPoint? LocalEndPoint => _edge?.LocalEndPoint;

    internal SipEdge? Edge => _edge;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = SipSettings.FromConfig(system.Settings.Config);
        if (!settings.Enabled)
        {
            return;
        }
        var runtime = ActorPresenceRuntime.Get(system);
        var edge = new SipEdge(settings, new ActorPresenceService(runtime), loggerFactory.CreateLogger("ActorPresence.Sip"), runtime.Settings.Clock);
        await edge.StartAsync(cancellationToken).ConfigureAwait(false);
        _edge = edge;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_edge is { } edge)
        {
            _edge = null;
            await edge.DisposeAsync().ConfigureAwait(false);
        }
    }
}
