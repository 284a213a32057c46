using ActorPresence.Domain;

namespace ActorPresence.Entities;

/// <summary>
/// Who subscribed to what, for one kind on one node: subscribers of one entity, and of a prefix (or
/// of everything). The manager keeps this table and hands each entity actor the subscribers that
/// cover its entity; the actors send them the changes (the manager itself, for an entity with no
/// actor). Routing information only, no entity state.
/// </summary>
internal sealed class Subscriptions(EntityKind kind)
{
    private readonly Dictionary<string, List<Subscriber>> _byId = new(StringComparer.Ordinal);
    private readonly List<(SubscriptionFilter Filter, Subscriber Subscriber)> _byPrefix = [];
    // Every subscriber, with how many of its subscriptions are registered here.
    private readonly Dictionary<Subscriber, int> _subscribers = [];
    private readonly Dictionary<Akka.Actor.IActorRef, Subscriber> _byActor = [];

    public int SubscriberCount => _subscribers.Count;

    public IEnumerable<Subscriber> Subscribers => _subscribers.Keys;

    public bool HasPrefixSubscriptions => _byPrefix.Count > 0;

    /// <summary>Whether anyone subscribed to anything of this kind here.</summary>
    public bool HasAny => _subscribers.Count > 0;

    /// <summary>Registers a subscription; false when it was already there. <paramref name="newSubscriber"/>
    /// tells whether the subscriber had nothing here before (the manager then watches it).</summary>
    public bool Add(SubscriptionFilter filter, Subscriber subscriber, out bool newSubscriber)
    {
        newSubscriber = !_subscribers.ContainsKey(subscriber);
        if (filter.ExactId is { } id)
        {
            if (!_byId.TryGetValue(id, out var list))
            {
                _byId[id] = list = [];
            }
            if (list.Contains(subscriber))
            {
                return false;
            }
            list.Add(subscriber);
        }
        else
        {
            if (_byPrefix.Contains((filter, subscriber)))
            {
                return false;
            }
            _byPrefix.Add((filter, subscriber));
        }
        _subscribers[subscriber] = _subscribers.GetValueOrDefault(subscriber) + 1;
        _byActor[subscriber.Actor] = subscriber;
        return true;
    }

    /// <summary>Forgets every subscription of <paramref name="subscriber"/>; returns the entities and
    /// prefixes it covered, whose actors must forget it too.</summary>
    public Removal RemoveAll(Akka.Actor.IActorRef actor)
    {
        var removed = new Removal([], []);
        if (!_byActor.Remove(actor, out var subscriber) || !_subscribers.Remove(subscriber))
        {
            return removed;
        }
        List<string>? emptied = null;
        foreach (var (id, list) in _byId)
        {
            if (list.Remove(subscriber))
            {
                removed.Ids.Add(id);
                if (list.Count == 0)
                {
                    (emptied ??= []).Add(id);
                }
            }
        }
        foreach (var id in emptied ?? [])
        {
            _byId.Remove(id);
        }
        for (var i = _byPrefix.Count - 1; i >= 0; i--)
        {
            if (_byPrefix[i].Subscriber.Equals(subscriber))
            {
                removed.Prefixes.Add(_byPrefix[i].Filter);
                _byPrefix.RemoveAt(i);
            }
        }
        return removed;
    }

    /// <summary>Every subscriber covering entity <paramref name="id"/>, each once.</summary>
    public List<Subscriber> For(string id)
    {
        var result = new List<Subscriber>();
        if (_byId.TryGetValue(id, out var exact))
        {
            result.AddRange(exact);
        }
        foreach (var (filter, subscriber) in _byPrefix)
        {
            if (filter.Matches(kind, id) && !result.Contains(subscriber))
            {
                result.Add(subscriber);
            }
        }
        return result;
    }

    /// <param name="Ids">Entities the subscriber had subscribed to one by one.</param>
    /// <param name="Prefixes">Its prefix (and everything) subscriptions.</param>
    public sealed record Removal(List<string> Ids, List<SubscriptionFilter> Prefixes)
    {
        public bool Covers(EntityKind kind, string id) => Ids.Contains(id) || Prefixes.Exists(f => f.Matches(kind, id));
    }
}
