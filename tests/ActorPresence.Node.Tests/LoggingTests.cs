using System.Collections.Concurrent;
using Akka.Event;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace ActorPresence.Node.Tests;

/// <summary>The node's log: Akka's events come out through Microsoft.Extensions.Logging, structured; level and format options.</summary>
public sealed class LoggingTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Akka_log_events_arrive_through_microsoft_extensions_logging_with_their_source_as_category_and_structured_state()
    {
        var captured = new CapturingLoggerProvider();
        await using var node = await TestNodeHost.StartAsync("logging-1", builder => builder.Logging.AddProvider(captured), "--log-level", "INFO");

        // The cluster daemon's "moving node to Up" line, under the Akka.Cluster category.
        await AwaitAssertAsync(() =>
        {
            var up = captured.Entries.FirstOrDefault(e => e.Category == "Akka.Cluster" && e.Message.Contains("to [Up]", StringComparison.Ordinal));
            Assert.NotNull(up);
            Assert.Equal(LogLevel.Information, up.Level);
            Assert.Equal("Cluster (akka://actorpresence)", up.State["AkkaLogSource"]);
            // The template and its argument, not only the formatted text.
            Assert.Contains("{0}", (string)up.State["{OriginalFormat}"]!, StringComparison.Ordinal);
        }, Wait);
        // Our own actors log under their class, with the actor's path as the source.
        await AwaitAssertAsync(() => Assert.Contains(captured.Entries, e =>
            e.Category == "ActorPresence.Replication.Outbox"
            && e.Level == LogLevel.Information
            && e.Message.Contains("peer(s) for the direct path", StringComparison.Ordinal)
            && e.State.GetValueOrDefault("AkkaLogSource") is string source
            && source.EndsWith("/user/actorpresence/devices/outbox", StringComparison.Ordinal)), Wait);
    }

    [Fact]
    public async Task The_log_level_option_filters_akka_and_the_json_format_option_selects_the_json_console()
    {
        var captured = new CapturingLoggerProvider();
        await using var node = await TestNodeHost.StartAsync("logging-2", builder => builder.Logging.AddProvider(captured), "--log-level", "WARNING", "--log-format", "json");

        Assert.Equal(ConsoleFormatterNames.Json, node.App.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
        var logger = node.App.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Akka.Cluster");
        Assert.False(logger.IsEnabled(LogLevel.Information));
        Assert.True(logger.IsEnabled(LogLevel.Warning));
        // Akka itself is told the level too: its information events are never published to the
        // bridge. Both events below travel the same ordered path, so once the warning has arrived
        // the information event would have arrived before it.
        var system = node.App.Services.GetRequiredService<Akka.Actor.ActorSystem>();
        Assert.Equal("WARNING", system.Settings.LogLevel);
        system.Log.Info("logging-2 information probe");
        system.Log.Warning("logging-2 warning probe");
        await AwaitAssertAsync(() => Assert.Contains(captured.Entries, e => e.Message == "logging-2 warning probe" && e.Level == LogLevel.Warning), Wait);
        Assert.DoesNotContain(captured.Entries, e => e.Message == "logging-2 information probe");
    }

    [Theory]
    [InlineData("DEBUG", LogLevel.Debug)]
    [InlineData("info", LogLevel.Information)]
    [InlineData("Warning", LogLevel.Warning)]
    [InlineData("ERROR", LogLevel.Error)]
    [InlineData("off", LogLevel.None)]
    public void The_log_level_option_takes_akka_level_names(string given, LogLevel expected)
    {
        var settings = NodeSettings.Resolve(["--log-level", given], new Dictionary<string, string>());

        Assert.Equal(expected, settings.LogLevel);
        Assert.Equal(given, settings.Config.GetString("akka.loglevel"));
    }

    [Fact]
    public void By_default_the_log_is_simple_lines_at_info()
    {
        var settings = NodeSettings.Resolve([], new Dictionary<string, string>());

        Assert.Equal(LogLevel.Information, settings.LogLevel);
        Assert.Equal(NodeLogFormat.Simple, settings.LogFormat);
    }

    [Theory]
    [InlineData("--log-level", "verbose")]
    [InlineData("--log-format", "xml")]
    public void A_bad_log_option_stops_the_node_naming_the_option(string option, string value)
    {
        var error = Assert.Throws<NodeOptionsException>(() => NodeSettings.Resolve([option, value], new Dictionary<string, string>()));

        Assert.StartsWith(option, error.Message, StringComparison.Ordinal);
    }

    public sealed record LogEntry(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> State);

    /// <summary>Keeps every log entry, with the structured state a formatter would see.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<LogEntry> _entries = new();

        public IReadOnlyList<LogEntry> Entries => _entries.ToList();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var pairs = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
                entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception), pairs.ToDictionary(p => p.Key, p => p.Value)));
            }
        }
    }
}
