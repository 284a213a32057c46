namespace ActorPresence.Domain;

/// <summary>
/// The version of one write: a hybrid logical clock reading (UTC ticks, pushed past every stamp the
/// writer has seen) and the writing node's name. Stamps are totally ordered: ticks first, then node
/// name (ordinal). A write made after seeing another gets a larger stamp whatever the wall clocks
/// say, so it wins; truly concurrent writes are ordered the same way on every node, and (by node name
/// first, site second) on every site.
/// </summary>
public readonly record struct Stamp(long Ticks, string Node) : IComparable<Stamp>
{
    public static Stamp Zero => new(0, "");

    /// <summary>The stamp for a new write by <paramref name="node"/> that has seen <paramref name="seen"/>.</summary>
    public static Stamp Next(DateTimeOffset now, Stamp seen, string node) =>
        new(Math.Max(now.UtcTicks, seen.Ticks + 1), node);

    /// <summary>Roughly when the write happened (its clock reading, in UTC).</summary>
    public DateTimeOffset Time => new(Math.Clamp(Ticks, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero);

    public int CompareTo(Stamp other)
    {
        var byTicks = Ticks.CompareTo(other.Ticks);
        if (byTicks != 0)
        {
            return byTicks;
        }
        // A value imported from another site names its writer node@site, while the site that wrote it
        // knows the same writer as node: comparing the node parts first orders two concurrent writes
        // the same way on both sites (unless their nodes also share a name).
        var byNode = BaseName(Node).SequenceCompareTo(BaseName(other.Node));
        return byNode != 0 ? byNode : string.CompareOrdinal(Node, other.Node);
    }

    private static ReadOnlySpan<char> BaseName(string node)
    {
        var at = node.IndexOf(SiteId.Marker, StringComparison.Ordinal);
        return at < 0 ? node : node.AsSpan(0, at);
    }

    public static bool operator <(Stamp a, Stamp b) => a.CompareTo(b) < 0;

    public static bool operator >(Stamp a, Stamp b) => a.CompareTo(b) > 0;

    public static bool operator <=(Stamp a, Stamp b) => a.CompareTo(b) <= 0;

    public static bool operator >=(Stamp a, Stamp b) => a.CompareTo(b) >= 0;

    public static Stamp Max(Stamp a, Stamp b) => a >= b ? a : b;

    public override string ToString() => $"{Ticks}@{Node}";
}
