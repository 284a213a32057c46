namespace ActorPresence.Domain;

/// <summary>Presence states, in the order telephony people know them.</summary>
public enum PresenceState
{
    NotSet = 0,
    Unavailable = 1,
    Available = 2,
    Away = 3,
    Xa = 4,
    Chat = 5,
    Dnd = 6,
}

public static class PresenceStateNames
{
    private static readonly string[] Names = ["not_set", "unavailable", "available", "away", "xa", "chat", "dnd"];

    public static IReadOnlyList<PresenceState> All { get; } = Enumerable.Range(0, Names.Length).Select(i => (PresenceState)i).ToArray();

    public static string ToName(this PresenceState state) =>
        (uint)state < (uint)Names.Length
            ? Names[(int)state]
            : throw new ArgumentOutOfRangeException(nameof(state), state, "not a presence state");

    public static bool IsDefined(PresenceState state) => (uint)state < (uint)Names.Length;

    public static PresenceState Parse(string? text, string field = "state")
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (string.Equals(Names[i], text, StringComparison.OrdinalIgnoreCase))
            {
                return (PresenceState)i;
            }
        }
        throw new ValidationException(field, $"must be one of {string.Join(", ", Names)} (got '{text}')");
    }
}

/// <summary>A presentity's presence: a state, a subtype and a free-text message.</summary>
public sealed record Presence
{
    public const int MaxSubtypeLength = 64;
    public const int MaxMessageLength = 512;

    public Presence(PresenceState state, string? subtype = null, string? message = null)
    {
        if (!PresenceStateNames.IsDefined(state))
        {
            throw new ValidationException("state", $"must be a defined presence state (got {(int)state})");
        }
        State = state;
        Subtype = IdRules.PrintableText(subtype ?? "", "subtype", 0, MaxSubtypeLength);
        Message = IdRules.PrintableText(message ?? "", "message", 0, MaxMessageLength);
    }

    public PresenceState State { get; }

    public string Subtype { get; }

    public string Message { get; }
}
