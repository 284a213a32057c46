using System.Diagnostics;

namespace ActorPresence.Benchmarks;

/// <summary>
/// Runs the harness's phases so that one failing (a node answering 503, not answering, dying) is
/// recorded with what it skipped, and the run goes on to the next phase and still writes its report.
/// </summary>
public sealed class PhaseLog(TextWriter log)
{
    private readonly List<PhaseFailure> _failures = [];

    public IReadOnlyList<PhaseFailure> Failures
    {
        get
        {
            lock (_failures)
            {
                return _failures.ToList();
            }
        }
    }

    /// <summary>Runs <paramref name="body"/>; returns false, with the failure recorded, when it throws.</summary>
    /// <param name="skips">What a failure leaves unmeasured, added to the record.</param>
    public async Task<bool> RunAsync(string phase, Func<Task> body, string? skips = null)
    {
        try
        {
            await body();
            return true;
        }
        catch (Exception e)
        {
            Record(phase, Describe(e) + (skips is null ? "" : $"; not measured: {skips}"));
            return false;
        }
    }

    /// <summary>
    /// Runs <paramref name="steps"/> in order, each as a phase named "<paramref name="label"/>: step". After a
    /// failed step, <paramref name="recover"/> (e.g. waiting for every node Up again) decides whether the rest
    /// can still run; if it fails too, the rest are recorded as not measured and skipped.
    /// </summary>
    /// <returns>The names of the steps that completed.</returns>
    public async Task<IReadOnlyList<string>> RunStepsAsync(string label, IReadOnlyList<(string Name, Func<Task> Run)> steps, Func<Task> recover)
    {
        var done = new List<string>();
        for (var s = 0; s < steps.Count; s++)
        {
            if (await RunAsync($"{label}: {steps[s].Name}", steps[s].Run))
            {
                done.Add(steps[s].Name);
                continue;
            }
            var rest = steps.Skip(s + 1).Select(x => x.Name).ToList();
            if (rest.Count > 0 && !await RunAsync($"{label}: recovery", recover, string.Join(", ", rest)))
            {
                break;
            }
        }
        return done;
    }

    public void Record(string phase, string message)
    {
        lock (_failures)
        {
            _failures.Add(new PhaseFailure(phase, message));
        }
        Info($"FAILED {phase}: {message}");
    }

    public void Info(string line) => log.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

    /// <summary>A failure in words: the harness's own exceptions already say which node and what; others get their type.</summary>
    public static string Describe(Exception e) => e switch
    {
        NodeCallException or NodeDownException or TimeoutException => e.Message,
        AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerExceptions[0]),
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}

/// <summary>Bounded waits. A poll a node fails to answer is tried again until the bound, unless the node's process is gone.</summary>
public static class Waits
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>Polls <paramref name="condition"/> until it holds; past <paramref name="timeout"/> throws a
    /// <see cref="TimeoutException"/> naming <paramref name="what"/> and the last failed call, if any.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? interval = null, Func<string>? state = null)
    {
        var clock = Stopwatch.StartNew();
        NodeCallException? last = null;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
                last = null;
            }
            catch (NodeCallException e) when (!e.ProcessGone)
            {
                last = e;
            }
            if (clock.Elapsed > timeout)
            {
                var seen = state?.Invoke() is { Length: > 0 } s ? $" ({s})" : "";
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}{seen}" + (last is null ? "" : $"; last: {last.Message}"));
            }
            await Task.Delay(interval ?? Interval);
        }
    }
}

/// <summary>Checks across nodes that later phases depend on.</summary>
public static class Checks
{
    public const string ConvergencePurpose = "the convergence check";

    /// <summary>Waits until every node holds the same replica (same fingerprint), or the same entities
    /// of one kind whose ids start with <paramref name="prefix"/> when a scope is given.</summary>
    public static async Task ConvergedAsync(IReadOnlyList<AgentClient> nodes, TimeSpan timeout, string what, TimeSpan? callTimeout = null,
        (string Kind, string Prefix)? scope = null)
    {
        var path = scope is var (kind, prefix) ? $"/bench/fingerprint?kinds={kind}&prefix={Uri.EscapeDataString(prefix)}" : "/bench/fingerprint";
        Agent.Fingerprint[] prints = [];
        await Waits.UntilAsync(async () =>
        {
            prints = await Task.WhenAll(nodes.Select(n => n.GetAsync<Agent.Fingerprint>(path, ConvergencePurpose, callTimeout)));
            return prints.Distinct().Count() == 1;
        }, timeout, $"identical replicas {what}", state: () => prints.Length == 0 ? "" : "last seen: " + string.Join(", ",
            prints.Select((p, i) => $"{nodes[i].Name} {p.Entries:N0} entries")));
    }
}
