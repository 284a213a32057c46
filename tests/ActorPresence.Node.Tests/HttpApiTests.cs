using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ActorPresence.Node.Tests;

/// <summary>One real single-node cluster for <see cref="HttpApiTests"/>, Up before the first test runs.</summary>
public sealed class HttpApiNodeFixture : IAsyncLifetime
{
    public const string NodeName = "http-api";

    private TestNodeHost? _node;

    public TestNodeHost Node => _node ?? throw new InvalidOperationException("the node has not started");

    public async Task InitializeAsync()
    {
        _node = await TestNodeHost.StartAsync(NodeName);
        var ready = await HttpApiTests.PollReadyzAsync(_node.Http, TimeSpan.FromSeconds(60));
        if (ready.Status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"the node did not become ready: {ready.Status} {ready.Text}");
        }
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }
}

/// <summary>
/// The HTTP contract of docs/api.md against a real node: every endpoint, every kind of bad input
/// (400 naming the field, nothing applied) and unknown entities (404). Each test uses entity ids of
/// its own, so the tests are independent although they share the node.
/// </summary>
public sealed class HttpApiTests(HttpApiNodeFixture fixture) : IClassFixture<HttpApiNodeFixture>
{
    private const string Self = HttpApiNodeFixture.NodeName;

    private HttpClient Http => fixture.Node.Http;

    // ---- helpers ----

    /// <summary>A response, read completely.</summary>
    public sealed record Reply(HttpStatusCode Status, string? MediaType, string Text)
    {
        public JsonElement Json()
        {
            try
            {
                using var doc = JsonDocument.Parse(Text);
                return doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new Xunit.Sdk.XunitException($"the body is not JSON ({e.Message}): {Text}");
            }
        }

        public override string ToString() => $"{(int)Status} {Status} {MediaType}: {Text}";
    }

    private static string Unique(string stem) => $"{stem}{Guid.NewGuid():N}";

    private static string Q(string value) => Uri.EscapeDataString(value);

    private static async Task<Reply> SendAsync(HttpClient http, HttpMethod method, string path, HttpContent? content = null, bool expectContinue = false)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (expectContinue)
        {
            request.Headers.ExpectContinue = true;
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text);
    }

    private Task<Reply> SendAsync(HttpMethod method, string path, string? json = null) =>
        SendAsync(Http, method, path, json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"));

    private Task<Reply> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    private Task<Reply> PutAsync(string path, string json) => SendAsync(HttpMethod.Put, path, json);

    private Task<Reply> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    private Task<Reply> PostAsync(string path, string? json = null) => SendAsync(HttpMethod.Post, path, json);

    /// <summary>Polls <c>/readyz</c> until it answers 200 or <paramref name="within"/> has passed; returns the last answer.</summary>
    internal static async Task<Reply> PollReadyzAsync(HttpClient http, TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        Reply last = new(HttpStatusCode.ServiceUnavailable, null, "never answered");
        while (true)
        {
            try
            {
                last = await SendAsync(http, HttpMethod.Get, "/readyz");
                if (last.Status == HttpStatusCode.OK)
                {
                    return last;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                return last;
            }
        }
    }

    private static JsonElement AssertOk(Reply reply)
    {
        if (reply.Status != HttpStatusCode.OK)
        {
            Assert.Fail($"expected 200 OK, got {reply}");
        }
        Assert.Equal("application/json", reply.MediaType);
        return reply.Json();
    }

    /// <summary>The reply is <paramref name="status"/> with a JSON body <c>{"error": "..."}</c>; returns the message.</summary>
    private static string AssertError(Reply reply, HttpStatusCode status)
    {
        if (reply.Status != status)
        {
            Assert.Fail($"expected {(int)status} {status}, got {reply}");
        }
        Assert.Equal("application/json", reply.MediaType);
        var body = reply.Json();
        Assert.Equal(JsonValueKind.Object, body.ValueKind);
        Assert.True(body.TryGetProperty("error", out var error), $"no \"error\" in {reply.Text}");
        Assert.Equal(JsonValueKind.String, error.ValueKind);
        var message = error.GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(message), "the error message is empty");
        return message;
    }

    /// <summary>400 with an error whose message names <paramref name="field"/> (as <c>field: what is wrong</c>).</summary>
    private static string AssertBadInput(Reply reply, string field)
    {
        var message = AssertError(reply, HttpStatusCode.BadRequest);
        Assert.True(message.StartsWith(field + ":", StringComparison.Ordinal), $"the error does not name '{field}': {message}");
        return message;
    }

    private static string AssertNotFound(Reply reply, string mentions)
    {
        var message = AssertError(reply, HttpStatusCode.NotFound);
        Assert.Contains(mentions, message, StringComparison.Ordinal);
        return message;
    }

    private static List<string> Ids(JsonElement list, string idField) =>
        list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty(idField).GetString()!).ToList();

    private static string? Next(JsonElement list)
    {
        var next = list.GetProperty("next");
        return next.ValueKind == JsonValueKind.Null ? null : next.GetString();
    }

    private static void AssertRecent(JsonElement timestamp)
    {
        var at = timestamp.GetDateTimeOffset();
        Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
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

    /// <summary>A body HttpClient sends chunked, without a Content-Length.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] _bytes;

        public ChunkedContent(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var at = 0; at < _bytes.Length; at += 4096)
            {
                await stream.WriteAsync(_bytes.AsMemory(at, Math.Min(4096, _bytes.Length - at)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    // ---- devices ----

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
    public async Task Get_of_a_device_no_node_has_a_view_of_is_not_found()
    {
        var id = Unique("PJSIP/");

        AssertNotFound(await GetAsync($"/api/v1/devices/{id}"), id);
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
    public async Task Delete_of_a_device_this_node_has_no_view_of_is_not_found()
    {
        var id = Unique("PJSIP/");

        AssertNotFound(await DeleteAsync($"/api/v1/devices/{id}"), id);
        AssertNotFound(await GetAsync($"/api/v1/devices/{id}"), id);
    }

    [Fact]
    public async Task A_second_delete_of_the_same_device_is_not_found()
    {
        var id = Unique("PJSIP/");
        AssertOk(await PutAsync($"/api/v1/devices/{id}", """{"state": "BUSY"}"""));
        AssertOk(await DeleteAsync($"/api/v1/devices/{id}"));

        AssertNotFound(await DeleteAsync($"/api/v1/devices/{id}"), id);
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

    // ---- mailboxes ----

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

    [Fact]
    public async Task Get_of_an_unknown_mailbox_is_not_found()
    {
        var box = Unique("mb");

        AssertNotFound(await GetAsync($"/api/v1/mailboxes/{box}@default"), box);
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

    // ---- presence ----

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

    [Fact]
    public async Task Get_of_an_unknown_presentity_is_not_found()
    {
        var id = Unique("nobody-");

        AssertNotFound(await GetAsync($"/api/v1/presence/{id}"), id);
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

    // ---- cluster and health ----

    [Fact]
    public async Task The_cluster_document_shows_this_single_node_up_reachable_and_leading()
    {
        var cluster = AssertOk(await GetAsync("/api/v1/cluster"));

        Assert.Equal(Self, cluster.GetProperty("self").GetString());
        var selfAddress = cluster.GetProperty("selfAddress").GetString()!;
        Assert.StartsWith("akka.tcp://actorpresence@127.0.0.1:", selfAddress, StringComparison.Ordinal);
        Assert.True(int.TryParse(selfAddress[(selfAddress.LastIndexOf(':') + 1)..], out var port) && port > 0, selfAddress);
        Assert.Equal(selfAddress, cluster.GetProperty("leader").GetString());
        var member = Assert.Single(cluster.GetProperty("members").EnumerateArray());
        Assert.Equal(Self, member.GetProperty("node").GetString());
        Assert.Equal(selfAddress, member.GetProperty("address").GetString());
        Assert.Equal("Up", member.GetProperty("status").GetString());
        Assert.True(member.GetProperty("reachable").GetBoolean());
        Assert.Equal(["telephony"], member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Down_unreachable_on_a_healthy_single_node_downs_nobody()
    {
        var reply = AssertOk(await PostAsync("/api/v1/cluster/down-unreachable"));

        Assert.Empty(reply.GetProperty("downed").EnumerateArray());
        var member = Assert.Single(AssertOk(await GetAsync("/api/v1/cluster")).GetProperty("members").EnumerateArray());
        Assert.Equal("Up", member.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Leave_of_an_unknown_node_name_is_not_found_and_changes_nothing()
    {
        var name = Unique("pbx-");

        AssertNotFound(await PostAsync("/api/v1/cluster/leave", $$"""{"node": "{{name}}"}"""), name);

        var member = Assert.Single(AssertOk(await GetAsync("/api/v1/cluster")).GetProperty("members").EnumerateArray());
        Assert.Equal("Up", member.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Leave_of_an_unknown_member_address_is_not_found()
    {
        const string address = "akka.tcp://actorpresence@127.0.0.1:1";

        AssertNotFound(await PostAsync("/api/v1/cluster/leave", $$"""{"node": "{{address}}"}"""), address);
    }

    [Theory]
    [InlineData("{}", "node")]
    [InlineData("""{"node": 3}""", "node")]
    [InlineData("[\"pbx1\"]", "body")]
    [InlineData("{\"node\": ", "body")]
    [InlineData("", "body")]
    public async Task Leave_without_a_node_name_is_bad_input(string body, string field)
    {
        AssertBadInput(await PostAsync("/api/v1/cluster/leave", body), field);

        var member = Assert.Single(AssertOk(await GetAsync("/api/v1/cluster")).GetProperty("members").EnumerateArray());
        Assert.Equal("Up", member.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Healthz_answers_healthy_with_the_process_check()
    {
        var health = AssertOk(await GetAsync("/healthz"));

        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.Equal("Healthy", health.GetProperty("checks").GetProperty("process").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readyz_answers_ready_once_the_node_is_an_up_member()
    {
        var reply = await PollReadyzAsync(Http, TimeSpan.FromSeconds(30));

        var ready = AssertOk(reply);
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        var member = ready.GetProperty("checks").GetProperty("cluster-member");
        Assert.Equal("Healthy", member.GetProperty("status").GetString());
        Assert.Equal("Up", member.GetProperty("data").GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_unknown_endpoint_is_not_found_with_a_json_error()
    {
        AssertError(await GetAsync("/api/v1/no-such-thing"), HttpStatusCode.NotFound);
    }

    // ---- bad input: ids ----

    /// <summary>What follows a unique stem in the path: a space, a tab, 129 characters in all, non-ASCII, a control character.</summary>
    public static TheoryData<string> MalformedDeviceIdSuffixes => new()
    {
        "%20x",
        "%09x",
        new string('x', 129 - 32),
        "caf%C3%A9",
        "%01x",
    };

    [Theory]
    [MemberData(nameof(MalformedDeviceIdSuffixes))]
    public async Task A_malformed_device_id_is_bad_input_and_nothing_is_applied(string suffix)
    {
        var stem = Guid.NewGuid().ToString("N");
        var path = $"/api/v1/devices/{stem}{suffix}";

        AssertBadInput(await PutAsync(path, """{"state": "INUSE"}"""), "device");
        AssertBadInput(await GetAsync(path), "device");
        AssertBadInput(await DeleteAsync(path), "device");

        var list = AssertOk(await GetAsync($"/api/v1/devices?prefix={stem}"));
        Assert.Empty(list.GetProperty("items").EnumerateArray());
    }

    [Theory]
    [InlineData("%20x")]
    [InlineData("x@y@z")]
    [InlineData("x@")]
    [InlineData("x@c%C3%A9")]
    public async Task A_malformed_mailbox_id_is_bad_input_and_nothing_is_applied(string suffix)
    {
        var stem = Guid.NewGuid().ToString("N");

        AssertBadInput(await PutAsync($"/api/v1/mailboxes/{stem}{suffix}", """{"new": 1, "old": 0, "urgent": 0}"""), "mailbox");
        AssertBadInput(await GetAsync($"/api/v1/mailboxes/{stem}{suffix}"), "mailbox");

        var list = AssertOk(await GetAsync($"/api/v1/mailboxes?prefix={stem}"));
        Assert.Empty(list.GetProperty("items").EnumerateArray());
    }

    [Theory]
    [InlineData("%01x")]
    [InlineData("%0Ax")]
    [InlineData("%7Fx")]
    [InlineData("%C2%85x")]
    public async Task A_control_character_in_a_presentity_id_is_bad_input_and_nothing_is_applied(string suffix)
    {
        var stem = Guid.NewGuid().ToString("N");

        AssertBadInput(await PutAsync($"/api/v1/presence/{stem}{suffix}", """{"state": "away"}"""), "presentity");
        AssertBadInput(await GetAsync($"/api/v1/presence/{stem}{suffix}"), "presentity");

        var list = AssertOk(await GetAsync($"/api/v1/presence?prefix={stem}"));
        Assert.Empty(list.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_presentity_id_of_129_characters_is_bad_input()
    {
        var stem = Guid.NewGuid().ToString("N");

        AssertBadInput(await PutAsync($"/api/v1/presence/{stem.PadRight(129, 'p')}", """{"state": "away"}"""), "presentity");

        Assert.Empty(AssertOk(await GetAsync($"/api/v1/presence?prefix={stem}")).GetProperty("items").EnumerateArray());
    }

    // ---- bad input: bodies ----

    /// <summary>A valid write of each kind, and the path of a fresh entity of that kind.</summary>
    private static (string Path, string Body) ValidWrite(string kind) => kind switch
    {
        "device" => ($"/api/v1/devices/{Unique("PJSIP/")}", """{"state": "INUSE"}"""),
        "mailbox" => ($"/api/v1/mailboxes/{Unique("mb")}@default", """{"new": 2, "old": 5, "urgent": 1}"""),
        "presence" => ($"/api/v1/presence/{Unique("dora-")}", """{"state": "away", "message": "lunch"}"""),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a kind"),
    };

    /// <summary>
    /// Sends <paramref name="bad"/> to an entity that has a value and to one that has none; both
    /// must get 400 naming <paramref name="field"/>, the first must keep its value and the second stay unknown.
    /// </summary>
    private async Task AssertRefusedAndNothingAppliedAsync(string kind, Func<HttpContent?> bad, string field, bool expectContinue = false)
    {
        var (existing, valid) = ValidWrite(kind);
        var (fresh, _) = ValidWrite(kind);
        AssertOk(await PutAsync(existing, valid));
        var before = AssertOk(await GetAsync(existing));

        AssertBadInput(await SendAsync(Http, HttpMethod.Put, existing, bad(), expectContinue), field);
        AssertBadInput(await SendAsync(Http, HttpMethod.Put, fresh, bad(), expectContinue), field);

        var after = AssertOk(await GetAsync(existing));
        Assert.Equal(before.GetRawText(), after.GetRawText());
        AssertError(await GetAsync(fresh), HttpStatusCode.NotFound);
    }

    private static HttpContent Json(string text) => new StringContent(text, Encoding.UTF8, "application/json");

    public static TheoryData<string, string> BrokenBodies
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var kind in new[] { "device", "mailbox", "presence" })
            {
                foreach (var body in new[] { "broken JSON", "a JSON array", "a JSON string", "JSON null", "an empty body", "no body", "70 KiB", "70 KiB chunked" })
                {
                    data.Add(kind, body);
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(BrokenBodies))]
    public async Task A_body_that_is_not_one_json_object_of_at_most_64_KiB_is_bad_input_and_nothing_is_applied(string kind, string body)
    {
        var (_, valid) = ValidWrite(kind);
        // Valid fields and padding, so only the size can be what is refused.
        var big = Encoding.UTF8.GetBytes(valid[..^1] + ", \"padding\": \"" + new string('x', 70 * 1024) + "\"}");
        Func<HttpContent?> content = body switch
        {
            "broken JSON" => () => Json(valid[..^1]),
            "a JSON array" => () => Json($"[{valid}]"),
            "a JSON string" => () => Json("\"INUSE\""),
            "JSON null" => () => Json("null"),
            "an empty body" => () => Json(""),
            "no body" => () => null,
            "70 KiB" => () => new ByteArrayContent(big) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            "70 KiB chunked" => () => new ChunkedContent(big),
            _ => throw new ArgumentOutOfRangeException(nameof(body), body, "not a case"),
        };

        // With a Content-Length over the limit the node answers before reading the body; the client
        // waits for that answer (Expect: 100-continue) instead of racing it. See the test below for
        // a client that does not wait.
        await AssertRefusedAndNothingAppliedAsync(kind, content, "body", expectContinue: body == "70 KiB");
    }

    [Fact]
    public async Task A_body_of_exactly_64_KiB_is_accepted()
    {
        var (path, _) = ValidWrite("device");
        var head = "{\"state\": \"BUSY\", \"padding\": \"";
        var body = head + new string('x', 64 * 1024 - head.Length - 2) + "\"}";
        Assert.Equal(64 * 1024, Encoding.UTF8.GetByteCount(body));

        var put = AssertOk(await PutAsync(path, body));

        Assert.Equal("BUSY", put.GetProperty("state").GetString());
    }

    [Fact]
    public async Task An_oversized_body_sent_in_full_without_waiting_still_gets_its_400_answer()
    {
        // A client that writes the whole 70 KiB before reading (HttpClient without Expect:
        // 100-continue, and many others) must get the 400 too, not a reset connection. Each
        // attempt races the node closing the connection against the client finishing its write,
        // so the test makes two hundred.
        const int attempts = 200;
        var paths = new List<string>();
        var failures = new List<string>();
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var (path, valid) = ValidWrite("device");
            paths.Add(path);
            var big = Encoding.UTF8.GetBytes(valid[..^1] + ", \"padding\": \"" + new string('x', 70 * 1024) + "\"}");
            try
            {
                var reply = await SendAsync(Http, HttpMethod.Put, path, new ByteArrayContent(big) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } });
                if (reply.Status != HttpStatusCode.BadRequest)
                {
                    failures.Add($"attempt {attempt}: {reply}");
                }
            }
            catch (HttpRequestException e)
            {
                failures.Add($"attempt {attempt}: {e.Message} ({e.InnerException?.Message})");
            }
        }

        foreach (var path in paths)
        {
            AssertError(await GetAsync(path), HttpStatusCode.NotFound);
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {attempts} oversized requests got no 400:\n{string.Join("\n", failures)}");
    }

    [Theory]
    [InlineData("""{"state": "SLEEPING"}""")]
    [InlineData("""{"state": ""}""")]
    [InlineData("""{"state": "IN USE"}""")]
    [InlineData("""{"state": 2}""")]
    [InlineData("""{"state": null}""")]
    [InlineData("""{"state": ["INUSE"]}""")]
    [InlineData("""{}""")]
    [InlineData("""{"State2": "INUSE"}""")]
    public async Task A_missing_or_unknown_device_state_is_bad_input_and_nothing_is_applied(string body)
    {
        await AssertRefusedAndNothingAppliedAsync("device", () => Json(body), "state");
    }

    [Theory]
    [InlineData("""{"new": -1, "old": 0, "urgent": 0}""", "new")]
    [InlineData("""{"new": 0, "old": -1, "urgent": 0}""", "old")]
    [InlineData("""{"new": 1, "old": 0, "urgent": -1}""", "urgent")]
    [InlineData("""{"new": 1, "old": 0, "urgent": 2}""", "urgent")]
    [InlineData("""{"old": 0, "urgent": 0}""", "new")]
    [InlineData("""{"new": 0, "urgent": 0}""", "old")]
    [InlineData("""{"new": 0, "old": 0}""", "urgent")]
    [InlineData("""{"new": null, "old": 0, "urgent": 0}""", "new")]
    [InlineData("""{"new": "2", "old": 0, "urgent": 0}""", "new")]
    [InlineData("""{"new": 2, "old": "5", "urgent": 0}""", "old")]
    [InlineData("""{"new": 2, "old": 0, "urgent": "1"}""", "urgent")]
    [InlineData("""{"new": 2.5, "old": 0, "urgent": 0}""", "new")]
    [InlineData("""{"new": 2, "old": 1.5, "urgent": 0}""", "old")]
    [InlineData("""{"new": 2, "old": 0, "urgent": 0.5}""", "urgent")]
    [InlineData("""{"new": 3000000000, "old": 0, "urgent": 0}""", "new")]
    [InlineData("""{"new": true, "old": 0, "urgent": 0}""", "new")]
    public async Task Bad_mailbox_counts_are_bad_input_naming_the_count_and_nothing_is_applied(string body, string field)
    {
        await AssertRefusedAndNothingAppliedAsync("mailbox", () => Json(body), field);
    }

    public static TheoryData<string, string> BadPresenceBodies => new()
    {
        { """{"state": "sleeping"}""", "state" },
        { """{"state": ""}""", "state" },
        { """{"state": 3}""", "state" },
        { """{"message": "lunch"}""", "state" },
        { JsonSerializer.Serialize(new { state = "away", message = new string('m', 513) }), "message" },
        { JsonSerializer.Serialize(new { state = "away", message = "a\u0001b" }), "message" },
        { """{"state": "away", "message": 5}""", "message" },
        { JsonSerializer.Serialize(new { state = "away", subtype = new string('s', 65) }), "subtype" },
        { """{"state": "away", "subtype": false}""", "subtype" },
    };

    [Theory]
    [MemberData(nameof(BadPresenceBodies))]
    public async Task Bad_presence_is_bad_input_naming_the_field_and_nothing_is_applied(string body, string field)
    {
        await AssertRefusedAndNothingAppliedAsync("presence", () => Json(body), field);
    }

    // ---- bad input: list limits ----

    [Theory]
    [InlineData("devices", "0")]
    [InlineData("devices", "abc")]
    [InlineData("devices", "1001")]
    [InlineData("devices", "-1")]
    [InlineData("devices", "1.5")]
    [InlineData("mailboxes", "0")]
    [InlineData("mailboxes", "abc")]
    [InlineData("mailboxes", "1001")]
    [InlineData("presence", "0")]
    [InlineData("presence", "abc")]
    [InlineData("presence", "1001")]
    public async Task A_list_limit_outside_1_to_1000_is_bad_input(string collection, string limit)
    {
        var message = AssertBadInput(await GetAsync($"/api/v1/{collection}?limit={limit}"), "limit");

        Assert.Contains(limit, message, StringComparison.Ordinal);
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

/// <summary>A dedicated seed node (<c>--seed-only</c>) for <see cref="SeedOnlyHttpApiTests"/>.</summary>
public sealed class SeedOnlyNodeFixture : IAsyncLifetime
{
    public const string NodeName = "http-api-seed";

    private TestNodeHost? _node;

    public TestNodeHost Node => _node ?? throw new InvalidOperationException("the node has not started");

    public async Task InitializeAsync()
    {
        _node = await TestNodeHost.StartAsync(NodeName, "--seed-only");
        var ready = await HttpApiTests.PollReadyzAsync(_node.Http, TimeSpan.FromSeconds(60));
        if (ready.Status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"the seed node did not become ready: {ready}");
        }
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }
}

/// <summary>docs/api.md: a request for telephony state on a dedicated seed node gets 503 with <c>{"error"}</c>; the cluster API still works.</summary>
public sealed class SeedOnlyHttpApiTests(SeedOnlyNodeFixture fixture) : IClassFixture<SeedOnlyNodeFixture>
{
    private async Task<(HttpStatusCode Status, string? MediaType, JsonElement Body)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"),
        };
        using var response = await fixture.Node.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, doc.RootElement.Clone());
    }

    [Theory]
    [InlineData("PUT", "/api/v1/devices/PJSIP/1000", """{"state": "INUSE"}""")]
    [InlineData("GET", "/api/v1/devices/PJSIP/1000", null)]
    [InlineData("DELETE", "/api/v1/devices/PJSIP/1000", null)]
    [InlineData("GET", "/api/v1/devices", null)]
    [InlineData("PUT", "/api/v1/mailboxes/1000", """{"new": 1, "old": 0, "urgent": 0}""")]
    [InlineData("GET", "/api/v1/mailboxes/1000", null)]
    [InlineData("GET", "/api/v1/mailboxes", null)]
    [InlineData("PUT", "/api/v1/presence/alice", """{"state": "away"}""")]
    [InlineData("GET", "/api/v1/presence/alice", null)]
    [InlineData("GET", "/api/v1/presence", null)]
    public async Task A_telephony_request_to_a_dedicated_seed_is_unavailable_with_a_json_error(string method, string path, string? body)
    {
        var (status, mediaType, json) = await SendAsync(new HttpMethod(method), path, body);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("application/json", mediaType);
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task A_dedicated_seed_shows_itself_in_the_cluster_with_the_seed_role_and_not_the_telephony_role()
    {
        var (status, _, cluster) = await SendAsync(HttpMethod.Get, "/api/v1/cluster");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(SeedOnlyNodeFixture.NodeName, cluster.GetProperty("self").GetString());
        var member = Assert.Single(cluster.GetProperty("members").EnumerateArray());
        Assert.Equal("Up", member.GetProperty("status").GetString());
        Assert.Equal(["seed"], member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task A_dedicated_seed_is_alive_and_ready()
    {
        var (alive, _, health) = await SendAsync(HttpMethod.Get, "/healthz");
        var (ready, _, readiness) = await SendAsync(HttpMethod.Get, "/readyz");

        Assert.Equal(HttpStatusCode.OK, alive);
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, ready);
        var checks = readiness.GetProperty("checks");
        Assert.Equal("Up", checks.GetProperty("cluster-member").GetProperty("data").GetProperty("status").GetString());
        // A dedicated seed keeps no replica and no durable store: both checks pass and say so.
        Assert.Equal("Healthy", checks.GetProperty("replicator").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("durable-store").GetProperty("status").GetString());
    }
}
