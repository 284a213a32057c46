using System.Globalization;

namespace ActorPresence.Sip;

/// <summary>A SIP URI as this edge needs it: scheme, user, host, port and parameters.</summary>
public sealed record SipUri(string Scheme, string? User, string Host, int? Port, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>Parses <c>sip:user@host:port;params</c> (sips too); headers after '?' are ignored. Null when malformed.</summary>
    public static SipUri? TryParse(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > SipLimits.MaxHeaderLength)
        {
            return null;
        }
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return null;
        }
        var scheme = text[..colon].ToLowerInvariant();
        if (scheme is not ("sip" or "sips"))
        {
            return null;
        }
        var rest = text[(colon + 1)..];
        // Headers start at a '?' after the host ('?' is allowed in the user part).
        var question = rest.IndexOf('?', rest.IndexOf('@', StringComparison.Ordinal) + 1);
        if (question >= 0)
        {
            rest = rest[..question];
        }
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var semi = rest.IndexOf(';', rest.IndexOf('@', StringComparison.Ordinal) + 1);
        if (semi >= 0)
        {
            foreach (var p in rest[(semi + 1)..].Split(';'))
            {
                var eq = p.IndexOf('=', StringComparison.Ordinal);
                var name = (eq < 0 ? p : p[..eq]).Trim();
                if (name.Length > 0)
                {
                    parameters[name] = eq < 0 ? "" : p[(eq + 1)..].Trim();
                }
            }
            rest = rest[..semi];
        }
        string? user = null;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            user = rest[..at];
            var password = user.IndexOf(':', StringComparison.Ordinal);
            if (password >= 0)
            {
                user = user[..password];
            }
            user = Uri.UnescapeDataString(user);
            rest = rest[(at + 1)..];
            if (user.Length == 0)
            {
                return null;
            }
        }
        var (host, port) = SipText.HostPort(rest);
        return host is null ? null : new SipUri(scheme, user, host, port, parameters);
    }

    /// <summary>The host as it goes in a URI: an IPv6 address in brackets.</summary>
    public string HostText => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;

    public override string ToString()
    {
        var text = $"{Scheme}:{(User is null ? "" : User + "@")}{HostText}{(Port is { } p ? ":" + p.ToString(CultureInfo.InvariantCulture) : "")}";
        foreach (var (name, value) in Parameters)
        {
            text += value.Length == 0 ? $";{name}" : $";{name}={value}";
        }
        return text;
    }
}

/// <summary>A name-addr or addr-spec (From, To, Contact): the URI, and the header parameters such as tag.</summary>
public sealed record NameAddr(string Uri, IReadOnlyDictionary<string, string> Parameters)
{
    public string? Tag => Parameters.GetValueOrDefault("tag");

    public static NameAddr? TryParse(string? value)
    {
        if (value is null)
        {
            return null;
        }
        value = value.Trim();
        string uri;
        string rest;
        var open = SipText.IndexOutsideQuotes(value, '<');
        if (open >= 0)
        {
            var close = value.IndexOf('>', open);
            if (close < 0)
            {
                return null;
            }
            uri = value[(open + 1)..close].Trim();
            rest = value[(close + 1)..];
        }
        else
        {
            // addr-spec: the URI's own parameters cannot be told from the header's, so all go to the header (RFC 3261 20.10).
            var semi = value.IndexOf(';', StringComparison.Ordinal);
            uri = (semi < 0 ? value : value[..semi]).Trim();
            rest = semi < 0 ? "" : value[semi..];
        }
        if (uri.Length == 0 || uri.Any(char.IsWhiteSpace))
        {
            return null;
        }
        return new NameAddr(uri, SipText.Parameters(rest));
    }
}

/// <summary>One Via value: transport, sent-by and the parameters (branch, received, rport).</summary>
public sealed record Via(string Transport, string Host, int? Port, IReadOnlyDictionary<string, string> Parameters)
{
    public string? Branch => Parameters.GetValueOrDefault("branch");

    public static Via? TryParse(string value)
    {
        // SIP / 2.0 / UDP host:port;params
        var semi = value.IndexOf(';', StringComparison.Ordinal);
        var head = semi < 0 ? value : value[..semi];
        var parts = head.Split('/', 3);
        if (parts.Length != 3 || !parts[0].Trim().Equals("SIP", StringComparison.OrdinalIgnoreCase) || parts[1].Trim() != "2.0")
        {
            return null;
        }
        var last = parts[2].Trim();
        var space = last.IndexOfAny([' ', '\t']);
        if (space <= 0)
        {
            return null;
        }
        var transport = last[..space].ToUpperInvariant();
        var (host, port) = SipText.HostPort(last[(space + 1)..].Trim());
        return host is null ? null : new Via(transport, host, port, SipText.Parameters(semi < 0 ? "" : value[semi..]));
    }
}

internal static class SipText
{
    /// <summary>Splits a header value at commas that are outside quotes and angle brackets.</summary>
    public static IEnumerable<string> SplitList(string value)
    {
        var start = 0;
        var quoted = false;
        var angle = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                continue;
            }
            switch (c)
            {
                case '"':
                    quoted = true;
                    break;
                case '<':
                    angle = true;
                    break;
                case '>':
                    angle = false;
                    break;
                case ',' when !angle:
                    var item = value[start..i].Trim();
                    if (item.Length > 0)
                    {
                        yield return item;
                    }
                    start = i + 1;
                    break;
            }
        }
        var tail = value[start..].Trim();
        if (tail.Length > 0)
        {
            yield return tail;
        }
    }

    public static int IndexOutsideQuotes(string value, char wanted)
    {
        var quoted = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (quoted && c == '\\')
            {
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == wanted)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary><c>;a=b;c</c> into a dictionary (names case-insensitive, quotes removed from values).</summary>
    public static Dictionary<string, string> Parameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in text.Split(';'))
        {
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            var name = (eq < 0 ? p : p[..eq]).Trim();
            if (name.Length == 0)
            {
                continue;
            }
            var value = eq < 0 ? "" : p[(eq + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
            {
                value = value[1..^1];
            }
            result[name] = value;
        }
        return result;
    }

    /// <summary><c>host</c>, <c>host:port</c>, <c>[v6]</c> or <c>[v6]:port</c>; host null when malformed.</summary>
    public static (string? Host, int? Port) HostPort(string text)
    {
        if (text.Length == 0)
        {
            return (null, null);
        }
        string host;
        string? portText = null;
        if (text[0] == '[')
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 2)
            {
                return (null, null);
            }
            host = text[1..close];
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':')
                {
                    return (null, null);
                }
                portText = text[(close + 2)..];
            }
        }
        else
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            host = colon < 0 ? text : text[..colon];
            portText = colon < 0 ? null : text[(colon + 1)..];
        }
        if (host.Length == 0 || host.Length > 255 || host.Any(c => c is <= ' ' or > '~' or '@' or '<' or '>' or ';' or ',' or '"'))
        {
            return (null, null);
        }
        if (portText is null)
        {
            return (host, null);
        }
        return int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? (host, port)
            : (null, null);
    }

    /// <summary>Quotes a string for a header parameter (digest challenges).</summary>
    public static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
