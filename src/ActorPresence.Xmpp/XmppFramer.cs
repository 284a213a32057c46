namespace ActorPresence.Xmpp;

/// <summary>A connection ends because the peer broke the protocol; the bridge logs it, counts it and connects again.</summary>
public sealed class XmppProtocolException(string reason, string message) : Exception(message)
{
    /// <summary>A short label for metrics: oversized, malformed, stream-error, …</summary>
    public string Reason { get; } = reason;
}

internal enum XmppFrameKind
{
    /// <summary>The opening tag of the peer's stream (after a restart: the new stream's).</summary>
    StreamOpen,

    /// <summary>One complete top-level element: a stanza, or a stream-level element such as features.</summary>
    Element,

    /// <summary>The peer closed its stream.</summary>
    StreamClose,
}

internal readonly record struct XmppFrame(XmppFrameKind Kind, byte[] Bytes);

/// <summary>
/// Cuts the bytes of an XMPP stream into its opening tag and its top-level elements, without parsing
/// them (each is parsed on its own afterwards, with DTD processing prohibited). Markup is ASCII, so the
/// cut is made on bytes; quoted attribute values and CDATA sections are skipped. What RFC 6120 §11.1
/// forbids in a stream (comments, processing instructions, DTDs) ends the stream, and so does anything
/// beyond the limits: an opening tag larger than 4 KiB, an element larger than
/// <paramref name="maxElementBytes"/>, or nested deeper than <paramref name="maxDepth"/>.
/// </summary>
internal sealed class XmppFramer(int maxElementBytes, int maxDepth = 32)
{
    public const int MaxStreamHeaderBytes = 4096;

    private enum State
    {
        Text,
        TagOpen,
        InTag,
        Cdata,
        Declaration,
    }

    private static ReadOnlySpan<byte> CdataStart => "![CDATA["u8;

    private byte[] _buffer = new byte[8192];
    private int _length;
    private int _position;
    private int _frameStart = -1;
    private int _tagStart;
    private bool _inStream;
    private int _depth;
    private State _state;
    private byte _quote;
    private bool _endTag;
    private byte _previous;
    private int _match;

    public int MaxElementBytes => maxElementBytes;

    /// <summary>A new stream follows (after STARTTLS or SASL): its declaration and opening tag come next.</summary>
    public void Restart()
    {
        _length = 0;
        _position = 0;
        _frameStart = -1;
        _inStream = false;
        _depth = 0;
        _state = State.Text;
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        // Drop what is consumed: everything before the element being read, or before the scan position.
        var keepFrom = _frameStart >= 0 ? _frameStart : (_state == State.Text ? _position : _tagStart);
        if (keepFrom > 0)
        {
            Buffer.BlockCopy(_buffer, keepFrom, _buffer, 0, _length - keepFrom);
            _length -= keepFrom;
            _position -= keepFrom;
            _tagStart -= keepFrom;
            if (_frameStart >= 0)
            {
                _frameStart -= keepFrom;
            }
        }
        if (_length + data.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + data.Length));
        }
        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
    }

    /// <summary>The next complete frame, or false when more bytes are needed.</summary>
    /// <exception cref="XmppProtocolException">The stream broke a rule or a limit.</exception>
    public bool TryRead(out XmppFrame frame)
    {
        frame = default;
        while (_position < _length)
        {
            var b = _buffer[_position];
            switch (_state)
            {
                case State.Text:
                    if (b == '<')
                    {
                        _state = State.TagOpen;
                        _tagStart = _position;
                    }
                    else if (_depth == 0 && !IsSpace(b))
                    {
                        throw new XmppProtocolException("malformed", "text outside any element");
                    }
                    _position++;
                    break;

                case State.TagOpen:
                    if (b == '/')
                    {
                        _endTag = true;
                        _state = State.InTag;
                        _position++;
                    }
                    else if (b == '?')
                    {
                        if (_inStream)
                        {
                            throw new XmppProtocolException("malformed", "a processing instruction inside the stream");
                        }
                        _state = State.Declaration;
                        _previous = 0;
                        _position++;
                    }
                    else if (b == '!')
                    {
                        if (_length - _position < CdataStart.Length)
                        {
                            return false;
                        }
                        if (_depth == 0 || !_buffer.AsSpan(_position, CdataStart.Length).SequenceEqual(CdataStart))
                        {
                            throw new XmppProtocolException("malformed", "a comment or DTD in the stream");
                        }
                        _state = State.Cdata;
                        _match = 0;
                        _position += CdataStart.Length;
                    }
                    else
                    {
                        _endTag = false;
                        _state = State.InTag;
                        if (_depth == 0)
                        {
                            _frameStart = _tagStart;
                        }
                        _previous = 0;
                        _position++;
                    }
                    break;

                case State.InTag:
                    _position++;
                    if (_quote != 0)
                    {
                        if (b == _quote)
                        {
                            _quote = 0;
                        }
                    }
                    else if (b is (byte)'"' or (byte)'\'')
                    {
                        _quote = b;
                    }
                    else if (b == '<')
                    {
                        throw new XmppProtocolException("malformed", "'<' inside a tag");
                    }
                    else if (b == '>')
                    {
                        // The '>' that completes a frame counts too: checked before the frame is handed out.
                        CheckSize();
                        _state = State.Text;
                        if (TagClosed(out frame))
                        {
                            return true;
                        }
                        break;
                    }
                    _previous = b;
                    break;

                case State.Cdata:
                    _position++;
                    _match = b == ']' ? Math.Min(_match + 1, 2) : (b == '>' && _match == 2 ? 3 : 0);
                    if (_match == 3)
                    {
                        _state = State.Text;
                    }
                    break;

                case State.Declaration:
                    _position++;
                    if (b == '>' && _previous == '?')
                    {
                        _state = State.Text;
                    }
                    _previous = b;
                    if (_position - _tagStart > MaxStreamHeaderBytes)
                    {
                        throw new XmppProtocolException("oversized", "an XML declaration larger than 4 KiB");
                    }
                    break;
            }
            CheckSize();
        }
        return false;
    }

    /// <summary>A tag ended at <c>_position - 1</c>; true with a frame when it completed one.</summary>
    private bool TagClosed(out XmppFrame frame)
    {
        frame = default;
        if (!_inStream)
        {
            if (_endTag || _previous == '/')
            {
                throw new XmppProtocolException("malformed", "the stream did not start with an opening tag");
            }
            _inStream = true;
            frame = new XmppFrame(XmppFrameKind.StreamOpen, Take(_frameStart));
            return true;
        }
        if (_endTag)
        {
            if (_depth == 0)
            {
                _frameStart = -1;
                frame = new XmppFrame(XmppFrameKind.StreamClose, []);
                return true;
            }
            _depth--;
        }
        else if (_previous != '/')
        {
            _depth++;
            if (_depth > maxDepth)
            {
                throw new XmppProtocolException("oversized", $"elements nested deeper than {maxDepth}");
            }
        }
        if (_depth == 0)
        {
            frame = new XmppFrame(XmppFrameKind.Element, Take(_frameStart));
            return true;
        }
        return false;
    }

    private byte[] Take(int start)
    {
        var bytes = _buffer.AsSpan(start, _position - start).ToArray();
        _frameStart = -1;
        return bytes;
    }

    private void CheckSize()
    {
        if (_frameStart < 0)
        {
            if (_state != State.Text && _position - _tagStart > MaxStreamHeaderBytes)
            {
                throw new XmppProtocolException("oversized", "a tag larger than 4 KiB");
            }
            return;
        }
        var size = _position - _frameStart;
        if (!_inStream && size > MaxStreamHeaderBytes)
        {
            throw new XmppProtocolException("oversized", "a stream header larger than 4 KiB");
        }
        if (size > maxElementBytes)
        {
            throw new XmppProtocolException("oversized", $"a stanza larger than {maxElementBytes} bytes");
        }
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
