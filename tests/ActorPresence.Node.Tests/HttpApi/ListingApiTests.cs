using System.Text.Json;

namespace ActorPresence.Node.Tests;

/// <summary>The lists, <c>GET /api/v1/{devices|mailboxes|presence}?prefix=&amp;after=&amp;limit=</c>: order, paging with <c>next</c>, limits.</summary>
[Collection(HttpApiNode.Collection)]
public sealed class ListingApiTests(HttpApiNodeFixture fixture) : HttpApiTestKit(fixture)
{
    private static string? Next(JsonElement list)
    {
        var next = list.GetProperty("next");
        return next.ValueKind == JsonValueKind.Null ? null : next.GetString();
    }

    /// <summary>Pages through a list with <paramref name="limit"/>, following <c>next</c>; returns every id and the page sizes.</summary>
    private async Task<(List<string> Ids, List<int> Pages)> PageThroughAsync(string collection, string idField, string prefix, int limit)
    {
        var ids = new List<string>();
        var pages = new List<int>();
        string? after = null;
        for (var guard = 0; guard < 100; guard++)
        {
            var path = $"/api/v1/{collection}?prefix={Q(prefix)}&limit={limit}" + (after is null ? "" : $"&after={Q(after)}");
            var page = AssertOk(await GetAsync(path));
            var pageIds = Ids(page, idField);
            ids.AddRange(pageIds);
            pages.Add(pageIds.Count);
            after = Next(page);
            if (after is null)
            {
                return (ids, pages);
            }
            Assert.Equal(pageIds[^1], after);
        }
        Assert.Fail("the list never ended");
        return (ids, pages);
    }

    [Fact]
    public async Task The_device_list_pages_through_a_prefix_in_ordinal_order_following_next()
    {
        var prefix = Unique("List") + "/";
        string[] ids = [prefix + "1000", prefix + "1001", prefix + "200", prefix + "30", prefix + "1000a", prefix + "Z9", prefix + "a1"];
        foreach (var id in ids)
        {
            AssertOk(await PutAsync($"/api/v1/devices/{id}", """{"state": "INUSE"}"""));
        }
        // Neighbours that the prefix must leave out.
        AssertOk(await PutAsync($"/api/v1/devices/{prefix.TrimEnd('/')}", """{"state": "INUSE"}"""));
        AssertOk(await PutAsync($"/api/v1/devices/{prefix.TrimEnd('/')}0/1", """{"state": "INUSE"}"""));

        var (paged, pages) = await PageThroughAsync("devices", "device", prefix, limit: 2);

        Assert.Equal(ids.Order(StringComparer.Ordinal).ToList(), paged);
        Assert.Equal([2, 2, 2, 1], pages);
    }

    [Fact]
    public async Task A_device_list_page_that_ends_exactly_at_the_last_id_has_no_next()
    {
        var prefix = Unique("Exact") + "/";
        foreach (var n in new[] { "1", "2", "3" })
        {
            AssertOk(await PutAsync($"/api/v1/devices/{prefix}{n}", """{"state": "BUSY"}"""));
        }

        var all = AssertOk(await GetAsync($"/api/v1/devices?prefix={Q(prefix)}&limit=3"));
        var first = AssertOk(await GetAsync($"/api/v1/devices?prefix={Q(prefix)}&limit=2"));

        Assert.Equal([prefix + "1", prefix + "2", prefix + "3"], Ids(all, "device"));
        Assert.Null(Next(all));
        Assert.Equal(prefix + "2", Next(first));
    }

    [Fact]
    public async Task The_device_list_starts_after_the_given_id_and_carries_full_device_documents()
    {
        var prefix = Unique("After") + "/";
        foreach (var (n, state) in new[] { ("1", "INUSE"), ("2", "RINGING"), ("3", "ONHOLD") })
        {
            AssertOk(await PutAsync($"/api/v1/devices/{prefix}{n}", $$"""{"state": "{{state}}"}"""));
        }

        var list = AssertOk(await GetAsync($"/api/v1/devices?prefix={Q(prefix)}&after={Q(prefix + "1")}"));

        Assert.Equal([prefix + "2", prefix + "3"], Ids(list, "device"));
        Assert.Null(Next(list));
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal("RINGING", items[0].GetProperty("state").GetString());
        Assert.Equal("ONHOLD", items[1].GetProperty("state").GetString());
        Assert.Equal(AssertOk(await GetAsync($"/api/v1/devices/{prefix}3")).GetRawText(), items[1].GetRawText());
    }

    [Fact]
    public async Task The_device_list_limit_defaults_to_100()
    {
        var prefix = Unique("Many") + "/";
        var ids = Enumerable.Range(0, 101).Select(i => $"{prefix}{i:D3}").ToList();
        foreach (var chunk in ids.Chunk(20))
        {
            await Task.WhenAll(chunk.Select(async id => AssertOk(await PutAsync($"/api/v1/devices/{id}", """{"state": "NOT_INUSE"}"""))));
        }

        var first = AssertOk(await GetAsync($"/api/v1/devices?prefix={Q(prefix)}"));
        var rest = AssertOk(await GetAsync($"/api/v1/devices?prefix={Q(prefix)}&after={Q(Next(first)!)}"));

        Assert.Equal(ids.Take(100).ToList(), Ids(first, "device"));
        Assert.Equal(ids[99], Next(first));
        Assert.Equal([ids[100]], Ids(rest, "device"));
        Assert.Null(Next(rest));
    }

    [Fact]
    public async Task A_list_with_a_prefix_nothing_has_is_empty_with_no_next()
    {
        var list = AssertOk(await GetAsync($"/api/v1/devices?prefix={Q(Unique("Nothing"))}&limit=1000"));

        Assert.Empty(list.GetProperty("items").EnumerateArray());
        Assert.Null(Next(list));
    }

    [Fact]
    public async Task The_mailbox_list_pages_through_a_prefix_by_canonical_id()
    {
        var prefix = Unique("mb");
        AssertOk(await PutAsync($"/api/v1/mailboxes/{prefix}1", """{"new": 1, "old": 0, "urgent": 0}"""));
        AssertOk(await PutAsync($"/api/v1/mailboxes/{prefix}2@ctx", """{"new": 2, "old": 0, "urgent": 0}"""));
        AssertOk(await PutAsync($"/api/v1/mailboxes/{prefix}3@default", """{"new": 3, "old": 0, "urgent": 0}"""));

        var (ids, pages) = await PageThroughAsync("mailboxes", "mailbox", prefix, limit: 2);
        var all = AssertOk(await GetAsync($"/api/v1/mailboxes?prefix={Q(prefix)}"));

        Assert.Equal([$"{prefix}1@default", $"{prefix}2@ctx", $"{prefix}3@default"], ids);
        Assert.Equal([2, 1], pages);
        Assert.Equal([1, 2, 3], all.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("new").GetInt32()));
        Assert.Null(Next(all));
    }

    [Fact]
    public async Task The_presence_list_pages_through_a_prefix_in_ordinal_order()
    {
        var prefix = Unique("team-");
        string[] ids = [prefix + "bob", prefix + "Alice", prefix + "carol", prefix + "dave"];
        foreach (var id in ids)
        {
            AssertOk(await PutAsync($"/api/v1/presence/{id}", """{"state": "available"}"""));
        }

        var (paged, pages) = await PageThroughAsync("presence", "presentity", prefix, limit: 3);

        Assert.Equal(ids.Order(StringComparer.Ordinal).ToList(), paged);
        Assert.Equal([3, 1], pages);
    }

    [Theory]
    [InlineData("devices")]
    [InlineData("mailboxes")]
    [InlineData("presence")]
    public async Task List_limits_1_and_1000_are_accepted(string collection)
    {
        var prefix = Unique("none");

        AssertOk(await GetAsync($"/api/v1/{collection}?prefix={prefix}&limit=1"));
        AssertOk(await GetAsync($"/api/v1/{collection}?prefix={prefix}&limit=1000"));
    }
}
