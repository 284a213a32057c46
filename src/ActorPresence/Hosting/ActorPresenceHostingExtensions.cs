using ActorPresence.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Hosting;

/// <summary>How a .NET host embeds ActorPresence: an Akka.Hosting builder step and a DI registration.</summary>
public static class ActorPresenceHostingExtensions
{
    /// <summary>The actor system's name, the same on every node (DESIGN.md §5).</summary>
    public const string ActorSystemName = "actorpresence";

    /// <summary>
    /// Adds ActorPresence to an Akka.Hosting actor system: its configuration (options over
    /// <paramref name="hocon"/> over the embedded defaults) and its actors, started with the system.
    /// </summary>
    public static AkkaConfigurationBuilder WithActorPresence(this AkkaConfigurationBuilder builder, ActorPresenceOptions options, Config? hocon = null)
    {
        var config = ActorPresenceConfig.Build(options, hocon);
        builder.AddHocon(config, HoconAddMode.Prepend);
        if (options.Clock is { } clock)
        {
            builder.AddSetup(new ActorPresenceSetup(clock));
        }
        if (MutualTls.SetupFor(config) is { } tls)
        {
            builder.AddSetup(tls);
        }
        // Metrics on every node, dedicated seeds included (cluster membership).
        builder.AddStartup((system, _) => ActorPresenceMetrics.Get(system));
        if (!ActorPresenceConfig.IsSeedOnly(config))
        {
            builder.AddStartup((system, _) => ActorPresenceRuntime.Get(system));
        }
        return builder;
    }

    /// <summary>
    /// Sends the actor system's log events to <paramref name="loggerFactory"/> (Microsoft.Extensions.Logging)
    /// instead of Akka's own console logger. The level stays <c>akka.loglevel</c>; MEL's filters apply on top.
    /// </summary>
    public static AkkaConfigurationBuilder WithLoggerFactory(this AkkaConfigurationBuilder builder, ILoggerFactory loggerFactory)
    {
        builder.AddSetup(new LoggerFactoryBridgeSetup(loggerFactory));
        builder.AddHocon(
            ConfigurationFactory.ParseString($"akka.loggers = [{ActorPresenceConfig.Quote(typeof(LoggerFactoryBridge).AssemblyQualifiedName!)}]"),
            HoconAddMode.Prepend);
        return builder;
    }

    /// <summary>
    /// Registers an ActorPresence node in DI: the actor system (named <see cref="ActorSystemName"/>),
    /// logging through the host's <see cref="ILoggerFactory"/>, and <see cref="IActorPresence"/> for
    /// the host's code. <paramref name="configureAkka"/> may add more to the actor system.
    /// </summary>
    public static IServiceCollection AddActorPresence(
        this IServiceCollection services,
        Action<ActorPresenceOptions>? configure = null,
        Config? hocon = null,
        Action<AkkaConfigurationBuilder, IServiceProvider>? configureAkka = null)
    {
        var options = new ActorPresenceOptions();
        configure?.Invoke(options);
        services.AddAkka(ActorSystemName, (builder, provider) =>
        {
            builder.WithActorPresence(options, hocon);
            if (provider.GetService<ILoggerFactory>() is { } loggerFactory)
            {
                builder.WithLoggerFactory(loggerFactory);
            }
            configureAkka?.Invoke(builder, provider);
        });
        // A dedicated seed holds no state, so it offers no IActorPresence.
        if (!ActorPresenceConfig.IsSeedOnly(ActorPresenceConfig.Build(options, hocon)))
        {
            services.AddSingleton<IActorPresence>(provider => new ActorPresenceService(ActorPresenceRuntime.Get(provider.GetRequiredService<ActorSystem>())));
        }
        return services;
    }
}
