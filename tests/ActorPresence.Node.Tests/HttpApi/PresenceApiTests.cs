using System.Text.Json;

namespace ActorPresence.Node.Tests;

/// <summary>Presence: <c>PUT</c> and <c>GET /api/v1/presence/{id}</c>, states, subtype and message.</summary>
[Collection(HttpApiNode.Collection)]
public sealed class PresenceApiTests(HttpApiNodeFixture fixture) : HttpApiTestKit(fixture)
{
    [Fact]
    public async Task Put_presence_with_subtype_and_message_answers_the_document_and_get_shows_it_at_once()
    {
        var id = Unique("alice-");

        var put = AssertOk(await PutAsync($"/api/v1/presence/{id}", """{"state": "away", "subtype": "meeting", "message": "lunch"}"""));
        var get = AssertOk(await GetAsync($"/api/v1/presence/{id}"));

        Assert.Equal(id, put.GetProperty("presentity").GetString());
        Assert.Equal("away", put.GetProperty("state").GetString());
        Assert.Equal("meeting", put.GetProperty("subtype").GetString());
        Assert.Equal("lunch", put.GetProperty("message").GetString());
        Assert.Equal(Self, put.GetProperty("writtenBy").GetString());
        AssertRecent(put.GetProperty("writtenAt"));
        Assert.Equal(put.GetRawText(), get.GetRawText());
    }

    [Fact]
    public async Task Presence_subtype_and_message_are_optional_and_empty_when_left_out()
    {
        var id = Unique("bob-");

        var put = AssertOk(await PutAsync($"/api/v1/presence/{id}", """{"state": "DND"}"""));

        Assert.Equal("dnd", put.GetProperty("state").GetString());
        Assert.Equal("", put.GetProperty("subtype").GetString());
        Assert.Equal("", put.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_second_presence_put_replaces_subtype_and_message_too()
    {
        var id = Unique("carol-");
        AssertOk(await PutAsync($"/api/v1/presence/{id}", """{"state": "away", "subtype": "x", "message": "lunch"}"""));

        var put = AssertOk(await PutAsync($"/api/v1/presence/{id}", """{"state": "available"}"""));
        var get = AssertOk(await GetAsync($"/api/v1/presence/{id}"));

        Assert.Equal("available", put.GetProperty("state").GetString());
        Assert.Equal("", put.GetProperty("subtype").GetString());
        Assert.Equal("", put.GetProperty("message").GetString());
        Assert.Equal(put.GetRawText(), get.GetRawText());
    }

    [Theory]
    [InlineData("not_set")]
    [InlineData("unavailable")]
    [InlineData("available")]
    [InlineData("away")]
    [InlineData("xa")]
    [InlineData("chat")]
    [InlineData("dnd")]
    public async Task Every_presence_state_is_accepted(string state)
    {
        var id = Unique("p-");

        var put = AssertOk(await PutAsync($"/api/v1/presence/{id}", $$"""{"state": "{{state.ToUpperInvariant()}}"}"""));

        Assert.Equal(state, put.GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("m", 512)]
    [InlineData("é🍽", 256)]
    public async Task A_presence_message_of_512_characters_in_any_script_is_accepted(string unit, int repeat)
    {
        var id = Unique("p-");
        var message = string.Concat(Enumerable.Repeat(unit, repeat));

        var put = AssertOk(await PutAsync($"/api/v1/presence/{id}", JsonSerializer.Serialize(new { state = "away", message })));

        Assert.Equal(message, put.GetProperty("message").GetString());
        Assert.Equal(message, AssertOk(await GetAsync($"/api/v1/presence/{id}")).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Presentity_ids_may_use_any_script_and_are_percent_decoded_as_utf8()
    {
        var id = Unique("Åsa-Ωμέγα-");

        var put = AssertOk(await PutAsync($"/api/v1/presence/{Q(id)}", """{"state": "chat"}"""));
        var get = AssertOk(await GetAsync($"/api/v1/presence/{Q(id)}"));

        Assert.Equal(id, put.GetProperty("presentity").GetString());
        Assert.Equal(put.GetRawText(), get.GetRawText());
    }
}
