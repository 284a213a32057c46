using ActorPresence.Domain;

namespace ActorPresence.Domain.Tests;

public sealed class DeviceStateNamesTests
{
    private static readonly string[] ExpectedNames =
        ["UNKNOWN", "NOT_INUSE", "INUSE", "BUSY", "INVALID", "UNAVAILABLE", "RINGING", "RINGINUSE", "ONHOLD"];

    public static TheoryData<string, int> NamesAndWireValues()
    {
        var data = new TheoryData<string, int>();
        for (var i = 0; i < ExpectedNames.Length; i++)
        {
            data.Add(ExpectedNames[i], i);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(NamesAndWireValues))]
    public void Each_Asterisk_name_parses_to_its_wire_value_and_prints_back(string name, int wireValue)
    {
        var state = DeviceStateNames.Parse(name);

        Assert.Equal(wireValue, (int)state);
        Assert.Equal(name, state.ToName());
        Assert.True(DeviceStateNames.TryParse(name, out var parsed));
        Assert.Equal(state, parsed);
    }

    [Fact]
    public void Every_state_round_trips_through_its_name()
    {
        Assert.Equal(9, DeviceStateNames.All.Count);
        foreach (var state in DeviceStateNames.All)
        {
            Assert.Equal(state, DeviceStateNames.Parse(state.ToName()));
        }
    }

    [Fact]
    public void All_lists_the_states_in_wire_value_order()
    {
        Assert.Equal(Enumerable.Range(0, 9), DeviceStateNames.All.Select(s => (int)s));
    }

    [Theory]
    [InlineData("not_inuse", DeviceState.NotInUse)]
    [InlineData("Ringing", DeviceState.Ringing)]
    [InlineData("rInGiNuSe", DeviceState.RingInUse)]
    [InlineData("onhold", DeviceState.OnHold)]
    [InlineData("busy", DeviceState.Busy)]
    public void Parsing_ignores_case(string text, DeviceState expected)
    {
        Assert.Equal(expected, DeviceStateNames.Parse(text));
    }

    [Theory]
    [InlineData("IDLE")]
    [InlineData("NOT INUSE")]
    [InlineData("NOTINUSE")]
    [InlineData(" BUSY")]
    [InlineData("BUSY ")]
    [InlineData("")]
    [InlineData("3")]
    [InlineData(null)]
    public void An_unknown_name_is_rejected_on_the_state_field_listing_the_valid_names(string? text)
    {
        var e = Assert.Throws<ValidationException>(() => DeviceStateNames.Parse(text));

        Assert.Equal("state", e.Field);
        Assert.Equal("state", e.ParamName);
        foreach (var name in ExpectedNames)
        {
            Assert.Contains(name, e.Message, StringComparison.Ordinal);
        }
        Assert.False(DeviceStateNames.TryParse(text, out _));
    }

    [Fact]
    public void An_unknown_name_names_the_field_the_caller_gives()
    {
        var e = Assert.Throws<ValidationException>(() => DeviceStateNames.Parse("IDLE", "views[0].state"));

        Assert.Equal("views[0].state", e.Field);
        Assert.StartsWith("views[0].state: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_undefined_wire_value_has_no_name()
    {
        Assert.False(DeviceStateNames.IsDefined((DeviceState)9));
        Assert.False(DeviceStateNames.IsDefined((DeviceState)(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ((DeviceState)9).ToName());
    }
}

public sealed class PresenceStateNamesTests
{
    [Theory]
    [InlineData("not_set", PresenceState.NotSet)]
    [InlineData("unavailable", PresenceState.Unavailable)]
    [InlineData("available", PresenceState.Available)]
    [InlineData("away", PresenceState.Away)]
    [InlineData("xa", PresenceState.Xa)]
    [InlineData("chat", PresenceState.Chat)]
    [InlineData("dnd", PresenceState.Dnd)]
    public void Each_presence_name_parses_and_prints_back(string name, PresenceState expected)
    {
        Assert.Equal(expected, PresenceStateNames.Parse(name));
        Assert.Equal(name, expected.ToName());
    }

    [Fact]
    public void The_presence_states_are_in_the_order_telephony_people_know()
    {
        Assert.Equal(
            ["not_set", "unavailable", "available", "away", "xa", "chat", "dnd"],
            PresenceStateNames.All.Select(s => s.ToName()));
        Assert.Equal(Enumerable.Range(0, 7), PresenceStateNames.All.Select(s => (int)s));
    }

    [Theory]
    [InlineData("AWAY", PresenceState.Away)]
    [InlineData("Not_Set", PresenceState.NotSet)]
    [InlineData("DnD", PresenceState.Dnd)]
    public void Parsing_a_presence_name_ignores_case(string text, PresenceState expected)
    {
        Assert.Equal(expected, PresenceStateNames.Parse(text));
    }

    [Theory]
    [InlineData("busy")]
    [InlineData("not set")]
    [InlineData("")]
    [InlineData(null)]
    public void An_unknown_presence_name_is_rejected_on_the_state_field_listing_the_valid_names(string? text)
    {
        var e = Assert.Throws<ValidationException>(() => PresenceStateNames.Parse(text));

        Assert.Equal("state", e.Field);
        foreach (var name in new[] { "not_set", "unavailable", "available", "away", "xa", "chat", "dnd" })
        {
            Assert.Contains(name, e.Message, StringComparison.Ordinal);
        }
    }
}
