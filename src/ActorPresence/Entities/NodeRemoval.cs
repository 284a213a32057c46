using ActorPresence.Replication;

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
