namespace ActorPresence.Node.Tests;

/// <summary>Devices: <c>PUT</c>, <c>GET</c> and <c>DELETE /api/v1/devices/{device}</c>, this node's view and the ids and states it accepts.</summary>
[Collection(HttpApiNode.Collection)]
public sealed class DeviceApiTests(HttpApiNodeFixture fixture) : HttpApiTestKit(fixture)
{
    [Fact]
    public async Task Put_device_answers_the_device_document_with_this_nodes_view()
    {
        var id = Unique("PJSIP/");

        var doc = AssertOk(await PutAsync($"/api/v1/devices/{id}", """{"state": "INUSE"}"""));

        Assert.Equal(id, doc.GetProperty("device").GetString());
        Assert.Equal("INUSE", doc.GetProperty("state").GetString());
        var view = Assert.Single(doc.GetProperty("views").EnumerateArray());
        Assert.Equal(Self, view.GetProperty("node").GetString());
        Assert.Equal("INUSE", view.GetProperty("state").GetString());
        AssertRecent(view.GetProperty("updatedAt"));
    }

    [Fact]
    public async Task A_device_write_is_visible_through_get_on_the_same_node_at_once()
    {
        var id = Unique("PJSIP/");

        var put = AssertOk(await PutAsync($"/api/v1/devices/{id}", """{"state": "RINGING"}"""));
        var get = AssertOk(await GetAsync($"/api/v1/devices/{id}"));

        Assert.Equal(put.GetRawText(), get.GetRawText());
    }

    [Fact]
    public async Task A_second_put_replaces_this_nodes_view_and_answers_the_document_after_the_write()
    {
        var id = Unique("PJSIP/");
        AssertOk(await PutAsync($"/api/v1/devices/{id}", """{"state": "INUSE"}"""));

        var put = AssertOk(await PutAsync($"/api/v1/devices/{id}", """{"state": "ONHOLD"}"""));
        var get = AssertOk(await GetAsync($"/api/v1/devices/{id}"));

        Assert.Equal("ONHOLD", put.GetProperty("state").GetString());
        Assert.Equal("ONHOLD", Assert.Single(put.GetProperty("views").EnumerateArray()).GetProperty("state").GetString());
        Assert.Equal(put.GetRawText(), get.GetRawText());
    }

    [Fact]
    public async Task Raw_and_percent_encoded_slashes_name_the_same_device()
    {
        var stem = Unique("PJSIP");
        var raw = $"/api/v1/devices/{stem}/1000";
        var encoded = $"/api/v1/devices/{stem}%2F1000";

        var viaRaw = AssertOk(await PutAsync(raw, """{"state": "RINGING"}"""));
        var readEncoded = AssertOk(await GetAsync(encoded));
        var viaEncoded = AssertOk(await PutAsync(encoded, """{"state": "BUSY"}"""));
        var readRaw = AssertOk(await GetAsync(raw));
        var list = AssertOk(await GetAsync($"/api/v1/devices?prefix={Q(stem)}"));

        Assert.Equal($"{stem}/1000", viaRaw.GetProperty("device").GetString());
        Assert.Equal(viaRaw.GetRawText(), readEncoded.GetRawText());
        Assert.Equal($"{stem}/1000", viaEncoded.GetProperty("device").GetString());
        Assert.Equal("BUSY", readRaw.GetProperty("state").GetString());
        Assert.Single(readRaw.GetProperty("views").EnumerateArray());
        Assert.Equal([$"{stem}/1000"], Ids(list, "device"));
    }

    [Theory]
    [InlineData("Custom:lamp1-", "Custom:lamp1-")]
    [InlineData("Local/1000@from-internal-", "Local/1000@from-internal-")]
    [InlineData("SIP/trunk%3Fa=b-", "SIP/trunk?a=b-")]
    [InlineData("IAX2/x%23y-", "IAX2/x#y-")]
    [InlineData("DAHDI/i1/5551234~!$&'()*+,;-", "DAHDI/i1/5551234~!$&'()*+,;-")]
    public async Task Device_ids_with_other_printable_ascii_characters_are_accepted(string pathStem, string idStem)
    {
        var suffix = Guid.NewGuid().ToString("N");

        var put = AssertOk(await PutAsync($"/api/v1/devices/{pathStem}{suffix}", """{"state": "NOT_INUSE"}"""));
        var get = AssertOk(await GetAsync($"/api/v1/devices/{Q(idStem + suffix)}"));

        Assert.Equal(idStem + suffix, put.GetProperty("device").GetString());
        Assert.Equal(put.GetRawText(), get.GetRawText());
    }

    [Fact]
    public async Task A_device_id_of_128_characters_is_accepted()
    {
        var id = Unique("PJSIP/").PadRight(128, 'x');

        var put = AssertOk(await PutAsync($"/api/v1/devices/{id}", """{"state": "INUSE"}"""));

        Assert.Equal(id, put.GetProperty("device").GetString());
        AssertOk(await GetAsync($"/api/v1/devices/{id}"));
    }

    [Theory]
    [InlineData("UNKNOWN")]
    [InlineData("NOT_INUSE")]
    [InlineData("INUSE")]
    [InlineData("BUSY")]
    [InlineData("INVALID")]
    [InlineData("UNAVAILABLE")]
    [InlineData("RINGING")]
    [InlineData("RINGINUSE")]
    [InlineData("ONHOLD")]
    public async Task Every_asterisk_device_state_is_accepted_in_any_case_and_answered_by_its_name(string state)
    {
        var id = Unique("PJSIP/");

        var lower = AssertOk(await PutAsync($"/api/v1/devices/{id}", $$"""{"state": "{{state.ToLowerInvariant()}}"}"""));
        var exact = AssertOk(await PutAsync($"/api/v1/devices/{id}-exact", $$"""{"state": "{{state}}"}"""));

        Assert.Equal(state, Assert.Single(lower.GetProperty("views").EnumerateArray()).GetProperty("state").GetString());
        Assert.Equal(state, Assert.Single(exact.GetProperty("views").EnumerateArray()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Delete_withdraws_this_nodes_view_and_the_device_becomes_unknown()
    {
        var id = Unique("PJSIP/");
        AssertOk(await PutAsync($"/api/v1/devices/{id}", """{"state": "INUSE"}"""));

        var deleted = AssertOk(await DeleteAsync($"/api/v1/devices/{id}"));

        Assert.Equal(id, deleted.GetProperty("device").GetString());
        Assert.Empty(deleted.GetProperty("views").EnumerateArray());
        AssertNotFound(await GetAsync($"/api/v1/devices/{id}"), id);
        var list = AssertOk(await GetAsync($"/api/v1/devices?prefix={Q(id)}"));
        Assert.Empty(list.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Delete_through_the_encoded_path_withdraws_the_view_set_through_the_raw_path()
    {
        var stem = Unique("PJSIP");
        AssertOk(await PutAsync($"/api/v1/devices/{stem}/2000", """{"state": "INUSE"}"""));

        AssertOk(await DeleteAsync($"/api/v1/devices/{stem}%2F2000"));

        AssertNotFound(await GetAsync($"/api/v1/devices/{stem}/2000"), $"{stem}/2000");
    }

    [Fact]
    public async Task A_device_can_be_set_again_after_its_view_was_withdrawn()
    {
        var id = Unique("PJSIP/");
        AssertOk(await PutAsync($"/api/v1/devices/{id}", """{"state": "BUSY"}"""));
        AssertOk(await DeleteAsync($"/api/v1/devices/{id}"));

        var put = AssertOk(await PutAsync($"/api/v1/devices/{id}", """{"state": "RINGING"}"""));

        Assert.Equal("RINGING", put.GetProperty("state").GetString());
        Assert.Equal("RINGING", AssertOk(await GetAsync($"/api/v1/devices/{id}")).GetProperty("state").GetString());
    }
}
