using Akka.Actor;

namespace ActorPresence.Replication;

/// <summary>
/// Writes this node's changes of one kind to its local replica of distributed data and
/// acknowledges each writer once the replica holds its change. Per key one update is in flight;
/// changes that arrive meanwhile go together in the next update, so a busy node (or a slow durable
/// store) makes fewer, larger updates without any timer. The replicator applies an update in memory
/// (and so sends it on to the other nodes) before its durable store commits it: an update still
/// unanswered after <c>patience</c> (a stuck store) no longer holds the next one back, so the
/// other nodes still get every change.
/// </summary>
internal sealed class ReplicaWriter(KeySpace keys, long patienceMs)
{
    // Per key: the updates sent and not answered (usually none or one), oldest first.
    private readonly List<Batch>?[] _inFlight = new List<Batch>?[keys.Keys.Count];
    private readonly Batch?[] _next = new Batch?[keys.Keys.Count];

    /// <summary>Updates sent and not answered yet.</summary>
    public int InFlight => _inFlight.Sum(l => l?.Count ?? 0);

    /// <summary>
    /// Adds a change (or, with a null <paramref name="entry"/>, only an acknowledgement that must wait
    /// for the key's writes on their way). Returns a batch to send now when the key had none in
    /// flight; otherwise the change waits for the one in flight to finish.
    /// </summary>
    public Batch? Add(string id, Entry? entry, IActorRef? replyTo, object? ack, long now)
    {
        var key = keys.IndexOf(id);
        if (entry is null)
        {
            if (replyTo is null)
            {
                return null;
            }
            // Nothing to write: the answer waits only for writes of this key already on their way.
            var waitFor = _next[key] ?? Newest(key);
            if (waitFor is null)
            {
                replyTo.Tell(ack);
                return null;
            }
            waitFor.Acks.Add((replyTo, ack));
            return null;
        }
        var batch = _next[key] ??= new Batch(key);
        batch.Entries.Add((id, entry));
        if (replyTo is not null)
        {
            batch.Acks.Add((replyTo, ack));
        }
        return Newest(key) is null ? Send(key, now) : null;
    }

    /// <summary>
    /// The replica answered <paramref name="batch"/>: acknowledges its writers (or tells them
    /// <paramref name="failure"/>), and returns the key's next batch to send, if changes waited.
    /// </summary>
    public Batch? Completed(Batch batch, Exception? failure, long now)
    {
        if (_inFlight[batch.Key] is not { } inFlight || !inFlight.Remove(batch))
        {
            return null;
        }
        foreach (var (replyTo, ack) in batch.Acks)
        {
            replyTo.Tell(failure is null ? ack : new Status.Failure(failure));
        }
        return _next[batch.Key] is not null && inFlight.Count == 0 ? Send(batch.Key, now) : null;
    }

    /// <summary>The batches that waited longer than the patience behind an unanswered update: to send now.</summary>
    public List<Batch> Overdue(long now)
    {
        var due = new List<Batch>();
        for (var key = 0; key < _next.Length; key++)
        {
            if (_next[key] is not null && _inFlight[key] is [var oldest, ..] && now - oldest.SentAt >= patienceMs)
            {
                due.Add(Send(key, now));
            }
        }
        return due;
    }

    private Batch? Newest(int key) => _inFlight[key] is [.., var newest] ? newest : null;

    private Batch Send(int key, long now)
    {
        var batch = _next[key]!;
        _next[key] = null;
        batch.SentAt = now;
        (_inFlight[key] ??= []).Add(batch);
        return batch;
    }

    /// <summary>Changes of one key written together, and who waits for them.</summary>
    internal sealed class Batch(int key)
    {
        public int Key { get; } = key;

        public List<(string Id, Entry Entry)> Entries { get; } = [];

        public List<(IActorRef ReplyTo, object? Ack)> Acks { get; } = [];

        public long SentAt { get; set; }

        /// <summary>The update's function: the batch merged into the replica's value.</summary>
        public EntityMap ApplyTo(EntityMap map) => map.PutAll(Entries);
    }
}
