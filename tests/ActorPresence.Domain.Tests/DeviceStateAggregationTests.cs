using ActorPresence.Domain;

namespace ActorPresence.Domain.Tests;

/// <summary>
/// Aggregation of device views against the table of DESIGN.md §2 (Asterisk's ast_devstate_aggregate).
/// The table is typed in here as its own data, with Asterisk's names, so it checks the code rather
/// than restating it.
/// </summary>
public sealed class DeviceStateAggregationTests
{
    // DESIGN.md §2, row ⊕ column. IDLE = NOT_INUSE, RIU = RINGINUSE in the design's table.
    private static readonly string[] Columns =
        ["UNKNOWN", "NOT_INUSE", "INUSE", "BUSY", "INVALID", "UNAVAILABLE", "RINGING", "RINGINUSE", "ONHOLD"];

    private static readonly string[][] Table =
    [
        /* UNKNOWN     */ ["UNKNOWN", "NOT_INUSE", "INUSE", "BUSY", "UNKNOWN", "UNAVAILABLE", "RINGING", "RINGINUSE", "ONHOLD"],
        /* NOT_INUSE   */ ["NOT_INUSE", "NOT_INUSE", "INUSE", "BUSY", "NOT_INUSE", "NOT_INUSE", "RINGING", "RINGINUSE", "ONHOLD"],
        /* INUSE       */ ["INUSE", "INUSE", "INUSE", "BUSY", "INUSE", "INUSE", "RINGINUSE", "RINGINUSE", "INUSE"],
        /* BUSY        */ ["BUSY", "BUSY", "BUSY", "BUSY", "BUSY", "BUSY", "RINGINUSE", "RINGINUSE", "BUSY"],
        /* INVALID     */ ["UNKNOWN", "NOT_INUSE", "INUSE", "BUSY", "INVALID", "UNAVAILABLE", "RINGING", "RINGINUSE", "ONHOLD"],
        /* UNAVAILABLE */ ["UNAVAILABLE", "NOT_INUSE", "INUSE", "BUSY", "UNAVAILABLE", "UNAVAILABLE", "RINGING", "RINGINUSE", "ONHOLD"],
        /* RINGING     */ ["RINGING", "RINGING", "RINGINUSE", "RINGINUSE", "RINGING", "RINGING", "RINGING", "RINGINUSE", "RINGINUSE"],
        /* RINGINUSE   */ ["RINGINUSE", "RINGINUSE", "RINGINUSE", "RINGINUSE", "RINGINUSE", "RINGINUSE", "RINGINUSE", "RINGINUSE", "RINGINUSE"],
        /* ONHOLD      */ ["ONHOLD", "ONHOLD", "INUSE", "BUSY", "ONHOLD", "ONHOLD", "RINGINUSE", "RINGINUSE", "ONHOLD"],
    ];

    // Asterisk's names and wire values, typed in independently of DeviceStateNames.
    private static readonly Dictionary<string, DeviceState> ByAsteriskName = new(StringComparer.Ordinal)
    {
        ["UNKNOWN"] = (DeviceState)0,
        ["NOT_INUSE"] = (DeviceState)1,
        ["INUSE"] = (DeviceState)2,
        ["BUSY"] = (DeviceState)3,
        ["INVALID"] = (DeviceState)4,
        ["UNAVAILABLE"] = (DeviceState)5,
        ["RINGING"] = (DeviceState)6,
        ["RINGINUSE"] = (DeviceState)7,
        ["ONHOLD"] = (DeviceState)8,
    };

    private static readonly DeviceState[] AllStates = [.. Enumerable.Range(0, 9).Select(i => (DeviceState)i)];

    public static TheoryData<string, string, string> Pairs()
    {
        var data = new TheoryData<string, string, string>();
        for (var row = 0; row < Columns.Length; row++)
        {
            for (var column = 0; column < Columns.Length; column++)
            {
                data.Add(Columns[row], Columns[column], Table[row][column]);
            }
        }
        return data;
    }

    [Fact]
    public void The_typed_in_table_has_81_cells_and_is_symmetric()
    {
        Assert.Equal(81, Pairs().Count());
        for (var row = 0; row < 9; row++)
        {
            Assert.Equal(9, Table[row].Length);
            for (var column = 0; column < 9; column++)
            {
                Assert.Equal(Table[row][column], Table[column][row]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Combining_two_views_gives_the_state_in_the_design_table(string left, string right, string expected)
    {
        var actual = DeviceStateAggregation.Combine(ByAsteriskName[left], ByAsteriskName[right]);

        Assert.Equal(ByAsteriskName[expected], actual);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Aggregating_two_views_gives_the_state_in_the_design_table(string left, string right, string expected)
    {
        var actual = DeviceStateAggregation.Aggregate([ByAsteriskName[left], ByAsteriskName[right]]);

        Assert.Equal(ByAsteriskName[expected], actual);
    }

    [Fact]
    public void Ringing_plus_InUse_is_RingInUse()
    {
        Assert.Equal(DeviceState.RingInUse, DeviceStateAggregation.Combine(DeviceState.Ringing, DeviceState.InUse));
    }

    [Fact]
    public void Ringing_plus_OnHold_is_RingInUse_although_neither_ranks_as_high_as_InUse()
    {
        Assert.Equal(DeviceState.RingInUse, DeviceStateAggregation.Combine(DeviceState.Ringing, DeviceState.OnHold));
    }

    [Fact]
    public void Aggregate_of_no_views_is_Invalid()
    {
        Assert.Equal(DeviceState.Invalid, DeviceStateAggregation.Aggregate([]));
    }

    [Fact]
    public void Aggregate_of_a_single_view_is_that_view()
    {
        foreach (var state in AllStates)
        {
            Assert.Equal(state, DeviceStateAggregation.Aggregate([state]));
        }
    }

    [Fact]
    public void Every_permutation_of_every_triple_aggregates_to_the_same_state_as_folding_Combine()
    {
        var failures = new List<string>();
        foreach (var a in AllStates)
        {
            foreach (var b in AllStates)
            {
                foreach (var c in AllStates)
                {
                    var folded = DeviceStateAggregation.Combine(DeviceStateAggregation.Combine(a, b), c);
                    foreach (var permutation in Permutations(a, b, c))
                    {
                        var aggregate = DeviceStateAggregation.Aggregate(permutation);
                        var foldedPermutation = permutation.Aggregate(DeviceState.Invalid, DeviceStateAggregation.Combine);
                        if (aggregate != folded || foldedPermutation != folded)
                        {
                            failures.Add($"{string.Join("+", permutation)}: aggregate {aggregate}, fold {foldedPermutation}, expected {folded}");
                        }
                    }
                }
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public void Combine_is_associative_over_every_triple()
    {
        foreach (var a in AllStates)
        {
            foreach (var b in AllStates)
            {
                foreach (var c in AllStates)
                {
                    Assert.Equal(
                        DeviceStateAggregation.Combine(DeviceStateAggregation.Combine(a, b), c),
                        DeviceStateAggregation.Combine(a, DeviceStateAggregation.Combine(b, c)));
                }
            }
        }
    }

    [Fact]
    public void Combining_a_view_with_itself_gives_the_view()
    {
        foreach (var state in AllStates)
        {
            Assert.Equal(state, DeviceStateAggregation.Combine(state, state));
            Assert.Equal(state, DeviceStateAggregation.Aggregate([state, state, state]));
        }
    }

    [Fact]
    public void Adding_a_view_that_is_already_counted_changes_nothing()
    {
        foreach (var a in AllStates)
        {
            foreach (var b in AllStates)
            {
                var once = DeviceStateAggregation.Combine(a, b);
                Assert.Equal(once, DeviceStateAggregation.Combine(once, b));
                Assert.Equal(once, DeviceStateAggregation.Aggregate([a, b, b, a]));
            }
        }
    }

    [Fact]
    public void Ranks_follow_the_design_order()
    {
        string[] byRank = ["INVALID", "UNKNOWN", "UNAVAILABLE", "NOT_INUSE", "ONHOLD", "RINGING", "INUSE", "BUSY", "RINGINUSE"];

        for (var rank = 0; rank < byRank.Length; rank++)
        {
            Assert.Equal(rank, DeviceStateAggregation.Rank(ByAsteriskName[byRank[rank]]));
        }
    }

    private static IEnumerable<DeviceState[]> Permutations(DeviceState a, DeviceState b, DeviceState c)
    {
        yield return [a, b, c];
        yield return [a, c, b];
        yield return [b, a, c];
        yield return [b, c, a];
        yield return [c, a, b];
        yield return [c, b, a];
    }
}
