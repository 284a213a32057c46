using System.Diagnostics;

namespace ActorPresence.Testing;

/// <summary>What a writer did.</summary>
public sealed record WriterResult(string Writer, int Acknowledged, int Failed, string? Failure);

/// <summary>
/// Writes a mix of device views, mailbox counts and presence through one node at a steady pace,
/// recording each acknowledged write in a <see cref="StateModel"/>. Its mailboxes and presentities
/// are its own (<c>PREFIX-K@CONTEXT</c>, <c>PREFIX-K</c>); devices are shared by all writers, each
/// node holding its own view. It stops at the first failed write (recorded as of unknown outcome),
/// at its deadline, after its maximum count, or when cancelled.
/// </summary>
public sealed class MixedWriter(string prefix, string context, int keys, int seed, StateModel model)
{
    private static readonly string[] DeviceStates = ["NOT_INUSE", "INUSE", "BUSY", "RINGING", "RINGINUSE", "ONHOLD", "UNAVAILABLE"];
    private static readonly string[] PresenceStates = ["available", "away", "xa", "dnd", "chat", "unavailable"];

    private readonly Random _random = new(seed);
    private readonly HashSet<string> _views = [];

    /// <summary>Whether a model key (see <see cref="StateModel.Differences"/>) is one of this writer's own mailboxes or presentities.</summary>
    public bool Owns(string key) =>
        key.StartsWith($"mailbox:{prefix}-", StringComparison.Ordinal) || key.StartsWith($"presence:{prefix}-", StringComparison.Ordinal);

    /// <param name="node">The node written through; its name is the view's node.</param>
    /// <param name="perSecond">Writes per second (paced by a timer).</param>
    /// <param name="duration">Stop after this long.</param>
    /// <param name="maxWrites">Stop after this many writes.</param>
    /// <param name="ct">Stops it early.</param>
    public async Task<WriterResult> RunAsync(IClusterNode node, double perSecond, TimeSpan duration, int maxWrites, CancellationToken ct)
    {
        var (acked, failed) = (0, 0);
        string? failure = null;
        var clock = Stopwatch.StartNew();
        // Views of this node from an earlier run of the writer are gone if the node restarted; the
        // model knows which are there.
        _views.Clear();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / perSecond));
        try
        {
            while (acked < maxWrites && clock.Elapsed < duration && await timer.WaitForNextTickAsync(ct))
            {
                var write = Next(node.Name);
                try
                {
                    await write.Send(node.Api, ct);
                    write.Record(true);
                    acked++;
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    // Sent but not acknowledged: it may or may not have been applied.
                    write.Record(false);
                    if (!ct.IsCancellationRequested)
                    {
                        failed++;
                        failure = e.Message;
                    }
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        return new WriterResult(prefix, acked, failed, failure);
    }

    private sealed record Write(Func<NodeClient, CancellationToken, Task> Send, Action<bool> Record);

    private Write Next(string node)
    {
        var k = _random.Next(keys);
        switch (_random.Next(10))
        {
            case < 4:
            {
                var device = $"SIP/{context}-{k}";
                if (_views.Contains(device) && _random.Next(4) == 0)
                {
                    _views.Remove(device);
                    return new Write((api, ct) => api.WithdrawDeviceAsync(device, ct), ok => model.DeviceView(device, node, null, ok));
                }
                var state = DeviceStates[_random.Next(DeviceStates.Length)];
                _views.Add(device);
                return new Write((api, ct) => api.SetDeviceAsync(device, state, ct), ok => model.DeviceView(device, node, state, ok));
            }
            case < 7:
            {
                var mailbox = $"{prefix}-{k}@{context}";
                var (n, o) = (_random.Next(100), _random.Next(100));
                var u = _random.Next(Math.Min(n, 9) + 1);
                return new Write((api, ct) => api.SetMailboxAsync(mailbox, n, o, u, ct), ok => model.Mailbox(mailbox, n, o, u, ok));
            }
            default:
            {
                var presentity = $"{prefix}-{k}";
                var (state, message) = (PresenceStates[_random.Next(PresenceStates.Length)], $"m{_random.Next(1000)}");
                return new Write((api, ct) => api.SetPresenceAsync(presentity, state, message, ct), ok => model.Presence(presentity, state, message, ok));
            }
        }
    }
}
