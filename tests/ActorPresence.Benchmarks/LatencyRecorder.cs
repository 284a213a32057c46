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

/// <summary>How a paced batch went: a timeout is a write whose outcome is unknown, an error one that failed.</summary>
public sealed record PaceResult(long Attempted, long Written, long TimedOut, long Errors, TimeSpan Elapsed, IReadOnlyList<string> ErrorSamples)
{
    public long Failed => TimedOut + Errors;
}

/// <summary>Paces an open-loop writer: operation i is due at start + i / rate, whatever the earlier ones took.</summary>
public static class Pacer
{
    private const int MaxSamples = 5;

    /// <summary>Runs <paramref name="write"/> <paramref name="count"/> times at <paramref name="rate"/> per second,
    /// with at most <paramref name="maxInFlight"/> outstanding; none is started after <paramref name="deadline"/>.
    /// Each write's time to completion goes into <paramref name="latency"/> when given.</summary>
    public static async Task<PaceResult> RunAsync(
        long count, int rate, int maxInFlight, Func<long, Task> write, CancellationToken cancellationToken,
        TimeSpan? deadline = null, LatencyRecorder? latency = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var slots = new SemaphoreSlim(maxInFlight);
        long attempted = 0, written = 0, timedOut = 0, errors = 0;
        var samples = new List<string>();
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
            if (deadline is { } limit && clock.Elapsed > limit)
            {
                slots.Release();
                break;
            }
            attempted++;
            pending.Add(Run(i));
            if (pending.Count > 4 * maxInFlight)
            {
                pending.RemoveAll(t => t.IsCompleted);
            }
        }
        await Task.WhenAll(pending);
        lock (samples)
        {
            return new PaceResult(attempted, Interlocked.Read(ref written), Interlocked.Read(ref timedOut), Interlocked.Read(ref errors), clock.Elapsed, samples.ToList());
        }

        async Task Run(long i)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                await write(i);
                latency?.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started));
                Interlocked.Increment(ref written);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref IsTimeout(e) ? ref timedOut : ref errors);
                var sample = $"{e.GetType().Name}: {e.Message}";
                lock (samples)
                {
                    if (samples.Count < MaxSamples && !samples.Contains(sample))
                    {
                        samples.Add(sample);
                    }
                }
            }
            finally
            {
                slots.Release();
            }
        }
    }

    /// <summary>Whether a failed write timed out, i.e. its outcome is unknown (Akka's AskTimeoutException,
    /// an HTTP client timeout, or an error that says so), rather than failing for sure.</summary>
    public static bool IsTimeout(Exception e) =>
        e is TimeoutException or OperationCanceledException
        || e.GetType().Name.Contains("Timeout", StringComparison.Ordinal)
        || e.GetType().Name.Contains("OutcomeUnknown", StringComparison.Ordinal)
        || (e.Message.Contains("outcome", StringComparison.OrdinalIgnoreCase) && e.Message.Contains("unknown", StringComparison.OrdinalIgnoreCase));
}
