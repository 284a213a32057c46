using System.Globalization;
using System.Text;

namespace ActorPresence.Sip;

/// <summary>
/// Cuts SIP messages out of a TCP byte stream (RFC 3261 18.3): the head up to the blank line, then as
/// many body bytes as its Content-Length says, which a stream message must carry. CRLF keep-alives
/// between messages are skipped. Any framing error closes the connection: there is no resynchronising
/// a stream once a length is wrong.
/// </summary>
public sealed class SipStreamFramer
{
    private byte[] _buffer = new byte[4096];
    private int _length;

    /// <summary>Appends received bytes; false when the buffered message would exceed the limits.</summary>
    public bool Append(ReadOnlySpan<byte> data)
    {
        if (_length + data.Length > SipLimits.MaxMessageBytes + 4)
        {
            return false;
        }
        if (_length + data.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Min(Math.Max(_buffer.Length * 2, _length + data.Length), SipLimits.MaxMessageBytes + 4));
        }
        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
        return true;
    }

    /// <summary>The next whole message, if one has arrived; <paramref name="error"/> set when the stream is broken.</summary>
    public byte[]? Next(out string? error)
    {
        error = null;
        var skip = 0;
        while (skip < _length && _buffer[skip] is (byte)'\r' or (byte)'\n')
        {
            skip++;
        }
        if (skip > 0)
        {
            Consume(skip);
        }
        if (_length == 0)
        {
            return null;
        }
        var data = _buffer.AsSpan(0, _length);
        var headEnd = SipParser.FindHeadEnd(data, out var separator);
        if (headEnd < 0)
        {
            return null;
        }
        if (headEnd > SipLimits.MaxHeadBytes)
        {
            error = $"headers over {SipLimits.MaxHeadBytes} bytes";
            return null;
        }
        var length = ContentLength(Encoding.Latin1.GetString(data[..headEnd]));
        if (length is null)
        {
            error = "a message on a stream without a valid Content-Length";
            return null;
        }
        var total = headEnd + separator + length.Value;
        if (length > SipLimits.MaxBodyBytes || total > SipLimits.MaxMessageBytes)
        {
            error = $"a body of {length} bytes over the limit";
            return null;
        }
        if (_length < total)
        {
            return null;
        }
        var message = data[..total].ToArray();
        Consume(total);
        return message;
    }

    private void Consume(int count)
    {
        _buffer.AsSpan(count, _length - count).CopyTo(_buffer);
        _length -= count;
    }

    private static int? ContentLength(string head)
    {
        int? found = null;
        foreach (var raw in head.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line[0] is ' ' or '\t')
            {
                continue;
            }
            var name = line[..colon].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("l", StringComparison.OrdinalIgnoreCase))
            {
                if (found is not null || !int.TryParse(line[(colon + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    return null;
                }
                found = n;
            }
        }
        return found;
    }
}
