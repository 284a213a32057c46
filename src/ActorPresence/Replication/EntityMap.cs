using Akka.DistributedData;

namespace ActorPresence.Replication;

/// <summary>
/// The replicated data of one distributed-data key: entity id → <see cref="Slot"/>. A state-based
/// CRDT whose merge keeps, per entity and sub-key, the entry with the larger stamp: commutative,
/// associative and idempotent, so deltas may arrive in any order, twice, or be replaced by full
/// state. Nothing is ever deleted; a withdrawn view is an entry with no state (a tombstone), which
/// is what lets a late write lose to a newer withdrawal.
/// </summary>
/// <remarks>
/// A persistent hash trie (see <see cref="Trie"/>): a put copies one path, O(log n); maps made from
/// one another share every node they did not change, and merge, diff (<see cref="ChangedSince"/>),
/// equality and the serializer's cached encodings all skip shared nodes by reference, so their
/// cost follows what changed, not the size of the key. The shape depends on the content only, and
/// entities are enumerated in the canonical (<see cref="EntityHash"/>, ordinal id) order.
/// </remarks>
public sealed class EntityMap :
    IDeltaReplicatedData<EntityMap, EntityMap>,
    IReplicatedDelta,
    IActorPresenceWireMessage,
    IEquatable<EntityMap>
{
    public static readonly EntityMap Empty = new(null, null);

    private readonly TrieNode? _root;

    private EntityMap(TrieNode? root, EntityMap? delta, EntityMap? ancestor = null)
    {
        _root = root;
        Delta = delta;
        _ancestor = ancestor;
    }

    // The map this one was made from by Put. The replicator merges the result of an update into
    // the value it started from; knowing the descent makes that merge O(1). A merge result has
    // none, so old maps are not kept alive.
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

    /// <summary>What changed since the replicator last took the delta; null when nothing did.</summary>
    public EntityMap? Delta { get; }

    // Distributed data reads a null delta as "nothing changed".
    EntityMap IDeltaReplicatedData<EntityMap, EntityMap>.Delta => Delta!;

    public int Count => _root?.Count ?? 0;

    /// <summary>Every entity, in the canonical order (which is not the ids' ordinal order).</summary>
    public IEnumerable<KeyValuePair<string, Slot>> Entities
    {
        get
        {
            foreach (var leaf in Trie.Leaves(_root))
            {
                foreach (var item in leaf.Items)
                {
                    yield return new(item.Id, item.Slot);
                }
            }
        }
    }

    /// <summary>The trie, for the serializer and the tests.</summary>
    internal TrieNode? Root => _root;

    /// <summary>The trie's leaves in canonical order, for the serializer.</summary>
    internal IEnumerable<TrieLeaf> Leaves => Trie.Leaves(_root);

    public static EntityMap FromEntities(IEnumerable<KeyValuePair<string, Slot>> entities)
    {
        var items = new List<TrieItem>();
        foreach (var (id, slot) in entities)
        {
            if (!slot.IsEmpty)
            {
                items.Add(new TrieItem(EntityHash.Of(id), id, slot));
            }
        }
        return FromCanonical(Trie.SortAndMerge(items));
    }

    /// <summary>Builds a map in O(n) from items already in canonical order with unique ids and no
    /// empty slot; takes ownership of the array.</summary>
    internal static EntityMap FromCanonical(TrieItem[] items) =>
        items.Length == 0 ? Empty : new EntityMap(Trie.Build(items, 0, items.Length, 0), null);

    public Slot Get(string id) => TryGet(id, out var slot) ? slot : Slot.Empty;

    public bool TryGet(string id, out Slot slot) => Trie.TryFind(_root, 0, EntityHash.Of(id), id, out slot);

    public bool Contains(string id) => TryGet(id, out _);

    /// <summary>Merges one entry into the entity's slot and records it in the delta; returns this
    /// map itself when the slot already held the entry or something newer.</summary>
    public EntityMap Put(string id, Entry entry)
    {
        var hash = EntityHash.Of(id);
        var root = Trie.Put(_root, 0, hash, id, entry);
        if (ReferenceEquals(root, _root))
        {
            return this;
        }
        var delta = new EntityMap(Trie.Put(Delta?._root, 0, hash, id, entry), null);
        return new EntityMap(root, delta, ancestor: this);
    }

    /// <summary>
    /// Puts every write, with the same result and delta as putting them one by one, but copying
    /// each touched node once: one sort of the batch and one walk of the trie.
    /// </summary>
    public EntityMap PutAll(IReadOnlyList<(string Id, Entry Entry)> writes)
    {
        switch (writes.Count)
        {
            case 0:
                return this;
            case 1:
                return Put(writes[0].Id, writes[0].Entry);
        }
        var batch = new List<TrieItem>(writes.Count);
        foreach (var (id, entry) in writes)
        {
            batch.Add(new TrieItem(EntityHash.Of(id), id, Slot.Empty.With(entry).Slot));
        }
        var grouped = Trie.SortAndMerge(batch);
        var changed = new List<TrieItem>(grouped.Length);
        var deltaChanged = new List<TrieItem>(grouped.Length);
        foreach (var item in grouped)
        {
            Trie.TryFind(_root, 0, item.Hash, item.Id, out var current);
            var merged = current.Merge(item.Slot);
            if (ReferenceEquals(merged, current))
            {
                continue;
            }
            changed.Add(item.WithSlot(merged));
            // The delta gets what was accepted, as one Put after another would have recorded it.
            var accepted = current.IsEmpty ? item.Slot : Slot.Of([.. current.Missing(item.Slot)]);
            Trie.TryFind(Delta?._root, 0, item.Hash, item.Id, out var inDelta);
            deltaChanged.Add(item.WithSlot(inDelta.Merge(accepted)));
        }
        if (changed.Count == 0)
        {
            return this;
        }
        var root = Trie.SetAll(_root, 0, [.. changed], 0, changed.Count);
        var delta = new EntityMap(Trie.SetAll(Delta?._root, 0, [.. deltaChanged], 0, deltaChanged.Count), null);
        return new EntityMap(root, delta, ancestor: this);
    }

    /// <summary>
    /// The entities whose slot here differs from their slot in <paramref name="previous"/>, or that
    /// <paramref name="previous"/> does not hold, in canonical order. Entities only in
    /// <paramref name="previous"/> are not listed (a replicated map never loses one). Nodes the two
    /// maps share are skipped by reference: after a few changes this costs O(changes × log n).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Slot>> ChangedSince(EntityMap previous)
    {
        if (ReferenceEquals(_root, previous._root))
        {
            return [];
        }
        var changes = new List<KeyValuePair<string, Slot>>();
        Trie.Diff(_root, previous._root, 0, changes);
        return changes;
    }

    public EntityMap Merge(EntityMap other)
    {
        if (ReferenceEquals(this, other) || other._root is null)
        {
            return Settled();
        }
        if (_root is null)
        {
            return other.Settled();
        }
        if (other.DescendsFrom(this))
        {
            return other.Settled();
        }
        if (DescendsFrom(other))
        {
            return Settled();
        }
        var root = Trie.Merge(_root, other._root, 0);
        return ReferenceEquals(root, _root) ? Settled()
            : ReferenceEquals(root, other._root) ? other.Settled()
            : new EntityMap(root, null);
    }

    /// <summary>This content with no delta and no ancestry.</summary>
    private EntityMap Settled() => Delta is null && _ancestor is null ? this : new EntityMap(_root, null);

    public EntityMap MergeDelta(EntityMap delta) => Merge(delta);

    // Keeps the ancestry: the replicator resets the delta before merging the result into the value
    // the update started from, which is when the ancestry pays off.
    public EntityMap ResetDelta() => Delta is null ? this : new EntityMap(_root, null, _ancestor);

    IReplicatedData IReplicatedData.Merge(IReplicatedData other) => Merge((EntityMap)other);

    IReplicatedDelta IDeltaReplicatedData.Delta => Delta!;

    IReplicatedData IDeltaReplicatedData.MergeDelta(IReplicatedDelta delta) => MergeDelta((EntityMap)delta);

    IReplicatedData IDeltaReplicatedData.ResetDelta() => ResetDelta();

    IDeltaReplicatedData IReplicatedDelta.Zero => Empty;

    public bool Equals(EntityMap? other) => other is not null && Trie.NodesEqual(_root, other._root);

    public override bool Equals(object? obj) => obj is EntityMap other && Equals(other);

    // From the digest, cached per trie node, so a map made from another by a few changes hashes in
    // O(changes × log n).
    public override int GetHashCode()
    {
        var digest = Digest();
        return (int)(digest ^ (digest >> 32));
    }

    public override string ToString() => $"EntityMap({Count} entities)";

    /// <summary>A digest of the map's content, the same on every node and run: two replicas of a key
    /// with equal digests hold the same entities (to 64 bits). Cached per trie node, so a map made
    /// from another by a few changes digests in O(changes × log n).</summary>
    internal ulong Digest() => _root?.Digest() ?? EmptyDigest;

    private static readonly ulong EmptyDigest = new Digest64().Value;

    /// <summary>The digest of each entity (its id and slot, <see cref="TrieItem.Digest"/>), in
    /// ascending order: what a repair sends a peer, which answers with what it holds otherwise
    /// (<see cref="Lacking"/>).</summary>
    internal ulong[] ItemDigests()
    {
        var digests = new ulong[Count];
        var i = 0;
        foreach (var leaf in Leaves)
        {
            foreach (var item in leaf.Items)
            {
                digests[i++] = item.Digest();
            }
        }
        Array.Sort(digests);
        return digests;
    }

    /// <summary>The entities of this map whose digest is not in <paramref name="held"/> (ascending, as
    /// <see cref="ItemDigests"/> gives them): those that a replica with those digests lacks, or holds
    /// in another state. Stops and returns null once more than <paramref name="max"/> are found.</summary>
    internal EntityMap? Lacking(IReadOnlyList<ulong> held, int max)
    {
        var sorted = held as ulong[] ?? [.. held];
        var lacking = new List<TrieItem>();
        foreach (var leaf in Leaves)
        {
            foreach (var item in leaf.Items)
            {
                if (Array.BinarySearch(sorted, item.Digest()) < 0)
                {
                    if (lacking.Count == max)
                    {
                        return null;
                    }
                    lacking.Add(item);
                }
            }
        }
        // Leaves come in canonical order, and so do their items.
        return FromCanonical([.. lacking]);
    }

    /// <summary>This map with <paramref name="items"/> (entities a repair fetched from a peer) merged
    /// in, for the replicator's update: the delta is what it took of them, so the other nodes get it
    /// like any change, and the result descends from this map.</summary>
    internal EntityMap Absorb(EntityMap items)
    {
        var root = Trie.Merge(_root, items._root, 0);
        if (ReferenceEquals(root, _root))
        {
            return this;
        }
        var accepted = new List<KeyValuePair<string, Slot>>();
        foreach (var (id, slot) in items.Entities)
        {
            var before = Get(id);
            var gained = before.IsEmpty ? slot : Slot.Of([.. before.Missing(slot)]);
            if (!gained.IsEmpty)
            {
                accepted.Add(new(id, gained));
            }
        }
        var delta = FromEntities(accepted);
        return new EntityMap(root, Delta is null ? delta : Delta.Merge(delta), ancestor: this);
    }
}

/// <summary>A distributed-data key holding an <see cref="EntityMap"/>.</summary>
public sealed class EntityMapKey(string id) : Key<EntityMap>(id);
