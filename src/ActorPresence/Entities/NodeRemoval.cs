using ActorPresence.Domain;
using ActorPresence.Replication;
using Akka.Event;
using static ActorPresence.Entities.Messages.EntityHandshake;

namespace ActorPresence.Entities;

/// <summary>
/// Which incarnations of which nodes have been removed from the cluster, and which device views
/// must therefore be withdrawn: a removed incarnation's live views, wherever they show up (a view
/// can arrive late, by gossip from a node that had not seen the removal), and a live view under this
/// node's own name from an earlier incarnation (a restarted node holds no view until its host sets
/// one again).
/// </summary>
internal sealed class NodeRemoval(string nodeName, long incarnation)
{
    private readonly HashSet<(string Node, long Incarnation)> _removed = [];

    public void Add(string node, long removedIncarnation) => _removed.Add((node, removedIncarnation));

    /// <summary>An incarnation of <paramref name="node"/> was removed from the cluster. Every live entity
    /// actor of <paramref name="kind"/> is told (it withdraws that incarnation's views and writes what
    /// came from it only by the direct path); so are the entities with no actor here
    /// (<paramref name="actorless"/>); device views of that incarnation are withdrawn from now on,
    /// wherever they show up.</summary>
    public void OnRemoved(EntityKind kind, string node, long removedIncarnation, IReadOnlyCollection<string> liveIds,
        IEntityRoutes routes, ActorlessEntities actorless, ILoggingAdapter log)
    {
        if (kind == EntityKind.Device)
        {
            Add(node, removedIncarnation);
        }
        var notice = new WriterRemoved(node, removedIncarnation);
        foreach (var id in liveIds)
        {
            routes.Route(id, notice, null);
        }
        if (actorless.AdoptWritesOf(node) is var adopted and > 0)
        {
            log.Info("Node {0} (incarnation {1}) removed: wrote {2} of its {3} change(s) that had come only by the direct path", node, removedIncarnation, adopted, kind);
        }
        if (kind == EntityKind.Device)
        {
            var withdrawn = actorless.WithdrawViewsOfEvery(node, removedIncarnation);
            log.Info("Node {0} (incarnation {1}) removed: withdrawing its views of {2} device(s) held here and those of {3} live device actor(s)",
                node, removedIncarnation, withdrawn, liveIds.Count);
        }
    }

    /// <summary>The incarnations whose live views in <paramref name="slot"/> must be withdrawn. One look
    /// per view in the slot (a handful), not per removed incarnation (which only grow).</summary>
    public List<(string Node, long Incarnation)>? StaleViews(Slot slot)
    {
        List<(string, long)>? stale = null;
        foreach (var entry in slot.Entries)
        {
            if (entry is not DeviceViewEntry { State: not null } view)
            {
                continue;
            }
            var node = view.Stamp.Node;
            var ownEarlier = string.Equals(node, nodeName, StringComparison.Ordinal) && view.Incarnation != incarnation;
            if (ownEarlier || _removed.Contains((node, view.Incarnation)))
            {
                (stale ??= []).Add((node, view.Incarnation));
            }
        }
        return stale;
    }
}
