using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace ActorPresence.Benchmarks;

/// <summary>HTTP writes to one node, Server-Sent Events from another: what a non-.NET telephony server sees.</summary>
public static class SseLatency
{
    public static async Task<LatencyResult> MeasureAsync(AgentProcess writer, AgentProcess reader, int nodes, int rate, TimeSpan duration, int entities, TimeSpan drain, string prefix)
    {
        var recorder = new LatencyRecorder();
        long received = 0;
        using var sseClient = new HttpClient { BaseAddress = reader.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var stop = new CancellationTokenSource();
        using var connect = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await sseClient.GetAsync($"/api/v1/events?presence={prefix}*", HttpCompletionOption.ResponseHeadersRead, connect.Token);
        if (!response.IsSuccessStatusCode)
        {
            throw new NodeCallException(reader.Name, "the event stream", response.StatusCode,
                $"{reader.Name} answered {(int)response.StatusCode} to the event stream request");
        }
        var stream = await response.Content.ReadAsStreamAsync();
        var readLoop = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in SseParser.Create(stream).EnumerateAsync(stop.Token))
                {
                    var now = DateTime.UtcNow.Ticks;
                    using var doc = JsonDocument.Parse(item.Data);
                    if (doc.RootElement.GetProperty("initial").GetBoolean())
                    {
                        continue;
                    }
                    var message = doc.RootElement.GetProperty("value").GetProperty("message").GetString() ?? "";
                    if (Agent.ParseStamp(message) is { } sent)
                    {
                        recorder.Record(TimeSpan.FromTicks(now - sent));
                    }
                    Interlocked.Increment(ref received);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (IOException)
            {
            }
        });

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = writer.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var count = (long)(rate * duration.TotalSeconds);
        var run = await Pacer.RunAsync(count, rate, 256, async i =>
        {
            var body = new { state = i / entities % 2 == 0 ? "available" : "away", message = Agent.Stamp(DateTime.UtcNow.Ticks) };
            using var put = await http.PutAsJsonAsync($"/api/v1/presence/{prefix}{i % entities}", body);
            put.EnsureSuccessStatusCode();
        }, CancellationToken.None, deadline: duration + TimeSpan.FromSeconds(30));
        var (written, elapsed) = (run.Written, run.Elapsed);
        var until = Stopwatch.StartNew();
        while (Interlocked.Read(ref received) < written && until.Elapsed < drain)
        {
            await Task.Delay(20);
        }
        await stop.CancelAsync();
        response.Dispose();
        await readLoop.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        return new LatencyResult("ActorPresence", "http-sse", nodes, rate, written / elapsed.TotalSeconds, written, written - Interlocked.Read(ref received), recorder.Summary());
    }
}
