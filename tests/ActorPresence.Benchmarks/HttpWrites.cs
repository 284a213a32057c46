using System.Diagnostics;
using System.Net;
using System.Text;

namespace ActorPresence.Benchmarks;

/// <summary>
/// Writes through the HTTP API as telephony servers would: a fixed set of keep-alive clients, each on
/// its own connection to one node (client c → node c mod n), each sending its next request as soon
/// as the last is answered. Every answer's latency is recorded; failures are counted by reason.
/// </summary>
public static class HttpWrites
{
    public static readonly TimeSpan Slow = TimeSpan.FromSeconds(1);

    /// <summary>One request: its path and JSON body.</summary>
    public readonly record struct Put(string Path, string Json);

    /// <param name="clients">The clients, each on one keep-alive connection to node c mod <paramref name="nodes"/>;
    /// the caller owns them, so a second batch can go through the same connections.</param>
    /// <param name="nodes">How many nodes the clients are spread over.</param>
    /// <param name="count">Writes in all; node k gets its share, numbered 0, 1, … within that node.</param>
    /// <param name="request">Write j of node k.</param>
    /// <param name="deadline">No write is started after this.</param>
    /// <param name="requestTimeout">An unanswered request counts as timed out (outcome unknown) after this.</param>
    public static async Task<WriteRun> RunAsync(
        IReadOnlyList<HttpClient> clients, int nodes, string operation, string kind, long count,
        Func<int, long, Put> request, TimeSpan deadline, TimeSpan requestTimeout)
    {
        var next = new long[nodes];
        var shares = Enumerable.Range(0, nodes).Select(k => Share(count, nodes, k)).ToArray();
        var latency = new LatencyRecorder();
        long written = 0, timedOut = 0, errors = 0, slow = 0;
        var samples = new List<string>();
        var clock = Stopwatch.StartNew();

        async Task Client(int c)
        {
            var node = c % nodes;
            var http = clients[c];
            while (clock.Elapsed < deadline)
            {
                var j = Interlocked.Increment(ref next[node]) - 1;
                if (j >= shares[node])
                {
                    return;
                }
                var put = request(node, j);
                var started = Stopwatch.GetTimestamp();
                using var cts = new CancellationTokenSource(requestTimeout);
                string? failure;
                bool timeout;
                try
                {
                    using var content = new StringContent(put.Json, Encoding.UTF8, "application/json");
                    using var response = await http.PutAsync(put.Path, content, cts.Token);
                    var elapsed = Stopwatch.GetElapsedTime(started);
                    if (response.IsSuccessStatusCode)
                    {
                        latency.Record(elapsed);
                        Interlocked.Increment(ref written);
                        if (elapsed > Slow)
                        {
                            Interlocked.Increment(ref slow);
                        }
                        continue;
                    }
                    var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    timeout = OutcomeUnknown(response.StatusCode, body);
                    failure = $"HTTP {(int)response.StatusCode}: {Trim(body)}";
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested)
                {
                    timeout = true;
                    failure = $"no answer within {requestTimeout.TotalSeconds:0.#} s";
                }
                catch (HttpRequestException e)
                {
                    timeout = false;
                    failure = $"{e.GetType().Name}: {e.Message}";
                }
                Interlocked.Increment(ref timeout ? ref timedOut : ref errors);
                lock (samples)
                {
                    if (samples.Count < 5 && !samples.Contains(failure))
                    {
                        samples.Add(failure);
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, clients.Count).Select(c => Task.Run(() => Client(c))));
        var seconds = clock.Elapsed.TotalSeconds;
        lock (samples)
        {
            return new WriteRun("ActorPresence", "http", operation, kind, nodes, clients.Count, count,
                Interlocked.Read(ref written), Interlocked.Read(ref timedOut), Interlocked.Read(ref errors), seconds,
                latency.Summary(), Interlocked.Read(ref slow))
            {
                ErrorSamples = samples.ToList(),
            };
        }
    }

    /// <summary>Node k's share of <paramref name="count"/> writes over <paramref name="nodes"/> nodes (the first ones take the remainder).</summary>
    public static long Share(long count, int nodes, int k) => count / nodes + (k < count % nodes ? 1 : 0);

    /// <summary>A 504, or a 503 that says the node did not answer in time, leaves the write's outcome unknown: a timeout, not an error.</summary>
    public static bool OutcomeUnknown(HttpStatusCode status, string body) =>
        status == HttpStatusCode.GatewayTimeout
        || (status == HttpStatusCode.ServiceUnavailable
            && (body.Contains("in time", StringComparison.OrdinalIgnoreCase) || body.Contains("unknown", StringComparison.OrdinalIgnoreCase)
                || body.Contains("timed out", StringComparison.OrdinalIgnoreCase) || body.Contains("timeout", StringComparison.OrdinalIgnoreCase)));

    private static string Trim(string body)
    {
        var text = body.Trim().ReplaceLineEndings(" ");
        return text.Length > 160 ? text[..160] + "…" : text;
    }
}
