namespace ActorPresence.Domain;

/// <summary>
/// The nine device states, with Asterisk's names, order and wire values
/// (<c>enum ast_device_state</c>), which telephony people already know.
/// </summary>
public enum DeviceState
{
    Unknown = 0,
    NotInUse = 1,
    InUse = 2,
    Busy = 3,
    Invalid = 4,
    Unavailable = 5,
    Ringing = 6,
    RingInUse = 7,
    OnHold = 8,
}

/// <summary>Asterisk's spelling of device states (<c>NOT_INUSE</c>, <c>RINGINUSE</c>…), both ways.</summary>
public static class DeviceStateNames
{
    private static readonly string[] Names =
        ["UNKNOWN", "NOT_INUSE", "INUSE", "BUSY", "INVALID", "UNAVAILABLE", "RINGING", "RINGINUSE", "ONHOLD"];

    /// <summary>Every state in wire-value order.</summary>
    public static IReadOnlyList<DeviceState> All { get; } = Enumerable.Range(0, Names.Length).Select(i => (DeviceState)i).ToArray();

    public static string ToName(this DeviceState state) =>
        (uint)state < (uint)Names.Length
            ? Names[(int)state]
            : throw new ArgumentOutOfRangeException(nameof(state), state, "not a device state");

    public static bool TryParse(string? text, out DeviceState state)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (string.Equals(Names[i], text, StringComparison.OrdinalIgnoreCase))
            {
                state = (DeviceState)i;
                return true;
            }
        }
        state = DeviceState.Invalid;
        return false;
    }

    /// <summary>Parses an Asterisk state name (case-insensitive) or raises a validation error naming <paramref name="field"/>.</summary>
    public static DeviceState Parse(string? text, string field = "state") =>
        TryParse(text, out var state)
            ? state
            : throw new ValidationException(field, $"must be one of {string.Join(", ", Names)} (got '{text}')");

    /// <summary>True for a defined state; guards values that arrive as raw integers.</summary>
    public static bool IsDefined(DeviceState state) => (uint)state < (uint)Names.Length;
}
