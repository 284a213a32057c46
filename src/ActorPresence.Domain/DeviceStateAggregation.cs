namespace ActorPresence.Domain;

/// <summary>
/// Aggregates several nodes' views of one device into the state the cluster shows, following
/// Asterisk's <c>ast_devstate_aggregate</c>: RINGING sets a ringing flag, INUSE/ONHOLD/BUSY set an
/// in-use flag, both flags give RINGINUSE, otherwise the highest-ranked view wins. The result does
/// not depend on order, and no views at all give INVALID.
/// </summary>
public static class DeviceStateAggregation
{
    // Rank by wire value: INVALID 0 < UNKNOWN 1 < UNAVAILABLE 2 < NOT_INUSE 3 < ONHOLD 4 < RINGING 5 < INUSE 6 < BUSY 7 < RINGINUSE 8.
    private static readonly int[] RankByState = [1, 3, 6, 7, 0, 2, 5, 8, 4];

    public static int Rank(DeviceState state) => RankByState[(int)state];

    /// <summary>The aggregate of two views.</summary>
    public static DeviceState Combine(DeviceState a, DeviceState b) => Aggregator.Empty.Add(a).Add(b).Result;

    public static DeviceState Aggregate(IEnumerable<DeviceState> views)
    {
        var acc = Aggregator.Empty;
        foreach (var view in views)
        {
            acc = acc.Add(view);
        }
        return acc.Result;
    }

    /// <summary>Running aggregation; a value type so the hot path allocates nothing.</summary>
    public readonly record struct Aggregator(bool Ringing, bool InUse, DeviceState Best)
    {
        public static Aggregator Empty => new(false, false, DeviceState.Invalid);

        public Aggregator Add(DeviceState view)
        {
            var ringing = Ringing || view == DeviceState.Ringing;
            var inUse = InUse || view is DeviceState.InUse or DeviceState.OnHold or DeviceState.Busy;
            var best = Rank(view) > Rank(Best) ? view : Best;
            return new Aggregator(ringing, inUse, best);
        }

        public DeviceState Result => Ringing && InUse ? DeviceState.RingInUse : Best;
    }
}
