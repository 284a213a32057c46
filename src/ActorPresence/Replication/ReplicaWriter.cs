using Akka.Actor;

namespace ActorPresence.Replication;

/// <summary>
/// Writes this node's changes of one kind to its local replica of distributed data and
/// acknowledges each writer once the replica holds its change. Per key at most one update is in
/// flight; changes that arrive meanwhile go together in the next update, so a busy node (or a slow
/// durable store) makes fewer, larger updates without any timer.
/// </summary>
internal sealed class ReplicaWriter(KeySpace keys)
{
    private readonly Batch?[] _inFlight = new Batch?[keys.Keys.Count];
    private readonly Batch?[] _next = new Batch?[keys.Keys.Count];

    /// <summary>Updates sent and not answered yet.</summary>
    public int InFlight => _inFlight.Count(b => b is not null);

    /// <summary>
    /// Adds a change (or, with a null <paramref name="entry"/>, only an acknowledgement that must wait
    /// for the key's writes on their way). Returns a batch to send now when the key had none in
    /// flight; otherwise the change waits for the one in flight to finish.
    /// </summary>
    public Batch? Add(string id, Entry? entry, IActorRef? replyTo, object? ack)
    {
        var key = keys.IndexOf(id);
        if (entry is null)
        {
            if (replyTo is null)
            {
                return null;
            }
            // Nothing to write: the answer waits only for writes of this key already on their way.
            var waitFor = _next[key] ?? _inFlight[key];
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
        return _inFlight[key] is null ? Send(key) : null;
    }

    /// <summary>
    /// The replica answered <paramref name="batch"/>: acknowledges its writers (or tells them
    /// <paramref name="failure"/>), and returns the key's next batch to send, if changes waited.
    /// </summary>
    public Batch? Completed(Batch batch, Exception? failure)
    {
        if (!ReferenceEquals(_inFlight[batch.Key], batch))
        {
            return null;
        }
        _inFlight[batch.Key] = null;
        foreach (var (replyTo, ack) in batch.Acks)
        {
            replyTo.Tell(failure is null ? ack : new Status.Failure(failure));
        }
        return _next[batch.Key] is not null ? Send(batch.Key) : null;
    }

    private Batch Send(int key)
    {
        var batch = _next[key]!;
        _next[key] = null;
        _inFlight[key] = batch;
        return batch;
    }

    /// <summary>Changes of one key written together, and who waits for them.</summary>
    internal sealed class Batch(int key)
    {
        public int Key { get; } = key;

        public List<(string Id, Entry Entry)> Entries { get; } = [];

        public List<(IActorRef ReplyTo, object? Ack)> Acks { get; } = [];

        /// <summary>The update's function: the batch merged into the replica's value.</summary>
        public EntityMap ApplyTo(EntityMap map)
        {
            foreach (var (id, entry) in Entries)
            {
                map = map.Put(id, entry);
            }
            return map;
        }
    }
}
