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

    /// <summary>A slot from entries already in strictly increasing ordinal sub-key order (the
    /// serializer checks that); skips the per-entry insertion of <see cref="With"/>.</summary>
    internal static Slot FromOrdered(ImmutableArray<Entry> entries) => entries.IsEmpty ? Empty : new Slot(entries);

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

    /// <summary>The CRDT merge. Returns this slot itself when <paramref name="other"/> brings nothing
    /// new (callers rely on it to detect "no change" by reference), else <paramref name="other"/>
    /// itself when the result equals it, so merged maps share instances.</summary>
    public Slot Merge(Slot other)
    {
        if (ReferenceEquals(this, other) || other.IsEmpty)
        {
            return this;
        }
        if (IsEmpty)
        {
            return other;
        }
        var result = this;
        foreach (var e in other.Entries)
        {
            result = result.With(e).Slot;
        }
        return ReferenceEquals(result, this) || !result.Equals(other) ? result : other;
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
