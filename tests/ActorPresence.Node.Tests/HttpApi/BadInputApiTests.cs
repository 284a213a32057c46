using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ActorPresence.Node.Tests;

/// <summary>Requests the API refuses: 400 with <c>{"error"}</c> naming what is wrong and nothing applied, 404 for what does not exist.</summary>
[Collection(HttpApiNode.Collection)]
public sealed class BadInputApiTests(HttpApiNodeFixture fixture) : HttpApiTestKit(fixture)
{
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

    // ---- unknown entities, members and endpoints: 404 ----

    [Fact]
    public async Task Get_of_a_device_no_node_has_a_view_of_is_not_found()
    {
        var id = Unique("PJSIP/");

        AssertNotFound(await GetAsync($"/api/v1/devices/{id}"), id);
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
    public async Task Get_of_an_unknown_mailbox_is_not_found()
    {
        var box = Unique("mb");

        AssertNotFound(await GetAsync($"/api/v1/mailboxes/{box}@default"), box);
    }

    [Fact]
    public async Task Get_of_an_unknown_presentity_is_not_found()
    {
        var id = Unique("nobody-");

        AssertNotFound(await GetAsync($"/api/v1/presence/{id}"), id);
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

    [Fact]
    public async Task An_unknown_endpoint_is_not_found_with_a_json_error()
    {
        AssertError(await GetAsync("/api/v1/no-such-thing"), HttpStatusCode.NotFound);
    }

    // ---- malformed ids: 400 ----

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

    // ---- bodies: 400 naming the field, and the size limit's edge ----

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

    // ---- list limits: 400 ----

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
}
