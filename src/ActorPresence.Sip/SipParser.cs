using System.Globalization;
using System.Text;

namespace ActorPresence.Sip;

/// <summary>The hard limits of what the edge reads. Anything over one of them is refused whole.</summary>
public static class SipLimits
{
    /// <summary>A whole message, start line to the end of the body (the largest UDP payload).</summary>
    public const int MaxMessageBytes = 65_507;

    /// <summary>The start line and headers, up to the blank line.</summary>
    public const int MaxHeadBytes = 16 * 1024;

    public const int MaxHeaders = 64;

    /// <summary>One header's value once folded lines are joined, and the request-URI.</summary>
    public const int MaxHeaderLength = 4096;

    /// <summary>Via values, whether in one header or several.</summary>
    public const int MaxVias = 16;

    /// <summary>A body the edge reads (a PUBLISH's JSON or PIDF).</summary>
    public const int MaxBodyBytes = 16 * 1024;
}

public enum SipParseStatus
{
    Ok,

    /// <summary>A SIP request or response that breaks a rule: a request with enough of its headers
    /// readable gets 400 (<see cref="SipParseResult.Message"/> holds them), anything else is dropped.</summary>
    Bad,

    /// <summary>Not SIP at all: dropped without an answer.</summary>
    Garbage,
}

/// <param name="Message">The message; for <see cref="SipParseStatus.Bad"/>, what could be read of it (null when nothing).</param>
/// <param name="Error">Why the message was refused, for the 400's reason and the log.</param>
public readonly record struct SipParseResult(SipParseStatus Status, SipMessage? Message, string? Error)
{
    /// <summary>Whether a 400 can be sent: a request whose Via, From, To, Call-ID and CSeq were read.</summary>
    public bool CanAnswer =>
        Status == SipParseStatus.Bad && Message is { IsRequest: true } m && m.Method != "ACK"
        && m["Via"] is not null && m["From"] is not null && m["To"] is not null && m["Call-ID"] is { Length: > 0 } && m.CSeq.Number > 0;
}

/// <summary>
/// Reads SIP messages (RFC 3261 section 7) strictly and within <see cref="SipLimits"/>: compact header
/// names are expanded, folded lines joined, the body framed by Content-Length. Never throws on input.
/// </summary>
public static class SipParser
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly Dictionary<string, string> LongNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["i"] = "Call-ID", ["m"] = "Contact", ["e"] = "Content-Encoding", ["l"] = "Content-Length",
        ["c"] = "Content-Type", ["f"] = "From", ["s"] = "Subject", ["k"] = "Supported", ["t"] = "To",
        ["v"] = "Via", ["o"] = "Event", ["u"] = "Allow-Events", ["r"] = "Refer-To", ["b"] = "Referred-By",
        ["x"] = "Session-Expires", ["a"] = "Accept-Contact", ["j"] = "Reject-Contact", ["d"] = "Request-Disposition",
        ["y"] = "Identity", ["n"] = "Identity-Info",
    };

    /// <summary>Headers whose names the edge writes in their usual spelling, whatever case they came in.</summary>
    private static readonly Dictionary<string, string> Canonical = new[]
    {
        "Via", "From", "To", "Call-ID", "CSeq", "Contact", "Content-Length", "Content-Type", "Event", "Expires",
        "Max-Forwards", "Allow-Events", "Accept", "Authorization", "WWW-Authenticate", "Proxy-Authorization",
        "SIP-ETag", "SIP-If-Match", "Subscription-State", "Min-Expires", "Record-Route", "Route", "User-Agent", "Allow",
        "Supported", "Require",
    }.ToDictionary(n => n, StringComparer.OrdinalIgnoreCase);

    /// <summary>Parses one datagram, or one message a stream framer cut out (<see cref="SipStreamFramer"/>).</summary>
    public static SipParseResult Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length > SipLimits.MaxMessageBytes)
        {
            return new(SipParseStatus.Garbage, null, $"message of {data.Length} bytes over {SipLimits.MaxMessageBytes}");
        }
        var headEnd = FindHeadEnd(data, out var separator);
        if (headEnd < 0)
        {
            return new(LooksLikeSip(data) ? SipParseStatus.Bad : SipParseStatus.Garbage, null, "no blank line after the headers");
        }
        if (headEnd > SipLimits.MaxHeadBytes)
        {
            return new(SipParseStatus.Bad, null, $"headers of {headEnd} bytes over {SipLimits.MaxHeadBytes}");
        }
        string head;
        try
        {
            head = StrictUtf8.GetString(data[..headEnd]);
        }
        catch (DecoderFallbackException)
        {
            return new(LooksLikeSip(data) ? SipParseStatus.Bad : SipParseStatus.Garbage, null, "headers are not UTF-8");
        }
        // Lines as ranges of the head (no string per line); a CR before each LF is not part of its line.
        var lines = new List<Range>(16);
        foreach (var range in head.AsSpan().Split('\n'))
        {
            var (offset, length) = range.GetOffsetAndLength(head.Length);
            lines.Add(length > 0 && head[offset + length - 1] == '\r' ? new Range(offset, offset + length - 1) : range);
        }
        var first = 0;
        while (first < lines.Count && head.AsSpan()[lines[first]].IsEmpty)
        {
            first++;
        }
        if (first == lines.Count)
        {
            return new(SipParseStatus.Garbage, null, "empty");
        }
        var message = StartLine(head[lines[first]], out var startError);
        if (message is null)
        {
            return new(startError is null ? SipParseStatus.Garbage : SipParseStatus.Bad, null, startError ?? "not a SIP start line");
        }
        var error = Headers(head, lines, first + 1, message);
        var body = data[(headEnd + separator)..];
        if (error is null)
        {
            error = Body(message, body);
        }
        if (error is null)
        {
            error = Check(message);
        }
        return error is null ? new(SipParseStatus.Ok, message, null) : new(SipParseStatus.Bad, message, error);
    }

    /// <summary>The index of the blank line ending the head, and the length of that separator.</summary>
    internal static int FindHeadEnd(ReadOnlySpan<byte> data, out int separator)
    {
        var limit = Math.Min(data.Length, SipLimits.MaxHeadBytes + 4);
        for (var i = 0; i < limit; i++)
        {
            if (data[i] != '\n')
            {
                continue;
            }
            if (i + 1 < data.Length && data[i + 1] == '\n')
            {
                separator = 2;
                return i;
            }
            if (i + 2 < data.Length && data[i + 1] == '\r' && data[i + 2] == '\n')
            {
                separator = 3;
                return i;
            }
        }
        separator = 0;
        return data.Length > SipLimits.MaxHeadBytes ? SipLimits.MaxHeadBytes + 1 : -1;
    }

    private static bool LooksLikeSip(ReadOnlySpan<byte> data)
    {
        var text = Encoding.ASCII.GetString(data[..Math.Min(data.Length, 256)]);
        return text.StartsWith("SIP/2.0 ", StringComparison.Ordinal) || text.Contains(" SIP/2.0", StringComparison.Ordinal);
    }

    private static SipMessage? StartLine(string line, out string? error)
    {
        error = null;
        if (line.Length > SipLimits.MaxHeaderLength)
        {
            error = "start line too long";
            return null;
        }
        // The version is case-insensitive (RFC 3261 7.1); the edge writes it upper-case.
        const string Version = "SIP/2.0";
        if (line.StartsWith("SIP/", StringComparison.OrdinalIgnoreCase))
        {
            // SIP/2.0 200 OK
            var parts = line.Split(' ', 3);
            if (!parts[0].Equals(Version, StringComparison.OrdinalIgnoreCase))
            {
                error = "unsupported SIP version";
                return null;
            }
            if (parts.Length < 2 || parts[1].Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status) || status < 100 || status > 699)
            {
                error = "malformed status line";
                return null;
            }
            var reason = parts.Length == 3 ? parts[2] : "";
            if (reason.Any(IsControl))
            {
                error = "a control character in the status line";
                return null;
            }
            return SipMessage.Response(status, reason);
        }
        var fields = line.Split(' ');
        if (fields.Length != 3 || !fields[2].StartsWith("SIP/", StringComparison.OrdinalIgnoreCase))
        {
            // Not SIP at all unless it at least ends like a request line.
            error = line.EndsWith(" " + Version, StringComparison.OrdinalIgnoreCase) ? "malformed request line" : null;
            return null;
        }
        if (!fields[2].Equals(Version, StringComparison.OrdinalIgnoreCase))
        {
            error = "unsupported SIP version";
            return null;
        }
        if (fields[0].Length is 0 or > 32 || fields[0].AsSpan().ContainsAnyExcept(TokenChars) || fields[1].Length == 0)
        {
            error = "malformed request line";
            return null;
        }
        if (fields[1].Any(c => IsControl(c) || c == '\t'))
        {
            error = "a control character in the request-URI";
            return null;
        }
        return SipMessage.Request(fields[0], fields[1]);
    }

    private static bool IsControl(char c) => c < ' ' && c != '\t' || c == '\x7f';

    private static readonly System.Buffers.SearchValues<char> ControlChars =
        System.Buffers.SearchValues.Create([.. Enumerable.Range(0, 32).Where(c => c != '\t').Select(c => (char)c), '\x7f']);

    private static string? Headers(string head, List<Range> lines, int from, SipMessage message)
    {
        string? name = null;
        // A header's value; a builder only once a folded line continues it (rare).
        string? value = null;
        StringBuilder? folded = null;
        var vias = 0;
        for (var i = from; i < lines.Count; i++)
        {
            var line = head.AsSpan()[lines[i]];
            if (line.Length == 0)
            {
                continue;
            }
            if (line[0] is ' ' or '\t')
            {
                if (value is null)
                {
                    return "a continuation line before any header";
                }
                folded ??= new StringBuilder(value);
                folded.Append(' ').Append(line.Trim());
                if (folded.Length > SipLimits.MaxHeaderLength)
                {
                    return $"header {name} longer than {SipLimits.MaxHeaderLength}";
                }
                continue;
            }
            if (name is not null)
            {
                var error = AddHeader(message, name, folded?.ToString() ?? value!, ref vias);
                if (error is not null)
                {
                    return error;
                }
            }
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                return "a header line without a colon";
            }
            var rawName = line[..colon].TrimEnd(" \t");
            if (rawName.Length == 0 || rawName.ContainsAnyExcept(TokenChars))
            {
                return "a malformed header name";
            }
            name = NameOf(rawName);
            value = line[(colon + 1)..].Trim().ToString();
            folded = null;
            if (value.Length > SipLimits.MaxHeaderLength)
            {
                return $"header {name} longer than {SipLimits.MaxHeaderLength}";
            }
        }
        return name is null ? null : AddHeader(message, name, folded?.ToString() ?? value!, ref vias);
    }

    private static readonly System.Buffers.SearchValues<char> TokenChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~");

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> LongNameLookup = LongNames.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> CanonicalLookup = Canonical.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>A header's name in its long form and usual spelling, without a new string for the usual headers.</summary>
    private static string NameOf(ReadOnlySpan<char> raw) =>
        LongNameLookup.TryGetValue(raw, out var full) ? full : CanonicalLookup.TryGetValue(raw, out var canonical) ? canonical : raw.ToString();

    private static string? AddHeader(SipMessage message, string name, string value, ref int vias)
    {
        if (message.Headers.Count >= SipLimits.MaxHeaders)
        {
            return $"more than {SipLimits.MaxHeaders} headers";
        }
        if (value.AsSpan().ContainsAny(ControlChars))
        {
            return $"a control character in header {name}";
        }
        if (name == "Via")
        {
            foreach (var via in SipText.SplitList(value))
            {
                if (++vias > SipLimits.MaxVias)
                {
                    return $"more than {SipLimits.MaxVias} Via values";
                }
                if (Via.TryParse(via) is null)
                {
                    return "a malformed Via";
                }
            }
        }
        message.Headers.Add(new SipHeader(name, value));
        return null;
    }

    private static string? Body(SipMessage message, ReadOnlySpan<byte> rest)
    {
        var lengths = message.Headers.Where(h => h.Name == "Content-Length").ToList();
        if (lengths.Count > 1)
        {
            return "more than one Content-Length";
        }
        var length = rest.Length;
        if (lengths.Count == 1)
        {
            if (!int.TryParse(lengths[0].Value, NumberStyles.None, CultureInfo.InvariantCulture, out length))
            {
                return "a malformed Content-Length";
            }
            if (length > rest.Length)
            {
                return $"Content-Length {length} beyond the {rest.Length} bytes received";
            }
        }
        if (length > SipLimits.MaxBodyBytes)
        {
            return $"a body of {length} bytes over {SipLimits.MaxBodyBytes}";
        }
        // Bytes after the declared length are not part of this message (RFC 3261 18.3): dropped.
        message.Body = rest[..length].ToArray();
        return null;
    }

    /// <summary>The headers every request and response must carry, well formed (RFC 3261 8.1.1).</summary>
    private static string? Check(SipMessage message)
    {
        int via = 0, from = 0, to = 0, callIds = 0, cseq = 0;
        foreach (var header in message.Headers)
        {
            switch (header.Name)
            {
                case "Via": via++; break;
                case "From": from++; break;
                case "To": to++; break;
                case "Call-ID": callIds++; break;
                case "CSeq": cseq++; break;
            }
        }
        foreach (var (required, count) in (ReadOnlySpan<(string, int)>)[("Via", via), ("From", from), ("To", to), ("Call-ID", callIds), ("CSeq", cseq)])
        {
            if (count == 0)
            {
                return $"no {required}";
            }
            if (count > 1 && required != "Via")
            {
                return $"more than one {required}";
            }
        }
        var (number, method) = message.CSeq;
        if (number <= 0 || number > uint.MaxValue || method.Length == 0)
        {
            return "a malformed CSeq";
        }
        if (message.IsRequest && method != message.Method)
        {
            return "the CSeq method differs from the request's";
        }
        if (NameAddr.TryParse(message["From"]) is null || NameAddr.TryParse(message["To"]) is null)
        {
            return "a malformed From or To";
        }
        var callId = message["Call-ID"]!;
        if (callId.Length is 0 or > 256 || callId.Any(c => c is <= ' ' or > '~'))
        {
            return "a malformed Call-ID";
        }
        if (message["Max-Forwards"] is { } maxForwards && !int.TryParse(maxForwards, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return "a malformed Max-Forwards";
        }
        if (message.Expires == -1)
        {
            return "a malformed Expires";
        }
        return null;
    }

}
