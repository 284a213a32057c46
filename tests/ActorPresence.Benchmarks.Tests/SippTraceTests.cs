using System.Globalization;

namespace ActorPresence.Benchmarks.Tests;

/// <summary>How the SIP phase reads sipp's message trace: which NOTIFYs count, for which lamp, in which dialog state, when.</summary>
public sealed class SippTraceTests : IDisposable
{
    private readonly string _trace = Path.Combine(Path.GetTempPath(), $"ap-sipp-trace-{Guid.NewGuid():N}.log");

    public void Dispose() => File.Delete(_trace);

    [Fact]
    public void Each_received_NOTIFY_gives_its_lamp_its_dialog_state_and_the_time_sipp_logged_it()
    {
        File.WriteAllText(_trace, string.Concat(
            Message("2026-11-30 18:00:01.250000", "UDP message received [612] bytes :", "NOTIFY", 7, "early"),
            Message("2026-11-30 18:00:01.500000", "UDP message sent (380 bytes):", "NOTIFY", 8, "confirmed"),
            Message("2026-11-30 18:00:02.000125", "UDP message received [640] bytes :", "NOTIFY", 8, "confirmed"),
            Message("2026-11-30 18:00:02.500000", "UDP message received [320] bytes :", "SIP/2.0 200 OK", 9, "terminated"),
            Message("2026-11-30 18:00:03.000000", "UDP message received [600] bytes :", "NOTIFY", 12, "terminated")));

        var notifies = SippTrace.Notifies(_trace).ToList();

        Assert.Equal(
            [(7, "early", At("2026-11-30 18:00:01.250000")), (8, "confirmed", At("2026-11-30 18:00:02.000125")), (12, "terminated", At("2026-11-30 18:00:03.000000"))],
            notifies);
    }

    [Fact]
    public void A_missing_trace_gives_no_NOTIFY()
    {
        Assert.Empty(SippTrace.Notifies(_trace));
    }

    private static string Message(string stamp, string direction, string startLine, int user, string state)
    {
        var first = startLine == "NOTIFY" ? $"NOTIFY sip:b{user}@127.0.0.1:5070 SIP/2.0" : startLine;
        return $"----------------------------------------------- {stamp}\n{direction}\n\n{first}\nEvent: dialog\nContent-Type: application/dialog-info+xml\n\n"
            + $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"2\" state=\"full\" entity=\"sip:b{user}@bench.test\">"
            + $"<dialog id=\"b{user}\"><state>{state}</state></dialog></dialog-info>\n\n";
    }

    private static DateTimeOffset At(string stamp) =>
        new(DateTime.ParseExact(stamp, "yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal).ToUniversalTime(), TimeSpan.Zero);
}
