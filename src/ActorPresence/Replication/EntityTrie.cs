namespace ActorPresence.Replication;

/// <summary>One entity of a trie leaf: its <see cref="EntityHash"/>, id and slot.</summary>
internal readonly struct TrieItem(uint hash, string id, Slot slot)
{
    public readonly uint Hash = hash;
    public readonly string Id = id;
    public readonly Slot Slot = slot;

    /// <summary>The canonical order: hash, then ordinal id (ids of equal hash).</summary>
    public static int Compare(uint hashA, string idA, uint hashB, string idB)
    {
        var byHash = hashA.CompareTo(hashB);
        return byHash != 0 ? byHash : string.CompareOrdinal(idA, idB);
    }

    public static int Compare(TrieItem a, TrieItem b) => Compare(a.Hash, a.Id, b.Hash, b.Id);

    public TrieItem WithSlot(Slot slot) => new(Hash, Id, slot);

    /// <summary>Folds the id and slot into <paramref name="digest"/> (as a leaf's digest does for each of its items).</summary>
    public Digest64 AddTo(Digest64 digest)
    {
        digest = digest.Add(Id).Add(Slot.Entries.Length);
        foreach (var entry in Slot.Entries)
        {
            digest = entry.AddTo(digest);
        }
        return digest;
    }

    /// <summary>A digest of this entity's id and slot alone, the same on every node: what a repair
    /// compares entity by entity (<see cref="EntityMap.ItemDigests"/>).</summary>
    public ulong Digest() => AddTo(new Digest64()).Value;
}

/// <summary>A node of the persistent hash trie behind <see cref="EntityMap"/>; immutable once built.</summary>
internal abstract class TrieNode(int count)
{
    /// <summary>Entities under this node.</summary>
    public readonly int Count = count;

    // Computed on first use; 0 means not yet (a digest is never 0).
    private ulong _digest;

    /// <summary>A digest of the content under this node that is the same on every node and run
    /// (it also serves as the map's hash code): equal content, equal digest.</summary>
    public ulong Digest()
    {
        var digest = Volatile.Read(ref _digest);
        if (digest == 0)
        {
            digest = ComputeDigest();
            Volatile.Write(ref _digest, digest);
        }
        return digest;
    }

    protected abstract ulong ComputeDigest();
}

/// <summary>Up to <see cref="Trie.MaxLeaf"/> entities (more only when all share one hash), in canonical order.</summary>
internal sealed class TrieLeaf(TrieItem[] items) : TrieNode(items.Length)
{
    public readonly TrieItem[] Items = items;

    private byte[]? _encoded;

    /// <summary>The serializer's encoding of <see cref="Items"/>, kept once made: a leaf never changes,
    /// so a map serialized again after a few changes re-encodes only the leaves those changes made.</summary>
    public byte[]? Encoded
    {
        get => Volatile.Read(ref _encoded);
        set => Volatile.Write(ref _encoded, value);
    }

    protected override ulong ComputeDigest()
    {
        var digest = new Digest64().Add(Items.Length);
        foreach (var item in Items)
        {
            digest = item.AddTo(digest);
        }
        return digest.Value;
    }
}

/// <summary>Children by the next <see cref="Trie.BitsPerLevel"/> bits of the hash, most significant first.</summary>
internal sealed class TrieBranch(TrieNode?[] children, int count) : TrieNode(count)
{
    public readonly TrieNode?[] Children = children;

    protected override ulong ComputeDigest()
    {
        var digest = new Digest64().Add(Count);
        foreach (var child in Children)
        {
            digest = digest.Add(child?.Digest() ?? 0UL);
        }
        return digest.Value;
    }
}

/// <summary>
/// The algorithms of the trie. Its shape is a function of its content alone: a node holding at most
/// <see cref="MaxLeaf"/> entities, or entities that all share one hash, is a leaf; any other is a
/// branch. Entities are never removed, so a branch never has to fold back into a leaf. Because the
/// shape is canonical, equal content means equal structure, and an in-order walk gives the
/// canonical (hash, id) order whatever order the entities came in.
/// </summary>
internal static class Trie
{
    // Four children per branch and up to 32 entities per leaf keep leaves 8–32 full at any size
    // (sixteen children left keys of 1,500 entities with leaves of about 6: more memory per entity,
    // for puts only about a third faster).
    public const int BitsPerLevel = 2;
    public const int Fanout = 1 << BitsPerLevel;
    public const int MaxLeaf = 32;

    public static int ChildIndex(uint hash, int depth) =>
        (int)((hash >> (32 - (BitsPerLevel * (depth + 1)))) & (Fanout - 1));

    /// <summary>Index of (hash, id) in a leaf's items, or the complement of where it would go.</summary>
    public static int Search(TrieItem[] items, uint hash, string id)
    {
        int low = 0, high = items.Length - 1;
        while (low <= high)
        {
            var middle = (int)((uint)(low + high) >> 1);
            var c = TrieItem.Compare(items[middle].Hash, items[middle].Id, hash, id);
            if (c == 0)
            {
                return middle;
            }
            if (c < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return ~low;
    }

    public static bool TryFind(TrieNode? node, int depth, uint hash, string id, out Slot slot)
    {
        while (node is TrieBranch branch)
        {
            node = branch.Children[ChildIndex(hash, depth++)];
        }
        if (node is TrieLeaf leaf)
        {
            var at = Search(leaf.Items, hash, id);
            if (at >= 0)
            {
                slot = leaf.Items[at].Slot;
                return true;
            }
        }
        slot = Slot.Empty;
        return false;
    }

    /// <summary>
    /// The node holding <paramref name="items"/>[start..start+length] (sorted, ids unique) at
    /// <paramref name="depth"/>, in O(length) per level. Takes <paramref name="items"/> itself when it
    /// is the whole range of a leaf: callers hand over arrays they no longer touch.
    /// </summary>
    /// <summary>Where the run of sorted items from <paramref name="start"/> that go to the same child
    /// at <paramref name="depth"/> ends (exclusive, at most <paramref name="end"/>).</summary>
    private static int RunEnd(TrieItem[] items, int start, int end, int depth)
    {
        var index = ChildIndex(items[start].Hash, depth);
        var j = start + 1;
        while (j < end && ChildIndex(items[j].Hash, depth) == index)
        {
            j++;
        }
        return j;
    }

    public static TrieNode? Build(TrieItem[] items, int start, int length, int depth)
    {
        if (length == 0)
        {
            return null;
        }
        if (length <= MaxLeaf || items[start].Hash == items[start + length - 1].Hash)
        {
            return new TrieLeaf(start == 0 && length == items.Length ? items : items.AsSpan(start, length).ToArray());
        }
        var children = new TrieNode?[Fanout];
        var end = start + length;
        for (var i = start; i < end;)
        {
            var index = ChildIndex(items[i].Hash, depth);
            var j = RunEnd(items, i, end, depth);
            children[index] = Build(items, i, j - i, depth + 1);
            i = j;
        }
        return new TrieBranch(children, length);
    }

    /// <summary>Merges one entry into the entity's slot, copying the path to it; returns
    /// <paramref name="node"/> itself when the slot already held the entry or something newer.</summary>
    public static TrieNode Put(TrieNode? node, int depth, uint hash, string id, Entry entry)
    {
        switch (node)
        {
            case null:
                return new TrieLeaf([new TrieItem(hash, id, Slot.Empty.With(entry).Slot)]);
            case TrieBranch branch:
            {
                var index = ChildIndex(hash, depth);
                var child = branch.Children[index];
                var updated = Put(child, depth + 1, hash, id, entry);
                if (ReferenceEquals(updated, child))
                {
                    return branch;
                }
                var children = (TrieNode?[])branch.Children.Clone();
                children[index] = updated;
                return new TrieBranch(children, branch.Count - (child?.Count ?? 0) + updated.Count);
            }
            case TrieLeaf leaf:
            {
                var items = leaf.Items;
                var at = Search(items, hash, id);
                if (at >= 0)
                {
                    var (slot, accepted) = items[at].Slot.With(entry);
                    if (!accepted)
                    {
                        return leaf;
                    }
                    var copy = (TrieItem[])items.Clone();
                    copy[at] = items[at].WithSlot(slot);
                    return new TrieLeaf(copy);
                }
                var insert = ~at;
                var grown = new TrieItem[items.Length + 1];
                Array.Copy(items, grown, insert);
                grown[insert] = new TrieItem(hash, id, Slot.Empty.With(entry).Slot);
                Array.Copy(items, insert, grown, insert + 1, items.Length - insert);
                return Build(grown, 0, grown.Length, depth)!;
            }
            default:
                throw new InvalidOperationException($"unknown trie node {node.GetType()}");
        }
    }

    /// <summary>Sets the slots of <paramref name="items"/>[start..start+length] (sorted, ids unique),
    /// replacing those of ids already present, copying each touched node once.</summary>
    public static TrieNode? SetAll(TrieNode? node, int depth, TrieItem[] items, int start, int length)
    {
        if (length == 0)
        {
            return node;
        }
        switch (node)
        {
            case null:
                return Build(items, start, length, depth);
            case TrieLeaf leaf:
            {
                var merged = new List<TrieItem>(leaf.Count + length);
                var mine = leaf.Items;
                int i = 0, j = start, end = start + length;
                while (i < mine.Length || j < end)
                {
                    var c = i == mine.Length ? 1 : j == end ? -1 : TrieItem.Compare(mine[i], items[j]);
                    if (c < 0)
                    {
                        merged.Add(mine[i++]);
                    }
                    else
                    {
                        merged.Add(items[j++]);
                        i += c == 0 ? 1 : 0;
                    }
                }
                var array = merged.ToArray();
                return Build(array, 0, array.Length, depth);
            }
            case TrieBranch branch:
            {
                var children = (TrieNode?[])branch.Children.Clone();
                var count = branch.Count;
                var end = start + length;
                for (var i = start; i < end;)
                {
                    var index = ChildIndex(items[i].Hash, depth);
                    var j = RunEnd(items, i, end, depth);
                    var before = children[index];
                    var after = SetAll(before, depth + 1, items, i, j - i)!;
                    count += after.Count - (before?.Count ?? 0);
                    children[index] = after;
                    i = j;
                }
                return new TrieBranch(children, count);
            }
            default:
                throw new InvalidOperationException($"unknown trie node {node.GetType()}");
        }
    }

    /// <summary>
    /// The CRDT merge, node by node: subtrees that are the same instance are taken as they are, so
    /// merging two maps that share most of their nodes costs what differs. Where the result equals
    /// one side, that side's node is returned (the left one when both are equal), which keeps nodes,
    /// and the encodings cached on them, shared with the maps that came before.
    /// </summary>
    public static TrieNode? Merge(TrieNode? a, TrieNode? b, int depth)
    {
        if (b is null || ReferenceEquals(a, b))
        {
            return a;
        }
        if (a is null)
        {
            return b;
        }
        switch (a, b)
        {
            case (TrieBranch x, TrieBranch y):
            {
                TrieNode?[]? children = null;
                var sameAsY = true;
                var count = 0;
                for (var i = 0; i < Fanout; i++)
                {
                    var merged = Merge(x.Children[i], y.Children[i], depth + 1);
                    sameAsY &= ReferenceEquals(merged, y.Children[i]);
                    if (children is null && !ReferenceEquals(merged, x.Children[i]))
                    {
                        children = (TrieNode?[])x.Children.Clone();
                    }
                    if (children is not null)
                    {
                        children[i] = merged;
                    }
                    count += merged?.Count ?? 0;
                }
                return children is null ? x : sameAsY ? y : new TrieBranch(children, count);
            }
            case (TrieLeaf x, TrieLeaf y):
            {
                var merged = MergeItems(x.Items, y.Items, out var sameAsX, out var sameAsY);
                return sameAsX ? x : sameAsY ? y : Build(merged, 0, merged.Length, depth);
            }
            case (TrieBranch x, TrieLeaf y):
                return MergeLeafIntoBranch(x, y.Items, depth, leafOnTheLeft: false);
            case (TrieLeaf x, TrieBranch y):
                return MergeLeafIntoBranch(y, x.Items, depth, leafOnTheLeft: true);
            default:
                throw new InvalidOperationException($"unknown trie nodes {a.GetType()}, {b.GetType()}");
        }
    }

    /// <summary>A leaf against a branch at the same place: the leaf's items go to the branch's
    /// children, each merged there (the left operand stays left, for the tie rule).</summary>
    private static TrieNode MergeLeafIntoBranch(TrieBranch branch, TrieItem[] items, int depth, bool leafOnTheLeft)
    {
        TrieNode?[]? children = null;
        var count = branch.Count;
        for (var i = 0; i < items.Length;)
        {
            var index = ChildIndex(items[i].Hash, depth);
            var j = i + 1;
            while (j < items.Length && ChildIndex(items[j].Hash, depth) == index)
            {
                j++;
            }
            var part = Build(items, i, j - i, depth + 1);
            var child = branch.Children[index];
            var merged = leafOnTheLeft ? Merge(part, child, depth + 1) : Merge(child, part, depth + 1);
            if (!ReferenceEquals(merged, child))
            {
                children ??= (TrieNode?[])branch.Children.Clone();
                children[index] = merged;
                count += (merged?.Count ?? 0) - (child?.Count ?? 0);
            }
            i = j;
        }
        return children is null ? branch : new TrieBranch(children, count);
    }

    /// <summary>Merge-join of two leaves' items; <paramref name="sameAsX"/> / <paramref name="sameAsY"/>
    /// say whether the result holds exactly what x / y holds.</summary>
    private static TrieItem[] MergeItems(TrieItem[] xs, TrieItem[] ys, out bool sameAsX, out bool sameAsY)
    {
        sameAsX = true;
        sameAsY = true;
        var merged = new TrieItem[xs.Length + ys.Length];
        int i = 0, j = 0, n = 0;
        while (i < xs.Length || j < ys.Length)
        {
            var c = i == xs.Length ? 1 : j == ys.Length ? -1 : TrieItem.Compare(xs[i], ys[j]);
            if (c < 0)
            {
                sameAsY = false;
                merged[n++] = xs[i++];
            }
            else if (c > 0)
            {
                sameAsX = false;
                merged[n++] = ys[j++];
            }
            else
            {
                Slot x = xs[i].Slot, y = ys[j].Slot;
                var slot = x.Merge(y);
                // Slot.Merge returns x itself when y brought nothing new.
                var keptX = ReferenceEquals(slot, x);
                sameAsX &= keptX;
                sameAsY = sameAsY && (ReferenceEquals(slot, y) || (keptX && x.Equals(y)));
                merged[n++] = keptX ? xs[i] : xs[i].WithSlot(slot);
                i++;
                j++;
            }
        }
        return n == merged.Length ? merged : merged.AsSpan(0, n).ToArray();
    }

    /// <summary>
    /// Appends the entities of <paramref name="now"/> whose slot differs from, or is absent in,
    /// <paramref name="before"/>, in canonical order. Shared subtrees are skipped by reference, so
    /// after a few changes the walk costs O(changes × depth), not O(entities).
    /// </summary>
    public static void Diff(TrieNode? now, TrieNode? before, int depth, List<KeyValuePair<string, Slot>> changes)
    {
        if (now is null || ReferenceEquals(now, before))
        {
            return;
        }
        switch (now, before)
        {
            case (_, null):
                foreach (var leaf in Leaves(now))
                {
                    foreach (var item in leaf.Items)
                    {
                        changes.Add(new(item.Id, item.Slot));
                    }
                }
                return;
            case (TrieBranch x, TrieBranch y):
                for (var i = 0; i < Fanout; i++)
                {
                    Diff(x.Children[i], y.Children[i], depth + 1, changes);
                }
                return;
            case (TrieLeaf x, TrieLeaf y):
            {
                var theirs = y.Items;
                var j = 0;
                foreach (var item in x.Items)
                {
                    while (j < theirs.Length && TrieItem.Compare(theirs[j], item) < 0)
                    {
                        j++;
                    }
                    if (j == theirs.Length || TrieItem.Compare(theirs[j], item) != 0 || !Same(theirs[j].Slot, item.Slot))
                    {
                        changes.Add(new(item.Id, item.Slot));
                    }
                }
                return;
            }
            case (TrieBranch x, TrieLeaf y):
                // The previous leaf holds at most a leaf's worth: everything else here is new.
                foreach (var leaf in Leaves(x))
                {
                    foreach (var item in leaf.Items)
                    {
                        var at = Search(y.Items, item.Hash, item.Id);
                        if (at < 0 || !Same(y.Items[at].Slot, item.Slot))
                        {
                            changes.Add(new(item.Id, item.Slot));
                        }
                    }
                }
                return;
            case (TrieLeaf x, TrieBranch y):
                foreach (var item in x.Items)
                {
                    if (!TryFind(y, depth, item.Hash, item.Id, out var slot) || !Same(slot, item.Slot))
                    {
                        changes.Add(new(item.Id, item.Slot));
                    }
                }
                return;
            default:
                throw new InvalidOperationException($"unknown trie nodes {now.GetType()}, {before.GetType()}");
        }
    }

    private static bool Same(Slot a, Slot b) => ReferenceEquals(a, b) || a.Equals(b);

    /// <summary>Content equality; the canonical shape lets it compare node by node.</summary>
    public static bool NodesEqual(TrieNode? a, TrieNode? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }
        if (a is null || b is null || a.Count != b.Count)
        {
            return false;
        }
        switch (a, b)
        {
            case (TrieBranch x, TrieBranch y):
                for (var i = 0; i < Fanout; i++)
                {
                    if (!NodesEqual(x.Children[i], y.Children[i]))
                    {
                        return false;
                    }
                }
                return true;
            case (TrieLeaf x, TrieLeaf y):
                for (var i = 0; i < x.Items.Length; i++)
                {
                    if (TrieItem.Compare(x.Items[i], y.Items[i]) != 0 || !Same(x.Items[i].Slot, y.Items[i].Slot))
                    {
                        return false;
                    }
                }
                return true;
            default:
                return false;
        }
    }

    /// <summary>The leaves in canonical order.</summary>
    public static IEnumerable<TrieLeaf> Leaves(TrieNode? root)
    {
        if (root is null)
        {
            yield break;
        }
        var stack = new Stack<TrieNode>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node is TrieLeaf leaf)
            {
                yield return leaf;
                continue;
            }
            var children = ((TrieBranch)node).Children;
            for (var i = Fanout - 1; i >= 0; i--)
            {
                if (children[i] is { } child)
                {
                    stack.Push(child);
                }
            }
        }
    }

    /// <summary>Sorts items into canonical order and merges the slots of repeated ids.</summary>
    public static TrieItem[] SortAndMerge(List<TrieItem> items)
    {
        // Sorting (hash, position) as plain 64-bit numbers is far cheaper than comparing items;
        // only items of equal hash (rare) are then ordered by id.
        var count = items.Count;
        var keys = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            keys[i] = ((ulong)items[i].Hash << 32) | (uint)i;
        }
        Array.Sort(keys);
        var sorted = new TrieItem[count];
        for (var i = 0; i < count; i++)
        {
            sorted[i] = items[(int)(uint)keys[i]];
        }
        for (var i = 0; i < count;)
        {
            var j = i + 1;
            while (j < count && sorted[j].Hash == sorted[i].Hash)
            {
                j++;
            }
            if (j - i > 1)
            {
                Array.Sort(sorted, i, j - i, ItemOrder.Instance);
            }
            i = j;
        }
        var n = 0;
        for (var i = 0; i < count; i++)
        {
            if (n > 0 && TrieItem.Compare(sorted[n - 1], sorted[i]) == 0)
            {
                sorted[n - 1] = sorted[n - 1].WithSlot(sorted[n - 1].Slot.Merge(sorted[i].Slot));
            }
            else
            {
                sorted[n++] = sorted[i];
            }
        }
        return n == count ? sorted : sorted.AsSpan(0, n).ToArray();
    }

    private sealed class ItemOrder : IComparer<TrieItem>
    {
        public static readonly ItemOrder Instance = new();

        public int Compare(TrieItem x, TrieItem y) => TrieItem.Compare(x, y);
    }
}
