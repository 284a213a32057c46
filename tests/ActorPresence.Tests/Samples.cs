using ActorPresence.Domain;
using ActorPresence.Replication;

namespace ActorPresence.Tests;

/// <summary>Entries and maps the replication and serialization tests share.</summary>
internal static class Samples
{
    public static readonly long T0 = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero).UtcTicks;

    public static Stamp At(long offset, string node) => new(T0 + offset, node);

    public static DeviceViewEntry View(long offset, string node, DeviceState? state, long incarnation = 1) =>
        new(At(offset, node), incarnation, state);

    public static MailboxEntry Mailbox(long offset, string node, int @new, int old, int urgent = 0) =>
        new(At(offset, node), new MailboxCounts(@new, old, urgent));

    public static PresenceEntry Presence(long offset, string node, PresenceState state, string subtype = "", string message = "") =>
        new(At(offset, node), new Presence(state, subtype, message));

    /// <summary>Device views: several nodes per device, every state, a withdrawn view, odd incarnations.</summary>
    public static IReadOnlyList<(string Id, Entry Entry)> DeviceEntries { get; } =
    [
        ("PJSIP/1000", View(10, "pbx-1", DeviceState.InUse, incarnation: 7)),
        ("PJSIP/1000", View(20, "pbx-2", DeviceState.Ringing, incarnation: -42)),
        ("PJSIP/1000", View(30, "pbx-3", null, incarnation: long.MaxValue)),
        ("Custom:lamp1", View(40, "pbx-1", DeviceState.OnHold, incarnation: long.MinValue)),
        ("SIP/alice", View(0, "n0", DeviceState.Unknown)),
        ("SIP/alice", View(1, "n1", DeviceState.NotInUse)),
        ("SIP/alice", View(2, "n2", DeviceState.InUse)),
        ("SIP/alice", View(3, "n3", DeviceState.Busy)),
        ("SIP/alice", View(4, "n4", DeviceState.Invalid)),
        ("SIP/alice", View(5, "n5", DeviceState.Unavailable)),
        ("SIP/alice", View(6, "n6", DeviceState.Ringing)),
        ("SIP/alice", View(7, "n7", DeviceState.RingInUse)),
        ("SIP/alice", View(8, "n8", DeviceState.OnHold)),
        ("SIP/alice", View(9, "n9", null)),
    ];

    public static IReadOnlyList<(string Id, Entry Entry)> MailboxEntries { get; } =
    [
        ("1000@default", Mailbox(10, "pbx-1", 3, 7, 2)),
        ("1001@default", Mailbox(11, "pbx-2", 0, 0, 0)),
        ("2000@sales", Mailbox(12, "pbx-3", int.MaxValue, int.MaxValue, int.MaxValue)),
        ("9@x", Mailbox(-5, "pbx-1", 128, 300, 127)),
    ];

    public static IReadOnlyList<(string Id, Entry Entry)> PresenceEntries { get; } =
    [
        ("alice", Presence(10, "pbx-1", PresenceState.Away, "lunch", "en r\u00e9union \U0001F4DE \u4f1a\u8bae\u4e2d")),
        ("jos\u00e9", Presence(11, "pbx-2", PresenceState.Dnd, "on-the-phone", "")),
        ("\U0001F600", Presence(12, "pbx-3", PresenceState.NotSet)),
        ("bob", Presence(13, "pbx-1", PresenceState.Chat, "", new string('m', 500) + "\u00e9\u00e9\u00e9")),
    ];

    public static EntityMap Build(IEnumerable<(string Id, Entry Entry)> entries) =>
        entries.Aggregate(EntityMap.Empty, (map, e) => map.Put(e.Id, e.Entry)).ResetDelta();
}
