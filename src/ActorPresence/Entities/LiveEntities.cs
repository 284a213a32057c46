using Akka.Actor;

namespace ActorPresence.Entities;

/// <summary>
/// The entity actors running under one manager, and the passivation hand-off: an actor asked to
/// stop when idle may still be sent messages until it answers; they are held here and replayed to
/// it (it stayed) or to a fresh actor (it stopped). Idleness is measured here, by when the manager
/// last routed something to an actor, so an actor needs no timer of its own.
/// </summary>
internal sealed class LiveEntities
{
    private readonly Dictionary<string, Live> _live = new(StringComparer.Ordinal);

    public int Count => _live.Count;

    public IEnumerable<string> Ids => _live.Keys;

    public bool IsLive(string id) => _live.ContainsKey(id);

    public void Add(string id, IActorRef actor, long now) => _live[id] = new Live(actor, now);

    /// <summary>Delivers <paramref name="message"/> to the entity's actor, or holds it while the actor
    /// decides whether to stop. False when the entity has no actor.</summary>
    public bool TryTell(string id, object message, IActorRef? sender, long now)
    {
        if (!_live.TryGetValue(id, out var live))
        {
            return false;
        }
        if (live.Held is { } held)
        {
            held.Add((message, sender));
            return true;
        }
        live.Touched = now;
        live.Pinned = false;
        live.Actor.Tell(message, sender);
        return true;
    }

    /// <summary>Actors untouched for <paramref name="idleFor"/> ticks, not pinned, not already asked:
    /// from now on their messages are held until they answer.</summary>
    public List<(string Id, IActorRef Actor)> StartPassivating(long now, long idleFor)
    {
        var asked = new List<(string, IActorRef)>();
        foreach (var (id, live) in _live)
        {
            if (live.Held is null && !live.Pinned && now - live.Touched >= idleFor)
            {
                live.Held = [];
                asked.Add((id, live.Actor));
            }
        }
        return asked;
    }

    /// <summary>The actor stays: it gets what was held for it.</summary>
    public void Stayed(string id, bool pinned, long now)
    {
        if (!_live.TryGetValue(id, out var live) || live.Held is not { } held)
        {
            return;
        }
        live.Held = null;
        live.Pinned = pinned && held.Count == 0;
        live.Touched = now;
        foreach (var (message, sender) in held)
        {
            live.Actor.Tell(message, sender);
        }
    }

    /// <summary>The actor stopped (or is stopping): forgets it, and gives what was held for it. False
    /// when <paramref name="actor"/> is not (or no longer) the entity's actor.</summary>
    public bool Remove(string id, IActorRef actor, out List<(object Message, IActorRef? Sender)>? held)
    {
        held = null;
        if (!_live.TryGetValue(id, out var live) || !live.Actor.Equals(actor))
        {
            return false;
        }
        _live.Remove(id);
        held = live.Held;
        return true;
    }

    public IEnumerable<(string Id, IActorRef Actor)> All() => _live.Select(kv => (kv.Key, kv.Value.Actor));

    private sealed class Live(IActorRef actor, long touched)
    {
        public IActorRef Actor { get; } = actor;

        public long Touched { get; set; } = touched;

        /// <summary>Answered that it stays until a message changes that (a view of this node's own).</summary>
        public bool Pinned { get; set; }

        /// <summary>Messages held while the actor decides whether to stop; null when not asked.</summary>
        public List<(object Message, IActorRef? Sender)>? Held { get; set; }
    }
}
