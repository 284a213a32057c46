using ActorPresence.Replication;

namespace ActorPresence.Entities;

/// <summary>
/// What one node knows of one kind's entities apart from its live entity actors: the last read of
/// every distributed-data key of the local replica, plus an overlay of what the node holds ahead of
/// it (changes from the direct path, the last state of a stopped actor) until the replica catches up.
/// The replica reads are references to distributed data's own immutable values, not copies.
/// </summary>
internal sealed class ReplicaView
{
    private readonly KeySpace _keys;
    private readonly EntityMap[] _snapshots;
    // Per key, so a changed key only looks at its own part of the overlay.
    private readonly Dictionary<string, Slot>[] _ahead;

    public ReplicaView(KeySpace keys)
    {
        _keys = keys;
        _snapshots = Enumerable.Repeat(EntityMap.Empty, keys.Keys.Count).ToArray();
        _ahead = Enumerable.Range(0, keys.Keys.Count).Select(_ => new Dictionary<string, Slot>(StringComparer.Ordinal)).ToArray();
    }

    public KeySpace Keys => _keys;

    /// <summary>The freshest state this node holds of an entity outside its live actors.</summary>
    public Slot Current(string id)
    {
        var index = _keys.IndexOf(id);
        var replica = _snapshots[index].Get(id);
        return _ahead[index].TryGetValue(id, out var ahead) ? replica.Merge(ahead) : replica;
    }

    /// <summary>What the replica alone holds of an entity (as of its last read).</summary>
    public Slot InReplica(string id) => _snapshots[_keys.IndexOf(id)].Get(id);

    /// <summary>Records that this node holds <paramref name="slot"/> for an entity; kept while the replica lacks part of it.</summary>
    public void HoldAhead(string id, Slot slot)
    {
        var index = _keys.IndexOf(id);
        var replica = _snapshots[index].Get(id);
        if (replica.Merge(slot).Equals(replica))
        {
            _ahead[index].Remove(id);
        }
        else
        {
            _ahead[index][id] = slot;
        }
    }

    /// <summary>Forgets what is held ahead of the replica for an entity (a live actor holds it now).</summary>
    public void Forget(string id) => _ahead[_keys.IndexOf(id)].Remove(id);

    /// <summary>Entities with an entry in the replica or held ahead of it (each once).</summary>
    public IEnumerable<string> Ids()
    {
        for (var i = 0; i < _snapshots.Length; i++)
        {
            var ahead = _ahead[i];
            foreach (var (id, _) in _snapshots[i].Entities)
            {
                yield return id;
            }
            foreach (var id in ahead.Keys)
            {
                if (!_snapshots[i].Contains(id))
                {
                    yield return id;
                }
            }
        }
    }

    /// <summary>Entities held ahead of the replica, with what is held.</summary>
    public IEnumerable<KeyValuePair<string, Slot>> Ahead() => _ahead.SelectMany(part => part);

    /// <summary>The last read of key <paramref name="index"/>.</summary>
    public EntityMap Replica(int index) => _snapshots[index];

    /// <summary>The digest of the last read of key <paramref name="index"/> (<see cref="EntityMap.Digest"/>).</summary>
    public ulong Digest(int index) => _snapshots[index].Digest();

    /// <summary>Nothing read of key <paramref name="index"/> yet, and nothing held ahead of it.</summary>
    public bool IsUnread(int index) => ReferenceEquals(_snapshots[index], EntityMap.Empty) && _ahead[index].Count == 0;

    /// <summary>
    /// The entities whose slot in <paramref name="map"/>, a new read of key <paramref name="index"/>,
    /// differs from the last read, each with the entries this node did not hold yet. Work is
    /// proportional to what changed. Nothing is recorded until <see cref="Commit"/>.
    /// </summary>
    public List<ReplicaChange> Changes(int index, EntityMap map)
    {
        var changes = new List<ReplicaChange>();
        var previous = _snapshots[index];
        if (ReferenceEquals(previous, map))
        {
            return changes;
        }
        foreach (var (id, slot) in map.ChangedSince(previous))
        {
            changes.Add(new ReplicaChange(id, slot, Current(id).Missing(slot).ToList()));
        }
        return changes;
    }

    /// <summary>Takes <paramref name="map"/> as the last read of key <paramref name="index"/> (whose
    /// <paramref name="changes"/> <see cref="Changes"/> gave) and forgets what the overlay held that
    /// the replica now holds as well. Only a changed entity can have caught up, so only those are looked at.</summary>
    public void Commit(int index, EntityMap map, IReadOnlyList<ReplicaChange> changes)
    {
        _snapshots[index] = map;
        var ahead = _ahead[index];
        if (ahead.Count == 0)
        {
            return;
        }
        foreach (var change in changes)
        {
            if (ahead.TryGetValue(change.Id, out var slot) && change.Slot.Merge(slot).Equals(change.Slot))
            {
                ahead.Remove(change.Id);
            }
        }
    }

    /// <summary>Entities held per key (replica plus those only ahead of it), and in all.</summary>
    public (int Held, int[] PerKey) Counts()
    {
        var perKey = new int[_snapshots.Length];
        var held = 0;
        for (var i = 0; i < _snapshots.Length; i++)
        {
            perKey[i] = _snapshots[i].Count;
            var onlyAhead = 0;
            foreach (var id in _ahead[i].Keys)
            {
                if (!_snapshots[i].Contains(id))
                {
                    onlyAhead++;
                }
            }
            held += perKey[i] + onlyAhead;
        }
        return (held, perKey);
    }
}

/// <param name="Slot">The entity's slot in the new read of the replica.</param>
/// <param name="Missing">The entries of <c>Slot</c> this node did not hold before (outside live actors).</param>
internal sealed record ReplicaChange(string Id, Slot Slot, IReadOnlyList<Entry> Missing);
