using System.Diagnostics;
using StackExchange.Redis;

namespace ActorPresence.Benchmarks;

/// <summary>
/// The design a telephony team would build instead: each change is written to a Redis hash (the
/// state) and published on a channel (the change), and every server subscribes. Runs a private
/// redis-server (Debian's package) on a free loopback port, without persistence.
/// </summary>
public sealed class RedisBaseline : IAsyncDisposable
{
    private readonly Process _server;
    private readonly ConnectionMultiplexer _writer;
    private readonly ConnectionMultiplexer _reader;

    private RedisBaseline(Process server, ConnectionMultiplexer writer, ConnectionMultiplexer reader, int port)
    {
        _server = server;
        _writer = writer;
        _reader = reader;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Null when no redis-server is installed (the report then says so).</summary>
    public static async Task<RedisBaseline?> StartAsync(string work)
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        if (binary is null)
        {
            return null;
        }
        var port = AgentProcess.FreePort();
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = work };
        foreach (var arg in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
        {
            info.ArgumentList.Add(arg);
        }
        var server = Process.Start(info)!;
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        var options = ConfigurationOptions.Parse($"127.0.0.1:{port}");
        options.AbortOnConnectFail = false;
        options.ConnectRetry = 20;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var writer = await ConnectionMultiplexer.ConnectAsync(options);
                var reader = await ConnectionMultiplexer.ConnectAsync(options);
                await writer.GetDatabase().PingAsync();
                return new RedisBaseline(server, writer, reader, port);
            }
            catch (RedisConnectionException) when (clock.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(200);
            }
            catch (RedisConnectionException)
            {
                server.Kill();
                server.Dispose();
                throw;
            }
        }
    }

    /// <summary>Publisher → broker → subscriber latency at an offered rate, measured like ActorPresence's.</summary>
    public async Task<LatencyResult> MeasureAsync(int rate, TimeSpan duration, int entities, TimeSpan drain)
    {
        var channel = RedisChannel.Literal("presence-changes");
        var recorder = new LatencyRecorder();
        long received = 0;
        var subscriber = _reader.GetSubscriber();
        var queue = await subscriber.SubscribeAsync(channel);
        queue.OnMessage(message =>
        {
            var now = DateTime.UtcNow.Ticks;
            var text = (string?)message.Message ?? "";
            var bar = text.IndexOf('|');
            if (bar > 0 && Agent.ParseStamp(text[(bar + 1)..]) is { } sent)
            {
                recorder.Record(TimeSpan.FromTicks(now - sent));
            }
            Interlocked.Increment(ref received);
        });
        var db = _writer.GetDatabase();
        var count = (long)(rate * duration.TotalSeconds);
        var (serverBefore, clientBefore) = (ServerCpu(), ClientCpu());
        var run = await Pacer.RunAsync(count, rate, 1000, async i =>
        {
            var id = "p" + (i % entities);
            var stamp = Agent.Stamp(DateTime.UtcNow.Ticks);
            // State in a hash, the change on the channel: two commands, sent together.
            var set = db.HashSetAsync("presence:" + id, [new HashEntry("state", i % 2 == 0 ? "available" : "away"), new HashEntry("message", stamp)]);
            var publish = db.PublishAsync(channel, id + "|" + stamp);
            await Task.WhenAll(set, publish);
        }, CancellationToken.None, deadline: duration + TimeSpan.FromSeconds(30));
        var (written, elapsed) = (run.Written, run.Elapsed);
        var until = Stopwatch.StartNew();
        while (Interlocked.Read(ref received) < written && until.Elapsed < drain)
        {
            await Task.Delay(20);
        }
        var server = (ServerCpu() - serverBefore).TotalSeconds;
        var client = (ClientCpu() - clientBefore).TotalSeconds;
        await queue.UnsubscribeAsync();
        var delivered = Interlocked.Read(ref received);
        var cpu = new CpuCost(server + client, delivered, CpuIncludes, server);
        return new LatencyResult("Redis", "pubsub", 1, rate, written / elapsed.TotalSeconds, written, written - delivered, recorder.Summary(), cpu);
    }

    /// <summary>What the Redis CPU figure counts. The harness process runs nothing else while Redis is measured
    /// (the agent clusters are gone by then), so its CPU is the Redis client's: writer, subscriber and recorder,
    /// as an ActorPresence node's figure includes its in-process writer and subscriber.</summary>
    public const string CpuIncludes = "redis-server + the harness process (StackExchange.Redis writer and subscriber, the only work it does then)";

    private TimeSpan ServerCpu()
    {
        _server.Refresh();
        return _server.HasExited ? TimeSpan.Zero : _server.TotalProcessorTime;
    }

    private static TimeSpan ClientCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        await _reader.DisposeAsync();
        if (!_server.HasExited)
        {
            _server.Kill();
            await _server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        _server.Dispose();
    }
}
