using System.Collections.Immutable;

namespace ActorPresence.Replication;

/// <summary>All entries of one entity, ordered by <see cref="Entry.SubKey"/> (ordinal), at most one per sub-key.</summary>
public sealed class Slot : IEquatable<Slot>
{
    public static readonly Slot Empty = new([]);

    private Slot(ImmutableArray<Entry> entries)
    {
        Entries = entries;
    }

    public ImmutableArray<Entry> Entries { get; }

    public bool IsEmpty => Entries.IsEmpty;

    public static Slot Of(params Entry[] entries) => entries.Aggregate(Empty, (slot, e) => slot.With(e).Slot);

    /// <summary>The largest stamp in the slot: a new local write must go past it.</summary>
    public Domain.Stamp MaxStamp => Entries.IsEmpty ? Domain.Stamp.Zero : Entries.Max(e => e.Stamp);

    public Entry? Find(string subKey)
    {
        foreach (var e in Entries)
        {
            if (string.Equals(e.SubKey, subKey, StringComparison.Ordinal))
            {
                return e;
            }
        }
        return null;
    }

    /// <summary>Merges one entry; <c>Accepted</c> is false when the slot already held it or something newer.</summary>
    public (Slot Slot, bool Accepted) With(Entry entry)
    {
        var subKey = entry.SubKey;
        for (var i = 0; i < Entries.Length; i++)
        {
            var cmp = string.CompareOrdinal(Entries[i].SubKey, subKey);
            if (cmp == 0)
            {
                var winner = Entry.Newer(Entries[i], entry);
                return ReferenceEquals(winner, Entries[i]) || winner.Equals(Entries[i])
                    ? (this, false)
                    : (new Slot(Entries.SetItem(i, winner)), true);
            }
            if (cmp > 0)
            {
                return (new Slot(Entries.Insert(i, entry)), true);
            }
        }
        return (new Slot(Entries.Add(entry)), true);
    }

    public Slot Merge(Slot other)
    {
        if (ReferenceEquals(this, other) || other.IsEmpty)
        {
            return this;
        }
        var result = this;
        foreach (var e in other.Entries)
        {
            result = result.With(e).Slot;
        }
        return result.Equals(other) ? other : result;
    }

    /// <summary>The entries of <paramref name="newer"/> that this slot does not already hold.</summary>
    public IEnumerable<Entry> Missing(Slot newer)
    {
        foreach (var e in newer.Entries)
        {
            if (With(e).Accepted)
            {
                yield return e;
            }
        }
    }

    public bool Equals(Slot? other) =>
        other is not null && (ReferenceEquals(this, other) || Entries.SequenceEqual(other.Entries));

    public override bool Equals(object? obj) => obj is Slot other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var e in Entries)
        {
            hash.Add(e);
        }
        return hash.ToHashCode();
    }

    public override string ToString() => $"[{string.Join(", ", Entries)}]";
}
