namespace ActorPresence.Entities.Messages;

/// <summary>A message about one entity: its manager routes it to the entity's actor by <see cref="Id"/>.</summary>
public interface IEntityMessage
{
    string Id { get; }
}

/// <summary>Which path brought an entry to this node.</summary>
public enum ChangeSource
{
    /// <summary>Written on this node.</summary>
    Local,

    /// <summary>Arrived straight from the writing node (the direct path).</summary>
    Direct,

    /// <summary>Arrived through distributed data.</summary>
    Replica,
}
