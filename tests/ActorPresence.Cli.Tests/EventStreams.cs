using System.Text;

namespace ActorPresence.Cli.Tests;

/// <summary>
/// An event-stream body that serves its text and then stays open, as a node's stream does. A read
/// past the text calls <paramref name="drained"/> (a test's "Ctrl-C") and waits to be cancelled; if
/// nothing cancels it within a few seconds it fails the read, so a CLI that does not stop makes the
/// test fail instead of hanging.
/// </summary>
public sealed class OpenEventStream(string text, Action? drained = null) : Stream
{
    private readonly MemoryStream _text = new(Encoding.UTF8.GetBytes(text));

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = _text.Read(buffer.Span);
        if (read > 0)
        {
            return read;
        }
        drained?.Invoke();
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        throw new IOException("the test's event stream was read past its events: the CLI did not stop");
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

public static class EventStreams
{
    /// <summary>
    /// Three events as a node sends them: a comment first, a device event whose data spans two
    /// lines, a keep-alive comment, a mailbox event, then a presence event; CRLF and LF mixed.
    /// </summary>
    public const string ThreeEvents =
        ": connected\n"
        + "\n"
        + "event: device\n"
        + "data: {\"kind\":\"device\",\"id\":\"PJSIP/1000\",\"origin\":\"pbx2\",\"initial\":true,\n"
        + "data: \"value\":{\"device\":\"PJSIP/1000\",\"state\":\"INUSE\",\"views\":[{\"node\":\"pbx2\",\"state\":\"INUSE\",\"updatedAt\":\"2026-11-26T06:40:00+00:00\"}]}}\n"
        + "\n"
        + ": keep-alive\n"
        + "\n"
        + "event: mailbox\r\n"
        + "data: {\"kind\":\"mailbox\",\"id\":\"1000@default\",\"origin\":\"pbx1\",\"initial\":false,\"value\":" + Samples.Mailbox + "}\r\n"
        + "\r\n"
        + "event: presence\n"
        + "data:{\"kind\":\"presence\",\"id\":\"alice\",\"origin\":\"pbx2\",\"initial\":false,\"value\":" + Samples.Presence + "}\n"
        + "\n";

    public const string DeviceLine = "device PJSIP/1000 INUSE [pbx2=INUSE] from pbx2 (initial)";
    public const string MailboxLine = "mailbox 1000@default new=2 old=5 urgent=1 from pbx1";
    public const string PresenceLine = "presence alice away message=\"lunch\" from pbx2";

    public static Stream Ended(string text) => new MemoryStream(Encoding.UTF8.GetBytes(text));
}
