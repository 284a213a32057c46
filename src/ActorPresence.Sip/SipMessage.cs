using System.Globalization;
using System.Text;

namespace ActorPresence.Sip;

/// <summary>One header line, its name in the long form (compact forms are expanded when parsed).</summary>
public readonly record struct SipHeader(string Name, string Value);

/// <summary>
/// A SIP request or response as this edge handles it: the start line, the headers in order (names in
/// their long form; a header given as a comma-separated list stays one entry) and the body.
/// </summary>
public sealed class SipMessage
{
    private SipMessage(string? method, string? requestUri, int status, string? reason, List<SipHeader> headers, byte[] body)
    {
        Method = method;
        RequestUri = requestUri;
        Status = status;
        Reason = reason;
        Headers = headers;
        Body = body;
    }

    /// <summary>The method of a request; null for a response.</summary>
    public string? Method { get; }

    public string? RequestUri { get; }

    /// <summary>The status code of a response; 0 for a request.</summary>
    public int Status { get; }

    public string? Reason { get; }

    public bool IsRequest => Method is not null;

    public List<SipHeader> Headers { get; }

    public byte[] Body { get; set; }

    public static SipMessage Request(string method, string uri) => new(method, uri, 0, null, [], []);

    public static SipMessage Response(int status, string reason) => new(null, null, status, reason, [], []);

    /// <summary>The first value of a header (by its long name, case-insensitive), or null.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var h in Headers)
            {
                if (string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return h.Value;
                }
            }
            return null;
        }
    }

    /// <summary>Every value of a header, lists split at their top-level commas.</summary>
    public IEnumerable<string> Values(string name)
    {
        foreach (var h in Headers)
        {
            if (string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                foreach (var item in SipText.SplitList(h.Value))
                {
                    yield return item;
                }
            }
        }
    }

    public SipMessage Add(string name, string value)
    {
        Headers.Add(new SipHeader(name, value));
        return this;
    }

    /// <summary>The CSeq's number and method; (0, "") when it is missing or malformed (the parser refuses such requests).</summary>
    public (long Number, string Method) CSeq
    {
        get
        {
            var value = this["CSeq"];
            if (value is null)
            {
                return (0, "");
            }
            var parts = value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? (n, parts[1])
                : (0, "");
        }
    }

    /// <summary>The Expires header as a number of seconds; null when absent, -1 when malformed.</summary>
    public long? Expires
    {
        get
        {
            var value = this["Expires"]?.Trim();
            if (value is null)
            {
                return null;
            }
            return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? Math.Min(n, uint.MaxValue) : -1;
        }
    }

    /// <summary>The message as sent: start line, headers with a Content-Length that matches the body, body.</summary>
    public byte[] ToBytes()
    {
        var text = new StringBuilder(256 + Headers.Count * 48);
        if (IsRequest)
        {
            text.Append(Method).Append(' ').Append(RequestUri).Append(" SIP/2.0\r\n");
        }
        else
        {
            text.Append("SIP/2.0 ").Append(Status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Reason).Append("\r\n");
        }
        foreach (var h in Headers)
        {
            if (!string.Equals(h.Name, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                text.Append(h.Name).Append(": ").Append(h.Value).Append("\r\n");
            }
        }
        text.Append("Content-Length: ").Append(Body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
        var head = text.ToString();
        var headBytes = Encoding.UTF8.GetByteCount(head);
        var bytes = new byte[headBytes + Body.Length];
        Encoding.UTF8.GetBytes(head, bytes);
        Body.CopyTo(bytes, headBytes);
        return bytes;
    }

    public override string ToString() => Encoding.UTF8.GetString(ToBytes());
}
