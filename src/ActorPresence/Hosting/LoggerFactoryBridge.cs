using System.Collections;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using Microsoft.Extensions.Logging;
using AkkaLogLevel = Akka.Event.LogLevel;
using MelLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace ActorPresence.Hosting;

/// <summary>Hands the host's <see cref="ILoggerFactory"/> to <see cref="LoggerFactoryBridge"/>.</summary>
public sealed class LoggerFactoryBridgeSetup(ILoggerFactory loggerFactory) : Akka.Actor.Setup.Setup
{
    public ILoggerFactory LoggerFactory { get; } = loggerFactory;
}

/// <summary>
/// An Akka logger (<c>akka.loggers</c>) that writes Akka's log events through
/// Microsoft.Extensions.Logging, so they share the host's providers, filters and format. The
/// category is the class that logged (<c>ActorPresence.Entities.EntityManager</c>,
/// <c>Akka.Cluster.SBR.SplitBrainResolver</c>…) or, for events Akka logs under a plain string
/// source, that source under <c>Akka</c> (<c>Akka.Cluster</c>, <c>Akka.remoting</c>): names MEL
/// filters by prefix. The event's state carries the message template, its properties, the full
/// Akka log source (an actor's path, or the string source) and the thread, for structured formatters.
/// <para>
/// Why not Akka.Hosting's <c>AddLoggerFactory</c> (tried with 1.5.73): it logs every event under the
/// one category <c>Akka.Actor.ActorSystem</c>, so an operator cannot filter remoting apart from the
/// cluster or from our actors, and it prefixes each message with Akka's own
/// <c>[INFO][time][thread][source]</c>, which repeats what the console formatter already prints.
/// </para>
/// </summary>
public sealed class LoggerFactoryBridge : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly ILoggerFactory _factory;
    private readonly Dictionary<Type, ILogger> _loggers = [];
    private readonly Dictionary<string, ILogger> _sourceLoggers = new(StringComparer.Ordinal);

    public LoggerFactoryBridge()
    {
        var setup = Context.System.Settings.Setup.Get<LoggerFactoryBridgeSetup>();
        _factory = setup.HasValue
            ? setup.Value.LoggerFactory
            : throw new InvalidOperationException($"{nameof(LoggerFactoryBridge)} needs a {nameof(LoggerFactoryBridgeSetup)} in the actor system's setup");
    }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent e:
                Write(e);
                return true;
            default:
                return false;
        }
    }

    private void Write(LogEvent e)
    {
        var logger = LoggerFor(e);
        var level = ToMel(e.LogLevel());
        if (!logger.IsEnabled(level))
        {
            return;
        }
        logger.Log(level, default, new AkkaLogState(e), e.Cause, static (state, _) => state.ToString());
    }

    private ILogger LoggerFor(LogEvent e)
    {
        var logClass = e.LogClass;
        if (logClass is null || logClass.FullName == StringSourceClass)
        {
            var source = e.LogSource ?? "";
            if (!_sourceLoggers.TryGetValue(source, out var bySource))
            {
                bySource = _factory.CreateLogger(CategoryOf(source));
                _sourceLoggers[source] = bySource;
            }
            return bySource;
        }
        if (!_loggers.TryGetValue(logClass, out var logger))
        {
            logger = _factory.CreateLogger(CategoryOf(logClass));
            _loggers[logClass] = logger;
        }
        return logger;
    }

    /// <summary>The class Akka names for events logged under a plain string source (its cluster and remoting daemons).</summary>
    private const string StringSourceClass = "Akka.Event.DummyClassForStringSources";

    /// <summary>
    /// A category for an event logged under a string source such as <c>Cluster (akka://actorpresence)</c>:
    /// <c>Akka.Cluster</c>, the source's name without the actor system, under <c>Akka</c>.
    /// </summary>
    internal static string CategoryOf(string logSource)
    {
        var name = logSource;
        var system = name.IndexOf(" (", StringComparison.Ordinal);
        if (system > 0)
        {
            name = name[..system];
        }
        name = name.Trim();
        return name.Length == 0 ? "Akka" : "Akka." + name;
    }

    /// <summary>Namespace and name, without generic arguments or assembly names.</summary>
    internal static string CategoryOf(Type type)
    {
        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            name = name[..tick];
        }
        if (type.IsNested && type.DeclaringType is { } outer)
        {
            return CategoryOf(outer) + "." + name;
        }
        return string.IsNullOrEmpty(type.Namespace) ? name : type.Namespace + "." + name;
    }

    internal static MelLogLevel ToMel(AkkaLogLevel level) => level switch
    {
        AkkaLogLevel.DebugLevel => MelLogLevel.Debug,
        AkkaLogLevel.InfoLevel => MelLogLevel.Information,
        AkkaLogLevel.WarningLevel => MelLogLevel.Warning,
        _ => MelLogLevel.Error,
    };

    /// <summary>
    /// The state of one Akka log event as MEL's structured loggers read it: key/value pairs, with
    /// <c>{OriginalFormat}</c> last as MEL's own message templates do.
    /// </summary>
    private readonly struct AkkaLogState(LogEvent e) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly List<KeyValuePair<string, object?>> _pairs = Pairs(e);

        public int Count => _pairs.Count;

        public KeyValuePair<string, object?> this[int index] => _pairs[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _pairs.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => e.Message?.ToString() ?? "";

        private static List<KeyValuePair<string, object?>> Pairs(LogEvent e)
        {
            var pairs = new List<KeyValuePair<string, object?>>();
            if (e.TryGetProperties(out var properties) && properties is not null)
            {
                foreach (var (name, value) in properties)
                {
                    pairs.Add(new(name, value));
                }
            }
            pairs.Add(new("AkkaLogSource", e.LogSource));
            pairs.Add(new("AkkaThread", e.Thread?.ManagedThreadId));
            pairs.Add(new("{OriginalFormat}", e.GetTemplate() ?? e.Message?.ToString() ?? ""));
            return pairs;
        }
    }
}
