using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorPresence.Benchmarks;

/// <summary>sipp's message trace (<c>-trace_msg</c>), read back: what the benchmark's phones received.</summary>
internal static partial class SippTrace
{
    /// <summary>Every NOTIFY sipp received for a lamp: the user it was for (b123 → 123), the dialog state
    /// it showed (confirmed, early, terminated) and when sipp received it, from its message trace.</summary>
    public static IEnumerable<(int User, string State, DateTimeOffset At)> Notifies(string trace)
    {
        if (!File.Exists(trace))
        {
            yield break;
        }
        DateTimeOffset? at = null;
        var received = false;
        var isNotify = false;
        int? user = null;
        string? state = null;
        foreach (var line in File.ReadLines(trace))
        {
            if (line.StartsWith("----------", StringComparison.Ordinal))
            {
                if (received && isNotify && state is not null && user is { } u && at is { } t)
                {
                    yield return (u, state, t);
                }
                var stamp = line.TrimStart('-').Trim();
                at = DateTime.TryParseExact(stamp, "yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var local)
                    ? new DateTimeOffset(local.ToUniversalTime(), TimeSpan.Zero)
                    : null;
                received = isNotify = false;
                user = null;
                state = null;
                continue;
            }
            if (line.StartsWith("UDP message received", StringComparison.Ordinal))
            {
                received = true;
            }
            else if (received && line.StartsWith("NOTIFY ", StringComparison.Ordinal))
            {
                isNotify = true;
            }
            else if (isNotify && Entity().Match(line) is { Success: true } m)
            {
                user = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                state = DialogState().Match(line) is { Success: true } s ? s.Groups[1].Value : null;
            }
        }
        if (received && isNotify && state is not null && user is { } last && at is { } lastAt)
        {
            yield return (last, state, lastAt);
        }
    }

    [GeneratedRegex("<state>([a-z]+)</state>")]
    private static partial Regex DialogState();

    [GeneratedRegex("entity=\"sip:b([0-9]+)@")]
    private static partial Regex Entity();
}
