namespace ActorPresence.Node.Tests;

/// <summary>Mailboxes: <c>PUT</c> and <c>GET /api/v1/mailboxes/{mailbox}</c>, counts with their writer, and contexts.</summary>
[Collection(HttpApiNode.Collection)]
public sealed class MailboxApiTests(HttpApiNodeFixture fixture) : HttpApiTestKit(fixture)
{
    [Fact]
    public async Task Put_mailbox_answers_the_counts_with_the_writer_and_get_shows_them_at_once()
    {
        var id = Unique("mb") + "@office";

        var put = AssertOk(await PutAsync($"/api/v1/mailboxes/{id}", """{"new": 2, "old": 5, "urgent": 1}"""));
        var get = AssertOk(await GetAsync($"/api/v1/mailboxes/{id}"));

        Assert.Equal(id, put.GetProperty("mailbox").GetString());
        Assert.Equal(2, put.GetProperty("new").GetInt32());
        Assert.Equal(5, put.GetProperty("old").GetInt32());
        Assert.Equal(1, put.GetProperty("urgent").GetInt32());
        Assert.Equal(Self, put.GetProperty("writtenBy").GetString());
        AssertRecent(put.GetProperty("writtenAt"));
        Assert.Equal(put.GetRawText(), get.GetRawText());
    }

    [Fact]
    public async Task A_second_mailbox_put_replaces_the_counts()
    {
        var id = Unique("mb") + "@default";
        AssertOk(await PutAsync($"/api/v1/mailboxes/{id}", """{"new": 2, "old": 5, "urgent": 1}"""));

        var put = AssertOk(await PutAsync($"/api/v1/mailboxes/{id}", """{"new": 0, "old": 7, "urgent": 0}"""));
        var get = AssertOk(await GetAsync($"/api/v1/mailboxes/{id}"));

        Assert.Equal(0, put.GetProperty("new").GetInt32());
        Assert.Equal(7, put.GetProperty("old").GetInt32());
        Assert.Equal(0, put.GetProperty("urgent").GetInt32());
        Assert.Equal(put.GetRawText(), get.GetRawText());
    }

    [Fact]
    public async Task A_bare_mailbox_means_the_default_context()
    {
        var box = Unique("mb");

        var put = AssertOk(await PutAsync($"/api/v1/mailboxes/{box}", """{"new": 3, "old": 0, "urgent": 3}"""));
        var viaFull = AssertOk(await GetAsync($"/api/v1/mailboxes/{box}@default"));
        var viaBare = AssertOk(await GetAsync($"/api/v1/mailboxes/{box}"));

        Assert.Equal($"{box}@default", put.GetProperty("mailbox").GetString());
        Assert.Equal(put.GetRawText(), viaFull.GetRawText());
        Assert.Equal(put.GetRawText(), viaBare.GetRawText());
    }

    [Fact]
    public async Task Mailboxes_of_the_same_box_in_different_contexts_are_different_mailboxes()
    {
        var box = Unique("mb");
        AssertOk(await PutAsync($"/api/v1/mailboxes/{box}@sales", """{"new": 1, "old": 0, "urgent": 0}"""));

        AssertNotFound(await GetAsync($"/api/v1/mailboxes/{box}"), $"{box}@default");
        Assert.Equal(1, AssertOk(await GetAsync($"/api/v1/mailboxes/{box}%40sales")).GetProperty("new").GetInt32());
    }
}
