using ActorPresence.Domain;
using ActorPresence.Replication;
using static ActorPresence.Tests.Samples;

namespace ActorPresence.Tests;

/// <summary>
/// The persistent hash trie behind <see cref="EntityMap"/>, against plain dictionaries as the
/// reference model: lookups, order, splits, collisions, merge, the diff, and the canonical shape.
/// The trie-level tests choose the hashes themselves (ids of a small pool of hashes sharing long
/// prefixes, and many ids of one hash), which real ids would almost never produce.
/// </summary>
public sealed class EntityTrieTests
{
    private static readonly string[] NodeNames = ["pbx-1", "pbx-2", "pbx-3"];

    private static Entry RandomEntry(Random random)
    {
        var node = NodeNames[random.Next(NodeNames.Length)];
        var ticks = random.Next(0, 6);
        return random.Next(3) switch
        {
            0 => View(ticks, node, random.Next(4) == 0 ? null : (DeviceState)random.Next(9), incarnation: random.Next(1, 3)),
            1 => Mailbox(ticks, node, random.Next(3), random.Next(3)),
            _ => Presence(ticks, node, (PresenceState)random.Next(7), "", random.Next(2) == 0 ? "" : "lunch"),
        };
    }

    /// <summary>Checks everything the trie promises about its shape, and returns its items in walk order.</summary>
    private static List<TrieItem> CheckShape(TrieNode? node, int depth = 0)
    {
        var items = new List<TrieItem>();
        switch (node)
        {
            case null:
                break;
            case TrieLeaf leaf:
                Assert.Equal(leaf.Items.Length, leaf.Count);
                Assert.NotEmpty(leaf.Items);
                Assert.True(
                    leaf.Count <= Trie.MaxLeaf || leaf.Items[0].Hash == leaf.Items[^1].Hash,
                    $"a leaf of {leaf.Count} entities with different hashes at depth {depth}");
                for (var i = 1; i < leaf.Items.Length; i++)
                {
                    Assert.True(TrieItem.Compare(leaf.Items[i - 1], leaf.Items[i]) < 0, "leaf items out of order or repeated");
                }
                Assert.All(leaf.Items, item => Assert.False(item.Slot.IsEmpty));
                items.AddRange(leaf.Items);
                break;
            case TrieBranch branch:
                Assert.True(depth < 32 / Trie.BitsPerLevel, "a branch below the last level");
                Assert.Equal(Trie.Fanout, branch.Children.Length);
                for (var i = 0; i < Trie.Fanout; i++)
                {
                    var part = CheckShape(branch.Children[i], depth + 1);
                    Assert.All(part, item => Assert.Equal(i, Trie.ChildIndex(item.Hash, depth)));
                    items.AddRange(part);
                }
                Assert.Equal(items.Count, branch.Count);
                Assert.True(branch.Count > Trie.MaxLeaf, $"a branch of {branch.Count} entities");
                Assert.NotEqual(items[0].Hash, items[^1].Hash);
                break;
        }
        return items;
    }

    /// <summary>Ids whose hash comes from a small pool of values that share long prefixes (so the
    /// trie goes deep and leaves collide), the same hash for an id every time.</summary>
    private sealed class CollidingIds
    {
        private readonly Dictionary<string, uint> _hashes = new(StringComparer.Ordinal);
        private readonly uint[] _pool;
        private readonly Random _random;

        public CollidingIds(Random random)
        {
            _random = random;
            var pool = new List<uint> { 0x12345678, 0x12345679, 0x1234567F, 0x12340000, 0x9234_5678, 0xFFFF_FFFF, 0, 0x8000_0000 };
            for (var i = 0; i < 12; i++)
            {
                pool.Add((uint)random.NextInt64(0, 1L << 32));
            }
            _pool = [.. pool];
        }

        public (uint Hash, string Id) Next(int idSpace)
        {
            var id = $"id{_random.Next(idSpace)}";
            if (!_hashes.TryGetValue(id, out var hash))
            {
                hash = _pool[_random.Next(_pool.Length)];
                _hashes[id] = hash;
            }
            return (hash, id);
        }
    }

    private static SortedDictionary<(uint, string), Slot> Model() =>
        new(Comparer<(uint Hash, string Id)>.Create((a, b) => TrieItem.Compare(a.Hash, a.Id, b.Hash, b.Id)));

    private static void AssertMatches(SortedDictionary<(uint, string), Slot> model, TrieNode? root)
    {
        var items = CheckShape(root);
        Assert.Equal(model.Count, root?.Count ?? 0);
        Assert.Equal(model.Keys, items.Select(i => (i.Hash, i.Id)));
        Assert.Equal(model.Values, items.Select(i => i.Slot));
        foreach (var ((hash, id), slot) in model)
        {
            Assert.True(Trie.TryFind(root, 0, hash, id, out var found));
            Assert.Equal(slot, found);
        }
    }

    private static TrieNode? BuildFrom(SortedDictionary<(uint, string), Slot> model)
    {
        TrieItem[] items = [.. model.Select(kv => new TrieItem(kv.Key.Item1, kv.Key.Item2, kv.Value))];
        return Trie.Build(items, 0, items.Length, 0);
    }

    // ---- the trie with chosen hashes ----

    [Theory]
    [InlineData(1, 40)]
    [InlineData(2, 400)]
    [InlineData(3, 4000)]
    public void Puts_with_colliding_hashes_match_a_dictionary_and_keep_the_shape_canonical(int seed, int idSpace)
    {
        var random = new Random(seed);
        var ids = new CollidingIds(random);
        var model = Model();
        TrieNode? root = null;
        for (var i = 0; i < 3_000; i++)
        {
            var (hash, id) = ids.Next(idSpace);
            var entry = RandomEntry(random);
            var before = root;
            root = Trie.Put(root, 0, hash, id, entry);
            var current = model.GetValueOrDefault((hash, id), Slot.Empty);
            var (slot, accepted) = current.With(entry);
            Assert.Equal(!accepted, ReferenceEquals(before, root));
            if (accepted)
            {
                model[(hash, id)] = slot;
            }
            if (i % 250 == 0)
            {
                AssertMatches(model, root);
            }
        }
        AssertMatches(model, root);
        // The same content built in one pass has the same shape, node for node.
        Assert.True(Trie.NodesEqual(root, BuildFrom(model)));
    }

    [Fact]
    public void More_entities_of_one_hash_than_a_leaf_holds_stay_in_one_collision_leaf_until_another_hash_arrives()
    {
        TrieNode? root = null;
        for (var i = 0; i < Trie.MaxLeaf * 3; i++)
        {
            root = Trie.Put(root, 0, 0xABCD_EF01, $"same-{i:D3}", View(1, "pbx-1", DeviceState.Busy));
        }
        var leaf = Assert.IsType<TrieLeaf>(root);
        Assert.Equal(Trie.MaxLeaf * 3, leaf.Count);

        root = Trie.Put(root, 0, 0xABCD_EF00, "other", View(1, "pbx-1", DeviceState.Busy));

        // They differ in the last bit only: a chain of branches down to the last level, then two leaves.
        var items = CheckShape(root);
        Assert.Equal(Trie.MaxLeaf * 3 + 1, items.Count);
        var node = root;
        for (var depth = 0; depth < (32 / Trie.BitsPerLevel) - 1; depth++)
        {
            node = Assert.IsType<TrieBranch>(node).Children[Trie.ChildIndex(0xABCD_EF01, depth)];
        }
        var last = Assert.IsType<TrieBranch>(node);
        Assert.Equal(Trie.MaxLeaf * 3, Assert.IsType<TrieLeaf>(last.Children[1]).Count);
        Assert.Equal("other", Assert.Single(Assert.IsType<TrieLeaf>(last.Children[0]).Items).Id);
    }

    [Fact]
    public void A_leaf_splits_into_a_branch_when_it_would_hold_one_entity_too_many()
    {
        TrieNode? root = null;
        for (var i = 0; i < Trie.MaxLeaf; i++)
        {
            root = Trie.Put(root, 0, (uint)i << 27, $"e{i}", View(1, "pbx-1", DeviceState.Busy));
        }
        Assert.IsType<TrieLeaf>(root);

        root = Trie.Put(root, 0, 7, "one-more", View(1, "pbx-1", DeviceState.Busy));

        var branch = Assert.IsType<TrieBranch>(root);
        Assert.Equal(Trie.MaxLeaf + 1, branch.Count);
        CheckShape(root);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Merging_tries_with_colliding_hashes_matches_merging_dictionaries_both_ways(int seed)
    {
        var random = new Random(seed);
        var ids = new CollidingIds(random);
        for (var round = 0; round < 40; round++)
        {
            // Sizes on both sides of a leaf's bound, so leaves meet branches.
            var (a, modelA) = RandomTrie(random, ids, random.Next(0, 3) == 0 ? random.Next(0, 10) : random.Next(0, 300));
            var (b, modelB) = RandomTrie(random, ids, random.Next(0, 3) == 0 ? random.Next(0, 10) : random.Next(0, 300));
            var model = Model();
            foreach (var (key, slot) in modelA.Concat(modelB))
            {
                model[key] = model.GetValueOrDefault(key, Slot.Empty).Merge(slot);
            }

            var ab = Trie.Merge(a, b, 0);
            var ba = Trie.Merge(b, a, 0);

            AssertMatches(model, ab);
            AssertMatches(model, ba);
            Assert.True(Trie.NodesEqual(ab, BuildFrom(model)));
        }
    }

    [Fact]
    public void A_merge_that_adds_nothing_returns_the_left_trie_itself()
    {
        var random = new Random(21);
        var ids = new CollidingIds(random);
        var (a, model) = RandomTrie(random, ids, 500);
        var copy = BuildFrom(model);
        Assert.NotSame(a, copy);

        Assert.Same(a, Trie.Merge(a, copy, 0));
        Assert.Same(copy, Trie.Merge(copy, a, 0));
    }

    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    public void The_diff_lists_exactly_the_new_and_changed_entities_with_colliding_hashes(int seed)
    {
        var random = new Random(seed);
        var ids = new CollidingIds(random);
        for (var round = 0; round < 60; round++)
        {
            var (before, modelBefore) = RandomTrie(random, ids, random.Next(0, 300));
            var after = before;
            var modelAfter = Model();
            foreach (var kv in modelBefore)
            {
                modelAfter[kv.Key] = kv.Value;
            }
            var changes = random.Next(0, 3) == 0 ? random.Next(0, 400) : random.Next(0, 5);
            for (var i = 0; i < changes; i++)
            {
                var (hash, id) = ids.Next(2_000);
                var entry = RandomEntry(random);
                after = Trie.Put(after, 0, hash, id, entry);
                var (slot, accepted) = modelAfter.GetValueOrDefault((hash, id), Slot.Empty).With(entry);
                if (accepted)
                {
                    modelAfter[(hash, id)] = slot;
                }
            }
            var expected = modelAfter
                .Where(kv => !modelBefore.TryGetValue(kv.Key, out var old) || !old.Equals(kv.Value))
                .Select(kv => new KeyValuePair<string, Slot>(kv.Key.Item2, kv.Value))
                .ToList();

            var viaPuts = new List<KeyValuePair<string, Slot>>();
            Trie.Diff(after, before, 0, viaPuts);
            // The same content with no shared nodes: the diff must not depend on sharing.
            var unshared = new List<KeyValuePair<string, Slot>>();
            Trie.Diff(BuildFrom(modelAfter), BuildFrom(modelBefore), 0, unshared);
            // And the other way round (entities only in the older trie are not listed).
            var backwards = new List<KeyValuePair<string, Slot>>();
            Trie.Diff(before, after, 0, backwards);

            Assert.Equal(expected, viaPuts);
            Assert.Equal(expected, unshared);
            Assert.Equal(
                modelBefore.Where(kv => !modelAfter[kv.Key].Equals(kv.Value)).Select(kv => new KeyValuePair<string, Slot>(kv.Key.Item2, kv.Value)),
                backwards);
        }
    }

    private static (TrieNode? Root, SortedDictionary<(uint, string), Slot> Model) RandomTrie(Random random, CollidingIds ids, int puts)
    {
        var model = Model();
        TrieNode? root = null;
        for (var i = 0; i < puts; i++)
        {
            var (hash, id) = ids.Next(2_000);
            var entry = RandomEntry(random);
            root = Trie.Put(root, 0, hash, id, entry);
            var (slot, accepted) = model.GetValueOrDefault((hash, id), Slot.Empty).With(entry);
            if (accepted)
            {
                model[(hash, id)] = slot;
            }
        }
        return (root, model);
    }

    // ---- EntityMap with real ids ----

    private static string RandomId(Random random, int space) => random.Next(4) switch
    {
        0 => $"PJSIP/{random.Next(space)}",
        1 => $"{random.Next(space)}@default",
        2 => $"jos\u00e9{random.Next(space)}",
        _ => $"\U0001F4DE{random.Next(space)}",
    };

    [Theory]
    [InlineData(41, 50)]
    [InlineData(42, 5_000)]
    public void An_EntityMap_answers_like_a_dictionary_after_random_puts(int seed, int idSpace)
    {
        var random = new Random(seed);
        var model = new Dictionary<string, Slot>(StringComparer.Ordinal);
        var map = EntityMap.Empty;
        for (var i = 0; i < 6_000; i++)
        {
            var id = RandomId(random, idSpace);
            var entry = RandomEntry(random);
            map = map.Put(id, entry);
            var (slot, accepted) = model.GetValueOrDefault(id, Slot.Empty).With(entry);
            if (accepted)
            {
                model[id] = slot;
            }
        }

        Assert.Equal(model.Count, map.Count);
        foreach (var (id, slot) in model)
        {
            Assert.Equal(slot, map.Get(id));
            Assert.True(map.TryGet(id, out var found));
            Assert.Equal(slot, found);
            Assert.True(map.Contains(id));
        }
        Assert.False(map.Contains("never-written"));
        Assert.False(map.TryGet("never-written", out var none));
        Assert.Same(Slot.Empty, none);
        Assert.Same(Slot.Empty, map.Get("never-written"));
        var listed = map.Entities.ToList();
        Assert.Equal(model.Count, listed.Select(kv => kv.Key).Distinct().Count());
        Assert.All(listed, kv => Assert.Equal(model[kv.Key], kv.Value));
        // Canonical order: by hash, then ordinal id.
        Assert.Equal(
            listed.Select(kv => kv.Key),
            model.Keys.OrderBy(EntityHash.Of).ThenBy(id => id, StringComparer.Ordinal));
        CheckShape(map.Root);
    }

    [Fact]
    public void A_map_built_in_one_pass_equals_the_same_entities_put_one_by_one_node_for_node()
    {
        var random = new Random(43);
        var entries = Enumerable.Range(0, 20_000).Select(_ => (Id: RandomId(random, 8_000), Entry: RandomEntry(random))).ToList();
        var incremental = entries.Aggregate(EntityMap.Empty, (map, e) => map.Put(e.Id, e.Entry));

        var bulk = EntityMap.FromEntities(incremental.Entities.Reverse());

        Assert.True(Trie.NodesEqual(incremental.Root, bulk.Root));
        Assert.Equal(incremental, bulk);
        Assert.Equal(incremental.GetHashCode(), bulk.GetHashCode());
        CheckShape(bulk.Root);
    }

    [Theory]
    [InlineData(51)]
    [InlineData(52)]
    public void PutAll_gives_the_same_map_and_delta_as_putting_one_write_after_another(int seed)
    {
        var random = new Random(seed);
        var map = Build(Enumerable.Range(0, 2_000).Select(_ => (RandomId(random, 3_000), RandomEntry(random))));
        for (var round = 0; round < 50; round++)
        {
            // Batches that repeat ids and carry entries older than the map's.
            var writes = Enumerable.Range(0, random.Next(0, 200)).Select(_ => (RandomId(random, 3_000), RandomEntry(random))).ToList();
            var start = round % 2 == 0 ? map : map.Put("PJSIP/pending", View(1, "pbx-1", DeviceState.Busy));

            var oneByOne = writes.Aggregate(start, (m, w) => m.Put(w.Item1, w.Item2));
            var batch = start.PutAll(writes);

            Assert.Equal(oneByOne, batch);
            Assert.Equal(oneByOne.Delta, batch.Delta);
            if (ReferenceEquals(oneByOne, start))
            {
                Assert.Same(start, batch);
            }
            Assert.Equal(oneByOne, start.Merge(batch.ResetDelta()));
            CheckShape(batch.Root);
            CheckShape(batch.Delta?.Root);
            map = batch.ResetDelta();
        }
    }

    [Fact]
    public void ChangedSince_lists_what_a_chain_of_puts_changed_and_nothing_else()
    {
        var random = new Random(61);
        var before = Build(Enumerable.Range(0, 5_000).Select(_ => (RandomId(random, 5_000), RandomEntry(random))));
        var after = before;
        var expected = new Dictionary<string, Slot>(StringComparer.Ordinal);
        for (var i = 0; i < 30; i++)
        {
            var id = RandomId(random, 6_000);
            after = after.Put(id, View(100 + i, "pbx-9", DeviceState.Ringing));
            expected[id] = after.Get(id);
        }

        var changed = after.ChangedSince(before);

        Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal), changed.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.Empty(after.ChangedSince(after));
        Assert.Empty(after.ChangedSince(after.Merge(before)));
        Assert.Empty(after.Merge(before).ChangedSince(after));
        Assert.Equal(after.Count, after.ChangedSince(EntityMap.Empty).Count);
    }

    [Fact]
    public void ChangedSince_after_merges_lists_what_the_merge_brought_in()
    {
        var random = new Random(62);
        var local = Build(Enumerable.Range(0, 3_000).Select(_ => (RandomId(random, 4_000), RandomEntry(random))));
        var remoteWrites = Enumerable.Range(0, 200).Select(_ => (RandomId(random, 4_000), RandomEntry(random))).ToList();
        // The remote copy shares no node with the local one, as after deserialization.
        var remote = EntityMap.FromEntities(remoteWrites.Aggregate(local, (m, w) => m.Put(w.Item1, w.Item2)).Entities);

        var merged = local.Merge(remote);

        var expected = merged.Entities.Where(kv => !local.Get(kv.Key).Equals(kv.Value)).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, merged.ChangedSince(local));
        Assert.Empty(merged.ChangedSince(remote));
    }

    [Fact]
    public void A_merge_keeps_the_nodes_of_the_left_map_that_did_not_change()
    {
        var random = new Random(63);
        var local = Build(Enumerable.Range(0, 3_000).Select(_ => (RandomId(random, 4_000), RandomEntry(random))));
        var remote = EntityMap.FromEntities(local.Put("PJSIP/new", View(1, "pbx-2", DeviceState.InUse)).Entities);

        var merged = local.Merge(remote);

        // Only the leaf that took the new entity is new (two or more if it had to split).
        var localLeaves = local.Leaves.ToHashSet(ReferenceEqualityComparer.Instance);
        var fresh = merged.Leaves.Where(leaf => !localLeaves.Contains(leaf)).ToList();
        Assert.Contains(fresh, leaf => leaf.Items.Any(item => item.Id == "PJSIP/new"));
        Assert.InRange(fresh.Sum(leaf => leaf.Count), 1, Trie.MaxLeaf + 1);
        Assert.Same(local.Root, local.Merge(EntityMap.FromEntities(local.Entities)).Root);
    }

    [Fact]
    public void Maps_with_equal_content_and_different_histories_are_equal_with_equal_hash_codes()
    {
        var random = new Random(64);
        var writes = Enumerable.Range(0, 3_000).Select(_ => (RandomId(random, 2_000), RandomEntry(random))).ToList();
        var forwards = writes.Aggregate(EntityMap.Empty, (m, w) => m.Put(w.Item1, w.Item2));
        var halves = Build(writes.Take(1_500)).Merge(Build(writes.Skip(1_500)));

        Assert.Equal(forwards, halves);
        Assert.Equal(forwards.GetHashCode(), halves.GetHashCode());
        var oneMore = forwards.Put("PJSIP/extra", View(1, "pbx-1", DeviceState.Busy));
        Assert.NotEqual(forwards, oneMore);
        Assert.NotEqual(oneMore, forwards);
        var (id, slot) = forwards.Entities.First();
        var changedSlot = forwards.Put(id, View(1_000, slot.Entries[0].SubKey.Length == 0 ? "pbx-1" : slot.Entries[0].SubKey, null));
        Assert.Equal(forwards.Count, changedSlot.Count);
        Assert.NotEqual(forwards, changedSlot);
    }

    [Theory]
    [InlineData("", 0xefd01f60u)]
    [InlineData("a", 0x82a2a958u)]
    [InlineData("PJSIP/1000", 0x17e22bd3u)]
    [InlineData("1000@default", 0xd93af19au)]
    [InlineData("jos\u00e9", 0x9ca36cacu)]
    [InlineData("\U0001F600", 0xda89b099u)]
    [InlineData("Custom:lamp1", 0xd9d63d7du)]
    public void The_entity_hash_is_fixed_so_every_node_and_version_orders_a_map_alike(string id, uint expected)
    {
        // FNV-1a 64 over UTF-8, MurmurHash3's fmix64, upper 32 bits (values computed independently).
        Assert.Equal(expected, EntityHash.Of(id));
    }

    [Fact]
    public void The_entities_of_one_key_spread_over_the_whole_trie()
    {
        // All ids of one key share FNV-1a modulo the key count; the trie's hash must not.
        var keys = new KeySpace(EntityKind.Device, 64);
        var ids = Enumerable.Range(0, 200_000).Select(i => $"PJSIP/{i}").Where(id => keys.IndexOf(id) == 5).ToList();
        var map = EntityMap.FromEntities(ids.Select(id => KeyValuePair.Create(id, Slot.Of(View(1, "pbx-1", DeviceState.Busy)))));

        var root = Assert.IsType<TrieBranch>(map.Root);
        Assert.All(root.Children, child => Assert.InRange(child?.Count ?? 0, ids.Count / Trie.Fanout / 2, ids.Count / Trie.Fanout * 2));
        var leaves = map.Leaves.ToList();
        Assert.InRange(ids.Count / (double)leaves.Count, 4, Trie.MaxLeaf);
    }
}
