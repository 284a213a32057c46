using System.Text;

namespace ActorPresence.Domain;

/// <summary>A device id such as <c>PJSIP/1000</c> or <c>Custom:lamp1</c>: 1–128 printable ASCII characters, no whitespace.</summary>
public sealed record DeviceId : IComparable<DeviceId>
{
    public const int MaxLength = 128;

    public DeviceId(string value)
    {
        Value = IdRules.PrintableAscii(value, "device", MaxLength);
    }

    public string Value { get; }

    public int CompareTo(DeviceId? other) => string.CompareOrdinal(Value, other?.Value);

    public override string ToString() => Value;
}

/// <summary>
/// A voicemail mailbox, <c>box@context</c>; a bare <c>box</c> means <c>box@default</c>. Both parts are
/// 1–64 printable ASCII characters without whitespace or <c>@</c>.
/// </summary>
public sealed record MailboxId : IComparable<MailboxId>
{
    public const int MaxPartLength = 64;
    public const string DefaultContext = "default";

    public MailboxId(string value)
    {
        if (value is null)
        {
            throw new ValidationException("mailbox", "is required (box@context)");
        }
        var at = value.IndexOf('@');
        var box = at < 0 ? value : value[..at];
        var context = at < 0 ? DefaultContext : value[(at + 1)..];
        Box = IdRules.PrintableAscii(box, "mailbox", MaxPartLength, "box@context: the box part", forbidden: '@');
        Context = IdRules.PrintableAscii(context, "mailbox", MaxPartLength, "box@context: the context part", forbidden: '@');
    }

    public string Box { get; }

    public string Context { get; }

    /// <summary>The canonical form, always with its context.</summary>
    public string Value => $"{Box}@{Context}";

    public int CompareTo(MailboxId? other) => string.CompareOrdinal(Value, other?.Value);

    public override string ToString() => Value;
}

/// <summary>A presentity such as <c>alice</c>: 1–128 printable characters (any script, no control characters).</summary>
public sealed record PresentityId : IComparable<PresentityId>
{
    public const int MaxLength = 128;

    public PresentityId(string value)
    {
        Value = IdRules.PrintableText(value, "presentity", 1, MaxLength);
    }

    public string Value { get; }

    public int CompareTo(PresentityId? other) => string.CompareOrdinal(Value, other?.Value);

    public override string ToString() => Value;
}

/// <summary>
/// A node's stable, operator-chosen name (Asterisk's EID): it names the node's device views, survives
/// restarts and is the origin of every event. 1–64 characters of <c>A–Z a–z 0–9 . _ -</c>.
/// </summary>
public sealed record NodeName : IComparable<NodeName>
{
    public const int MaxLength = 64;

    public NodeName(string value)
    {
        if (value is null || value.Length is 0 or > MaxLength || !value.All(IsAllowed))
        {
            throw new ValidationException(
                "node-name",
                $"must be 1–{MaxLength} characters of letters, digits, '.', '_' or '-' (got {IdRules.Describe(value)})");
        }
        Value = value;
    }

    private NodeName(string value, bool _)
    {
        Value = value;
    }

    /// <summary>
    /// The writer a stamp names, as it is stored: a node of this site (<c>node1</c>), a node of another
    /// site whose value was imported (<c>node1@berlin</c>), or a site whose aggregate a device view holds
    /// (<c>@berlin</c>). Not validated again: names are checked where they enter (configuration, the
    /// site link).
    /// </summary>
    public static NodeName OfWriter(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return new NodeName(stored, false);
    }

    /// <summary>A node of another site, as its imported values name their writer: <c>node1@berlin</c>.</summary>
    public static NodeName Imported(NodeName node, SiteId site) => new($"{node.Value}{SiteId.Marker}{site.Value}", false);

    public string Value { get; }

    /// <summary>The site a writer belongs to when it is not this one (<c>node1@berlin</c>, <c>@berlin</c>); null for a node of this site.</summary>
    public SiteId? Site
    {
        get
        {
            var at = Value.IndexOf(SiteId.Marker, StringComparison.Ordinal);
            return at >= 0 && SiteId.TryParseView(Value[at..], out var site) ? site : null;
        }
    }

    public int CompareTo(NodeName? other) => string.CompareOrdinal(Value, other?.Value);

    public override string ToString() => Value;

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
}

/// <summary>
/// A site: one cluster among several linked across the internet (docs/federation.md). Every node of a
/// cluster has the same site id; a peer site's aggregate of a device shows as the view <c>@&lt;site&gt;</c>.
/// 1–32 characters of <c>a–z 0–9 -</c>.
/// </summary>
public sealed record SiteId : IComparable<SiteId>
{
    public const int MaxLength = 32;

    /// <summary>The site of a node that is not told its own: a lone cluster.</summary>
    public static SiteId Local { get; } = new("local");

    /// <summary>What marks a device view, and the writer of a mailbox or presence value, as imported from a site.</summary>
    public const char Marker = '@';

    public SiteId(string value)
    {
        if (value is null || value.Length is 0 or > MaxLength || !value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new ValidationException("site", $"must be 1–{MaxLength} characters of a–z, 0–9 or '-' (got {IdRules.Describe(value)})");
        }
        Value = value;
    }

    public string Value { get; }

    /// <summary>The name of the device view that holds this site's aggregate: <c>@berlin</c>.</summary>
    public string ViewName => Marker + Value;

    /// <summary>The site whose aggregate a view named <paramref name="view"/> holds, if it is a site view.</summary>
    public static bool TryParseView(string view, out SiteId? site)
    {
        site = null;
        if (view.Length < 2 || view[0] != Marker)
        {
            return false;
        }
        try
        {
            site = new SiteId(view[1..]);
            return true;
        }
        catch (ValidationException)
        {
            return false;
        }
    }

    public int CompareTo(SiteId? other) => string.CompareOrdinal(Value, other?.Value);

    public override string ToString() => Value;
}

internal static class IdRules
{
    public static string PrintableAscii(string? value, string field, int maxLength, string? what = null, char? forbidden = null)
    {
        var ok = value is { Length: > 0 } && value.Length <= maxLength
            && value.All(c => c is > ' ' and <= '~' && c != forbidden);
        if (!ok)
        {
            var extra = forbidden is { } f ? $" or '{f}'" : "";
            var subject = what is null ? "must be" : $"{what} must be";
            throw new ValidationException(
                field,
                $"{subject} 1–{maxLength} printable ASCII characters without whitespace{extra} (got {Describe(value)})");
        }
        return value!;
    }

    /// <summary>Text of printable characters: no control characters, well-formed UTF-16, length counted in characters (runes).</summary>
    public static string PrintableText(string? value, string field, int minLength, int maxLength)
    {
        var count = 0;
        var ok = value is not null;
        if (ok)
        {
            var span = value.AsSpan();
            while (!span.IsEmpty)
            {
                if (Rune.DecodeFromUtf16(span, out var rune, out var used) != System.Buffers.OperationStatus.Done
                    || Rune.IsControl(rune))
                {
                    ok = false;
                    break;
                }
                count++;
                span = span[used..];
            }
        }
        if (!ok || count < minLength || count > maxLength)
        {
            throw new ValidationException(
                field,
                $"must be {minLength}–{maxLength} printable characters, no control characters (got {Describe(value)})");
        }
        return value!;
    }

    public static string Describe(string? value) => value switch
    {
        null => "nothing",
        { Length: 0 } => "an empty value",
        { Length: > 40 } => $"{value.Length} characters",
        _ => $"'{Escape(value)}'",
    };

    private static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c) && c != ' ')
            {
                sb.Append($"\\u{(int)c:x4}");
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}

/// <summary>
/// An Asterisk server's entity id (its EID, <c>eid</c> in asterisk.conf): six bytes written as hex pairs
/// separated by colons, kept lower-case as Asterisk prints it (<c>02:00:00:00:00:01</c>). A device view an
/// Asterisk server published through the SIP edge is named <c>ast:&lt;eid&gt;</c>.
/// </summary>
public sealed record AsteriskEid
{
    /// <summary>What starts the name of a view set by an Asterisk server.</summary>
    public const string ViewPrefix = "ast:";

    public AsteriskEid(string value)
    {
        if (!TryNormalize(value, out var normalized))
        {
            throw new ValidationException("eid", $"must be six hex bytes separated by ':', e.g. 02:00:00:00:00:01 (got {IdRules.Describe(value)})");
        }
        Value = normalized;
    }

    public string Value { get; }

    /// <summary>The device view this server's state is held in: <c>ast:02:00:00:00:00:01</c>.</summary>
    public string ViewName => ViewPrefix + Value;

    /// <summary>An EID made from six bytes (a hash of a node name, say); the first byte's low bits are set as a
    /// locally administered unicast MAC address's are, so it never collides with a real interface's.</summary>
    public static AsteriskEid FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 6)
        {
            throw new ArgumentException("an EID needs six bytes", nameof(bytes));
        }
        var first = (byte)((bytes[0] | 0x02) & 0xFE);
        return new AsteriskEid($"{first:x2}:{bytes[1]:x2}:{bytes[2]:x2}:{bytes[3]:x2}:{bytes[4]:x2}:{bytes[5]:x2}");
    }

    public static bool TryParse(string? value, out AsteriskEid? eid)
    {
        eid = TryNormalize(value, out var normalized) ? new AsteriskEid(normalized) : null;
        return eid is not null;
    }

    /// <summary>The server whose view a view named <paramref name="view"/> is, if it is an Asterisk view.</summary>
    public static bool TryParseView(string view, out AsteriskEid? eid)
    {
        eid = null;
        return view.StartsWith(ViewPrefix, StringComparison.Ordinal) && TryParse(view[ViewPrefix.Length..], out eid);
    }

    private static bool TryNormalize(string? value, out string normalized)
    {
        normalized = "";
        if (value is not { Length: 17 })
        {
            return false;
        }
        for (var i = 0; i < 17; i++)
        {
            var c = value[i];
            var ok = i % 3 == 2 ? c == ':' : char.IsAsciiHexDigit(c);
            if (!ok)
            {
                return false;
            }
        }
        normalized = value.ToLowerInvariant();
        return true;
    }

    public override string ToString() => Value;
}
