namespace ActorPresence.Domain;

public enum EntityKind
{
    Device,
    Mailbox,
    Presence,
}

/// <summary>The one table of entity kinds and their names: in the API's documents and query
/// parameters, in metric tags and in distributed-data key ids.</summary>
public static class EntityKinds
{
    /// <summary>Every kind, in enum order.</summary>
    public static IReadOnlyList<EntityKind> All { get; } = [EntityKind.Device, EntityKind.Mailbox, EntityKind.Presence];

    private static readonly string[] Names = ["device", "mailbox", "presence"];

    /// <summary>The kind's name: <c>device</c>, <c>mailbox</c> or <c>presence</c>.</summary>
    public static string Name(this EntityKind kind) =>
        (uint)kind < (uint)Names.Length ? Names[(int)kind] : throw new ArgumentOutOfRangeException(nameof(kind), kind, null);

    /// <summary>The kind named <paramref name="name"/> (exact, lower case), if there is one.</summary>
    public static bool TryParse(string? name, out EntityKind kind)
    {
        var i = Array.IndexOf(Names, name);
        kind = i < 0 ? default : (EntityKind)i;
        return i >= 0;
    }
}

/// <summary>One node's view of a device.</summary>
public sealed record DeviceView(NodeName Node, DeviceState State, DateTimeOffset UpdatedAt);

/// <summary>A device as the cluster sees it: the aggregate of every node's view, and the views.</summary>
public sealed record DeviceSnapshot(DeviceId Id, DeviceState State, IReadOnlyList<DeviceView> Views);

public sealed record MailboxSnapshot(MailboxId Id, MailboxCounts Counts, NodeName WrittenBy, DateTimeOffset WrittenAt);

public sealed record PresenceSnapshot(PresentityId Id, Presence Presence, NodeName WrittenBy, DateTimeOffset WrittenAt);

/// <summary>
/// A state change delivered to a subscriber: its kind, the entity id, the new value and the node the
/// change came from. A subscriber first receives the current state (<see cref="IsInitial"/> set),
/// then every change, in order per entity, each once.
/// </summary>
public abstract record StateEvent(NodeName Origin, bool IsInitial)
{
    public abstract EntityKind Kind { get; }

    public abstract string Id { get; }
}

/// <summary>A device's views changed; <see cref="Device"/> holds the new aggregate and every view. Origin is the node whose view changed.</summary>
public sealed record DeviceStateEvent(DeviceSnapshot Device, NodeName Origin, bool IsInitial) : StateEvent(Origin, IsInitial)
{
    public override EntityKind Kind => EntityKind.Device;

    public override string Id => Device.Id.Value;
}

public sealed record MailboxStateEvent(MailboxSnapshot Mailbox, NodeName Origin, bool IsInitial) : StateEvent(Origin, IsInitial)
{
    public override EntityKind Kind => EntityKind.Mailbox;

    public override string Id => Mailbox.Id.Value;
}

public sealed record PresenceStateEvent(PresenceSnapshot Presence, NodeName Origin, bool IsInitial) : StateEvent(Origin, IsInitial)
{
    public override EntityKind Kind => EntityKind.Presence;

    public override string Id => Presence.Id.Value;
}

/// <summary>What a subscription covers: kinds, and either every entity, one id, or an id prefix.</summary>
public sealed record SubscriptionFilter
{
    private SubscriptionFilter(IReadOnlySet<EntityKind> kinds, string? exactId, string? prefix)
    {
        Kinds = kinds;
        ExactId = exactId;
        Prefix = prefix;
    }

    public IReadOnlySet<EntityKind> Kinds { get; }

    public string? ExactId { get; }

    public string? Prefix { get; }

    public static SubscriptionFilter Everything { get; } =
        new(new HashSet<EntityKind> { EntityKind.Device, EntityKind.Mailbox, EntityKind.Presence }, null, null);

    public static SubscriptionFilter AllOf(EntityKind kind) => new(new HashSet<EntityKind> { kind }, null, null);

    public static SubscriptionFilter Device(DeviceId id) => new(new HashSet<EntityKind> { EntityKind.Device }, id.Value, null);

    public static SubscriptionFilter Mailbox(MailboxId id) => new(new HashSet<EntityKind> { EntityKind.Mailbox }, id.Value, null);

    public static SubscriptionFilter Presence(PresentityId id) => new(new HashSet<EntityKind> { EntityKind.Presence }, id.Value, null);

    /// <summary>Every entity of <paramref name="kind"/> whose id starts with <paramref name="prefix"/> (ordinal).</summary>
    public static SubscriptionFilter WithPrefix(EntityKind kind, string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return new(new HashSet<EntityKind> { kind }, null, prefix);
    }

    public bool Matches(EntityKind kind, string id) =>
        Kinds.Contains(kind)
        && (ExactId is null || string.Equals(ExactId, id, StringComparison.Ordinal))
        && (Prefix is null || id.StartsWith(Prefix, StringComparison.Ordinal));
}
