using ActorPresence.Domain;

namespace ActorPresence.Domain.Tests;

public sealed class StampTests
{
    private static readonly DateTimeOffset Noon = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void More_ticks_is_later_whatever_the_node_names_say()
    {
        var earlier = new Stamp(100, "zzz");
        var later = new Stamp(101, "aaa");

        Assert.True(earlier < later);
        Assert.True(later > earlier);
        Assert.True(earlier.CompareTo(later) < 0);
        Assert.True(later.CompareTo(earlier) > 0);
    }

    [Fact]
    public void Equal_ticks_are_ordered_by_node_name()
    {
        Assert.True(new Stamp(100, "pbx-1") < new Stamp(100, "pbx-2"));
        Assert.True(new Stamp(100, "pbx-2") > new Stamp(100, "pbx-1"));
    }

    [Fact]
    public void Node_names_are_compared_ordinally_not_by_culture()
    {
        // Ordinal: 'B' (66) sorts before 'a' (97); a culture-aware comparison would put "a" first.
        Assert.True(new Stamp(100, "B") < new Stamp(100, "a"));
        // Ordinal: "node10" sorts before "node9".
        Assert.True(new Stamp(100, "node10") < new Stamp(100, "node9"));
    }

    [Fact]
    public void Equal_ticks_and_node_are_the_same_stamp()
    {
        var a = new Stamp(100, "pbx-1");
        var b = new Stamp(100, "pbx-1");

        Assert.Equal(0, a.CompareTo(b));
        Assert.Equal(a, b);
        Assert.True(a <= b);
        Assert.True(a >= b);
        Assert.False(a < b);
        Assert.False(a > b);
    }

    [Fact]
    public void Sorting_orders_by_ticks_then_node()
    {
        Stamp[] stamps = [new(2, "a"), new(1, "b"), new(2, "B"), new(1, "a"), new(3, "")];

        Assert.Equal(
            [new Stamp(1, "a"), new Stamp(1, "b"), new Stamp(2, "B"), new Stamp(2, "a"), new Stamp(3, "")],
            stamps.Order());
    }

    [Fact]
    public void Max_picks_the_later_stamp_either_way()
    {
        var a = new Stamp(5, "pbx-2");
        var b = new Stamp(5, "pbx-1");

        Assert.Equal(a, Stamp.Max(a, b));
        Assert.Equal(a, Stamp.Max(b, a));
    }

    [Fact]
    public void Zero_is_before_every_real_write()
    {
        Assert.True(Stamp.Zero < Stamp.Next(Noon, Stamp.Zero, "pbx-1"));
        Assert.True(Stamp.Zero < new Stamp(1, ""));
    }

    [Fact]
    public void Next_uses_the_clock_when_it_is_ahead_of_what_was_seen()
    {
        var seen = new Stamp(Noon.UtcTicks - 1000, "pbx-2");

        var next = Stamp.Next(Noon, seen, "pbx-1");

        Assert.Equal(Noon.UtcTicks, next.Ticks);
        Assert.Equal("pbx-1", next.Node);
        Assert.True(next > seen);
    }

    [Fact]
    public void Next_goes_past_a_seen_stamp_from_a_clock_that_is_ahead()
    {
        // The other node's clock is an hour ahead; a write made after seeing its write still wins.
        var seen = new Stamp(Noon.AddHours(1).UtcTicks, "zzz-node");

        var next = Stamp.Next(Noon, seen, "aaa-node");

        Assert.True(next > seen);
        Assert.Equal(seen.Ticks + 1, next.Ticks);
        Assert.Equal("aaa-node", next.Node);
    }

    [Fact]
    public void Next_goes_past_a_seen_stamp_with_the_same_clock_reading_and_a_larger_node_name()
    {
        var seen = new Stamp(Noon.UtcTicks, "zzz-node");

        var next = Stamp.Next(Noon, seen, "aaa-node");

        Assert.True(next > seen);
    }

    [Fact]
    public void Writes_in_a_row_with_a_stopped_clock_still_get_increasing_stamps()
    {
        var seen = Stamp.Zero;
        for (var i = 0; i < 100; i++)
        {
            var next = Stamp.Next(Noon, seen, "pbx-1");
            Assert.True(next > seen);
            seen = next;
        }
        Assert.Equal(Noon.UtcTicks + 99, seen.Ticks);
    }

    [Fact]
    public void Next_reads_the_clock_in_utc()
    {
        var local = new DateTimeOffset(2024, 5, 1, 14, 0, 0, TimeSpan.FromHours(2));

        Assert.Equal(Noon.UtcTicks, Stamp.Next(local, Stamp.Zero, "pbx-1").Ticks);
        Assert.Equal(Noon, Stamp.Next(local, Stamp.Zero, "pbx-1").Time);
    }

    [Theory]
    [InlineData("a", "a-b")]
    [InlineData("pbx", "pbx.2")]
    [InlineData("node1", "node2")]
    public void Two_concurrent_writes_on_two_sites_are_ordered_the_same_way_on_both(string onParis, string onBerlin)
    {
        // Paris holds its own write as onParis and Berlin's as onBerlin@berlin; Berlin the other way round.
        var seenInParis = new Stamp(5, onParis).CompareTo(new Stamp(5, onBerlin + "@berlin"));
        var seenInBerlin = new Stamp(5, onParis + "@paris").CompareTo(new Stamp(5, onBerlin));

        Assert.NotEqual(0, seenInParis);
        Assert.Equal(Math.Sign(seenInParis), Math.Sign(seenInBerlin));
    }
}
