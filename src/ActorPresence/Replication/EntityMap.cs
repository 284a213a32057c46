using System.Collections.Immutable;
using Akka.DistributedData;

namespace ActorPresence.Replication;

/// <summary>
/// The replicated data of one distributed-data key: entity id → <see cref="Slot"/>. A state-based
/// CRDT whose merge keeps, per entity and sub-key, the entry with the larger stamp: commutative,
/// associative and idempotent, so deltas may arrive in any order, twice, or be replaced by full
/// state. Nothing is ever deleted; a withdrawn view is an entry with no state (a tombstone), which
/// is what lets a late write lose to a newer withdrawal.
/// </summary>
public sealed class EntityMap :
    IDeltaReplicatedData<EntityMap, EntityMap>,
    IReplicatedDelta,
    IActorPresenceWireMessage,
    IEquatable<EntityMap>
{
    public static readonly EntityMap Empty = new(ImmutableSortedDictionary.Create<string, Slot>(StringComparer.Ordinal), null);

    private EntityMap(ImmutableSortedDictionary<string, Slot> entities, EntityMap? delta, EntityMap? ancestor = null)
    {
        Entities = entities;
        Delta = delta;
        _ancestor = ancestor;
    }

    // The map this one was made from by Put. The replicator merges the result of an update into
    // the value it started from; knowing the descent makes that merge O(1) instead of a walk over
    // every entity of the key. A merge result has none, so old maps are not kept alive.
    private readonly EntityMap? _ancestor;

    private const int MaxAncestry = 10_000;

    /// <summary>Whether this map was made from <paramref name="other"/> by Puts (so it holds all of it).</summary>
    private bool DescendsFrom(EntityMap other)
    {
        var current = _ancestor;
        for (var i = 0; current is not null && i < MaxAncestry; i++)
        {
            if (ReferenceEquals(current, other))
            {
                return true;
            }
            current = current._ancestor;
        }
        return false;
    }

    /// <summary>Entities in ordinal id order, which makes the serialized form deterministic.</summary>
    public ImmutableSortedDictionary<string, Slot> Entities { get; }

    /// <summary>What changed since the replicator last took the delta; null when nothing did.</summary>
    public EntityMap? Delta { get; }

    // Distributed data reads a null delta as "nothing changed".
    EntityMap IDeltaReplicatedData<EntityMap, EntityMap>.Delta => Delta!;

    public int Count => Entities.Count;

    public static EntityMap FromEntities(IEnumerable<KeyValuePair<string, Slot>> entities) =>
        new(ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, entities.Where(kv => !kv.Value.IsEmpty)), null);

    public Slot Get(string id) => Entities.TryGetValue(id, out var slot) ? slot : Slot.Empty;

    /// <summary>Merges one entry into the entity's slot and records it in the delta.</summary>
    public EntityMap Put(string id, Entry entry)
    {
        var (slot, accepted) = Get(id).With(entry);
        if (!accepted)
        {
            return this;
        }
        var delta = (Delta ?? Empty).MergeEntry(id, entry);
        return new EntityMap(Entities.SetItem(id, slot), delta, ancestor: this);
    }

    private EntityMap MergeEntry(string id, Entry entry)
    {
        var (slot, accepted) = Get(id).With(entry);
        return accepted ? new EntityMap(Entities.SetItem(id, slot), null) : this;
    }

    public EntityMap Merge(EntityMap other)
    {
        if (ReferenceEquals(this, other) || other.Entities.IsEmpty)
        {
            return Delta is null && _ancestor is null ? this : new EntityMap(Entities, null);
        }
        if (Entities.IsEmpty)
        {
            return other.Delta is null && other._ancestor is null ? other : new EntityMap(other.Entities, null);
        }
        if (other.DescendsFrom(this))
        {
            return new EntityMap(other.Entities, null);
        }
        if (DescendsFrom(other))
        {
            return new EntityMap(Entities, null);
        }
        // Fold the smaller map into the larger one; the result is the same either way.
        var (big, small) = Entities.Count >= other.Entities.Count ? (this, other) : (other, this);
        var builder = big.Entities.ToBuilder();
        foreach (var (id, slot) in small.Entities)
        {
            builder[id] = builder.TryGetValue(id, out var mine) ? mine.Merge(slot) : slot;
        }
        return new EntityMap(builder.ToImmutable(), null);
    }

    public EntityMap MergeDelta(EntityMap delta) => Merge(delta);

    // Keeps the ancestry: the replicator resets the delta before merging the result into the value
    // the update started from, which is when the ancestry pays off.
    public EntityMap ResetDelta() => Delta is null ? this : new EntityMap(Entities, null, _ancestor);

    IReplicatedData IReplicatedData.Merge(IReplicatedData other) => Merge((EntityMap)other);

    IReplicatedDelta IDeltaReplicatedData.Delta => Delta!;

    IReplicatedData IDeltaReplicatedData.MergeDelta(IReplicatedDelta delta) => MergeDelta((EntityMap)delta);

    IReplicatedData IDeltaReplicatedData.ResetDelta() => ResetDelta();

    IDeltaReplicatedData IReplicatedDelta.Zero => Empty;

    public bool Equals(EntityMap? other)
    {
        if (other is null)
        {
            return false;
        }
        if (ReferenceEquals(this, other) || ReferenceEquals(Entities, other.Entities))
        {
            return true;
        }
        if (Entities.Count != other.Entities.Count)
        {
            return false;
        }
        using var mine = Entities.GetEnumerator();
        using var theirs = other.Entities.GetEnumerator();
        while (mine.MoveNext() && theirs.MoveNext())
        {
            if (!string.Equals(mine.Current.Key, theirs.Current.Key, StringComparison.Ordinal)
                || !mine.Current.Value.Equals(theirs.Current.Value))
            {
                return false;
            }
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is EntityMap other && Equals(other);

    public override int GetHashCode() => Entities.Count;

    public override string ToString() => $"EntityMap({Entities.Count} entities)";
}

/// <summary>A distributed-data key holding an <see cref="EntityMap"/>.</summary>
public sealed class EntityMapKey(string id) : Key<EntityMap>(id);

/// <summary>Until the trie lands: the diff by a walk (to be replaced).</summary>
public static class EntityMapDiff
{
    public static IEnumerable<KeyValuePair<string, Slot>> ChangedSince(this EntityMap map, EntityMap previous)
    {
        foreach (var (id, slot) in map.Entities)
        {
            if (previous.Entities.TryGetValue(id, out var before) && (ReferenceEquals(before, slot) || before.Equals(slot)))
            {
                continue;
            }
            yield return new(id, slot);
        }
    }
}
