using HdrHistogram;

namespace ActorPresence.Benchmarks;

/// <summary>Records latencies (in microseconds) into an HdrHistogram; safe to record from several threads.</summary>
public sealed class LatencyRecorder
{
    private const long HighestUs = 120_000_000; // two minutes
    private readonly object _lock = new();
    private LongHistogram _histogram = new(HighestUs, 3);

    public void Record(TimeSpan latency)
    {
        var us = Math.Clamp((long)(latency.Ticks / 10.0), 1, HighestUs);
        lock (_lock)
        {
            _histogram.RecordValue(us);
        }
    }

    public long Count
    {
        get
        {
            lock (_lock)
            {
                return _histogram.TotalCount;
            }
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _histogram = new LongHistogram(HighestUs, 3);
        }
    }

    public LatencySummary Summary()
    {
        lock (_lock)
        {
            var h = _histogram;
            return h.TotalCount == 0
                ? new LatencySummary(0, 0, 0, 0, 0, 0, 0)
                : new LatencySummary(
                    h.TotalCount,
                    h.GetValueAtPercentile(50),
                    h.GetValueAtPercentile(90),
                    h.GetValueAtPercentile(99),
                    h.GetValueAtPercentile(99.9),
                    h.GetMaxValue(),
                    h.GetMean());
        }
    }
}

/// <summary>Paces an open-loop writer: operation i is due at start + i / rate, whatever the earlier ones took.</summary>
public static class Pacer
{
    /// <summary>Runs <paramref name="write"/> <paramref name="count"/> times at <paramref name="rate"/> per second,
    /// with at most <paramref name="maxInFlight"/> outstanding. Returns (written, failed, elapsed).</summary>
    public static async Task<(long Written, long Failed, TimeSpan Elapsed)> RunAsync(
        long count, int rate, int maxInFlight, Func<long, Task> write, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var slots = new SemaphoreSlim(maxInFlight);
        long written = 0, failed = 0;
        var pending = new List<Task>();
        for (long i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }
            await slots.WaitAsync(cancellationToken);
            var task = Run(i);
            pending.Add(task);
            if (pending.Count > 4 * maxInFlight)
            {
                pending.RemoveAll(t => t.IsCompleted);
            }
        }
        await Task.WhenAll(pending);
        return (Interlocked.Read(ref written), Interlocked.Read(ref failed), clock.Elapsed);

        async Task Run(long i)
        {
            try
            {
                await write(i);
                Interlocked.Increment(ref written);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref failed);
            }
            finally
            {
                slots.Release();
            }
        }
    }
}
